import json
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from api import webhooks
from api.models import WebhookDelivery, WebhookEndpoint
from loyalty.sale import record_purchase
from points.refund import refund_purchase
from tests.factories import MemberFactory


class Receiver:
    """An HTTP server on 127.0.0.1 that answers the statuses it is given in
    turn (the last one from then on) and keeps what it received."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = (
                    receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                )
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory(settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    made = []

    def make(statuses=(200,)):
        receiver = Receiver(statuses)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()


def _sale(member, key="sale-1", amount="500"):
    return record_purchase(member=member.pk, amount=Decimal(amount), idempotency_key=key)


def test_a_sale_is_delivered_signed_and_verifies(receiver_factory, owner, tiers):
    receiver = receiver_factory()
    endpoint = webhooks.register_webhook(url=receiver.url, events=["sale.recorded"], by=owner)
    sale = _sale(MemberFactory())
    assert webhooks.collect_events() == 1
    assert webhooks.send_due() == {"sent": 1, "retrying": 0, "failed": 0}
    [(lowered, body)] = receiver.received
    payload = Webhook(endpoint.secret).verify(body, lowered)
    assert payload["type"] == "sale.recorded" and payload["data"]["id"] == sale.pk
    assert lowered["webhook-id"] == f"evt_sale_{sale.pk}"
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(body, lowered)


def test_a_receiver_answering_500_500_200_gets_the_same_event_three_times(
    receiver_factory, owner, owner_client, tiers
):
    receiver = receiver_factory([500, 500, 200])
    endpoint = webhooks.register_webhook(url=receiver.url, events=["sale.recorded"], by=owner)
    _sale(MemberFactory())
    webhooks.collect_events()
    start = timezone.now()
    outcomes = [webhooks.send_due(now=start + timedelta(minutes=m)) for m in range(0, 24 * 60, 7)]
    assert sum(o["retrying"] for o in outcomes) == 2 and sum(o["sent"] for o in outcomes) == 1
    assert len(receiver.received) == 3
    assert len({headers["webhook-id"] for headers, _body in receiver.received}) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "sent" and delivery.attempts == 3
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 500, 200]
    page = owner_client.get(f"/api/webhooks/{endpoint.pk}/").content.decode()
    assert page.count("HTTP 500") == 2 and page.count("HTTP 200") == 1


def test_collecting_twice_queues_once(receiver_factory, owner, tiers):
    receiver = receiver_factory()
    webhooks.register_webhook(url=receiver.url, events=["sale.recorded"], by=owner)
    _sale(MemberFactory())
    assert webhooks.collect_events() == 1
    assert webhooks.collect_events() == 0
    assert WebhookDelivery.objects.count() == 1


def test_only_the_chosen_events_are_sent(receiver_factory, owner, tiers):
    receiver = receiver_factory()
    webhooks.register_webhook(url=receiver.url, events=["sale.refunded"], by=owner)
    sale = _sale(MemberFactory())
    refund_purchase(purchase=sale, idempotency_key="r-1")
    webhooks.collect_events()
    assert list(WebhookDelivery.objects.values_list("event_type", flat=True)) == ["sale.refunded"]


def test_a_delivery_that_keeps_failing_stops(receiver_factory, owner, tiers):
    receiver = receiver_factory([500])
    webhooks.register_webhook(url=receiver.url, events=["sale.recorded"], by=owner)
    _sale(MemberFactory())
    webhooks.collect_events()
    start = timezone.now()
    for hours in range(0, 72):
        webhooks.send_due(now=start + timedelta(hours=hours))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and len(receiver.received) == webhooks.MAX_ATTEMPTS


def test_send_again_from_the_log(receiver_factory, owner, owner_client, tiers):
    receiver = receiver_factory()
    webhooks.register_webhook(url=receiver.url, events=["member.enrolled"], by=owner)
    from members.services import enrol_member

    enrol_member(phone="0933111222", name="陳小明", by=owner)
    webhooks.collect_events()
    webhooks.send_due()
    delivery = WebhookDelivery.objects.get()
    response = owner_client.post(f"/api/webhooks/deliveries/{delivery.pk}/send-again/")
    assert response.status_code == 302
    webhooks.send_due()
    assert len(receiver.received) == 2
    assert receiver.received[0][0]["webhook-id"] == receiver.received[1][0]["webhook-id"]
    assert json.loads(receiver.received[1][1])["data"]["name"] == "陳小明"


def test_owner_adds_a_webhook_https_only(owner_client, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    refused = owner_client.post(
        "/api/webhooks/",
        {"url": "http://example.com/hook", "events": ["sale.recorded"], "expiring_days": 30},
    )
    assert refused.status_code == 400 and not WebhookEndpoint.objects.exists()
    added = owner_client.post(
        "/api/webhooks/",
        {"url": "https://example.com/hook", "events": ["sale.recorded"], "expiring_days": 30},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert added.status_code == 302 and endpoint.secret.startswith("whsec_")
    assert endpoint.secret in owner_client.get(f"/api/webhooks/{endpoint.pk}/").content.decode()


def test_staff_may_not_open_the_webhook_pages(staff_client, owner):
    endpoint = webhooks.register_webhook(
        url="https://example.com/hook", events=["sale.recorded"], by=owner
    )
    assert staff_client.get("/api/webhooks/").status_code == 403
    assert staff_client.get(f"/api/webhooks/{endpoint.pk}/").status_code == 403
    assert (
        staff_client.post(f"/api/webhooks/{endpoint.pk}/active/", {"active": "0"}).status_code
        == 403
    )


def test_points_expiring_is_sent_once_a_day_n_days_ahead(receiver_factory, owner, tiers):
    from config.clock import shop_today
    from tests.factories import LedgerEntryFactory

    receiver = receiver_factory()
    webhooks.register_webhook(
        url=receiver.url, events=["points.expiring"], by=owner, expiring_days=7
    )
    member = MemberFactory()
    LedgerEntryFactory(member=member, points=120, expires_on=shop_today() + timedelta(days=7))
    LedgerEntryFactory(member=member, points=30, expires_on=shop_today() + timedelta(days=7))
    LedgerEntryFactory(member=member, points=50, expires_on=shop_today() + timedelta(days=8))
    assert webhooks.collect_events() == 1
    assert webhooks.collect_events() == 0
    webhooks.send_due()
    [(_headers, body)] = receiver.received
    data = json.loads(body)["data"]
    assert data["member"] == member.member_number and data["points"] == 150
