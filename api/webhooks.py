"""Webhooks: what happened, told to the owner's addresses, signed as the
Standard Webhooks specification says (the standardwebhooks package).

The outbox: `collect_events` turns what was recorded since the last run
(by the counter, the API, the nightly jobs, anyone) into one
WebhookDelivery per address and event, with an id made from the record, so
collecting twice queues once; `send_due` posts the due deliveries, each
under its row lock (never twice at once), retrying failures with backoff.
The Celery task api.send_webhooks runs both every minute.

Collecting reads the records rather than being told by the services, so
no lower layer knows about webhooks; it looks back COLLECT_OVERLAP past
its last run, so a sale whose transaction committed late is still seen.
"""

import json
import logging
import secrets
import urllib.error
import urllib.request
from base64 import b64encode
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from api import present
from api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from config import locks
from config.clock import shop_date
from config.errors import LoyaltyError
from members.models import Member
from points.models import LedgerEntry, Purchase, Refund
from rewards.models import RewardRedemption
from tiers.models import TierChange

logger = logging.getLogger(__name__)

Event = WebhookEndpoint.Event
COLLECT_OVERLAP = timedelta(minutes=10)
CHUNK = 500  # event ids per lookup and per insert
# Waits after the 1st, 2nd, ... failed attempt; then the delivery is failed.
BACKOFF = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=8),
    timedelta(hours=24),
]
MAX_ATTEMPTS = len(BACKOFF) + 1


def _member_data(member):
    return {**present.member_brief(member), "tier": member.tier.display_name}


def _sale_data(purchase):
    return present.sale(purchase, purchase.member.member_number)


def _refund_data(refund):
    return {**present.refund(refund), "member": refund.purchase.member.member_number}


def _tier_data(change):
    return {
        "member": change.member.member_number,
        "kind": change.kind,
        "from_tier": change.from_tier.display_name if change.from_tier else None,
        "to_tier": change.to_tier.display_name if change.to_tier else None,
        "reason": change.reason,
        "at": change.at.isoformat(),
    }


def _redemption_data(redemption):
    return {
        "id": redemption.pk,
        "member": redemption.member.member_number,
        "reward": redemption.reward_id,
        "reward_name": redemption.reward.display_name,
        "quantity": redemption.quantity,
        "points_spent": redemption.points_spent,
        "source": redemption.source,
    }


# event: (rows recorded between two moments, their time, id prefix, data)
SOURCES = {
    Event.MEMBER_ENROLLED: (
        lambda since, until: Member.objects.filter(
            joined_on__gte=since.date() - timedelta(days=1),
            created_at__gt=since,
            created_at__lte=until,
        ).select_related("tier"),
        "created_at",
        "member",
        _member_data,
    ),
    Event.SALE_RECORDED: (
        lambda since, until: Purchase.objects.filter(
            created_at__gt=since, created_at__lte=until
        ).select_related("member"),
        "created_at",
        "sale",
        _sale_data,
    ),
    Event.SALE_REFUNDED: (
        lambda since, until: Refund.objects.filter(
            created_at__gt=since, created_at__lte=until
        ).select_related("purchase__member"),
        "created_at",
        "refund",
        _refund_data,
    ),
    Event.TIER_CHANGED: (
        lambda since, until: TierChange.objects.filter(at__gt=since, at__lte=until).select_related(
            "member", "from_tier", "to_tier"
        ),
        "at",
        "tierchange",
        _tier_data,
    ),
    Event.REWARD_REDEEMED: (
        lambda since, until: RewardRedemption.objects.filter(
            created_at__gt=since, created_at__lte=until
        ).select_related("member", "reward"),
        "created_at",
        "redemption",
        _redemption_data,
    ),
}


def _expiring_deliveries(endpoint, *, now):
    """points.expiring, once a shop day: one event per member whose points
    have their last day `expiring_days` from today."""
    today = shop_date(now)
    if endpoint.expiring_collected_on == today:
        return []
    last_day = today + timedelta(days=endpoint.expiring_days)
    rows = (
        LedgerEntry.objects.filter(remaining__gt=0, expires_on=last_day)
        .values("member_id", "member__member_number")
        .annotate(points=Sum("remaining"))
        .order_by("member_id")
    )
    endpoint.expiring_collected_on = today
    return [
        WebhookDelivery(
            endpoint=endpoint,
            event_id=f"evt_expiring_{row['member_id']}_{last_day.isoformat()}",
            event_type=Event.POINTS_EXPIRING,
            payload={
                "type": str(Event.POINTS_EXPIRING),
                "timestamp": now.isoformat(),
                "data": {
                    "member": row["member__member_number"],
                    "points": row["points"],
                    "expires_on": last_day.isoformat(),
                },
            },
            next_attempt_at=now,
            created_at=now,
        )
        for row in rows
    ]


def new_secret() -> str:
    return "whsec_" + b64encode(secrets.token_bytes(32)).decode()


def check_url(url):
    if not url.startswith("https://") and not (
        settings.WEBHOOK_ALLOW_HTTP and url.startswith("http://")
    ):
        raise LoyaltyError(
            _("Enter an address that starts with https:// (deliveries are sent encrypted)."),
            field="url",
            code="webhook_not_https",
        )


@transaction.atomic(durable=True)
def register_webhook(*, url, events, by, expiring_days=30) -> WebhookEndpoint:
    """A new address for `events`, with its signing secret; events recorded
    from now on are delivered to it (points.expiring `expiring_days` ahead)."""
    url = str(url or "").strip()
    check_url(url)
    events = sorted(set(events))
    if not events or not set(events) <= set(Event.values):
        raise LoyaltyError(_("Choose at least one event to send."), field="events")
    return WebhookEndpoint.objects.create(
        url=url, events=events, secret=new_secret(), created_by=by, expiring_days=expiring_days
    )


@transaction.atomic(durable=True)
def set_webhook_active(*, endpoint, active, by=None) -> WebhookEndpoint:
    """Turn an address off (nothing more is collected for it) or on again
    (from now: what happened while it was off is not sent)."""
    endpoint = locks.lock_row(WebhookEndpoint.objects, pk=endpoint.pk)
    if endpoint.is_active != active:
        endpoint.is_active = active
        fields = ["is_active"]
        if active:
            endpoint.collected_until = timezone.now()
            fields.append("collected_until")
        endpoint.save(update_fields=fields)
    return endpoint


def _payload(event, row, moment, data):
    return {"type": str(event), "timestamp": moment.isoformat(), "data": data(row)}


def collect_events(*, now=None) -> int:
    """Queue a delivery per active address for each event recorded since its
    last collection (each address in its own transaction). Returns how many."""
    now = now or timezone.now()
    queued = 0
    for endpoint_id in WebhookEndpoint.objects.filter(is_active=True).values_list("id", flat=True):
        queued += _collect_for(endpoint_id, now=now)
    return queued


@transaction.atomic(durable=True)
def _collect_for(endpoint_id, *, now) -> int:
    endpoint = locks.claim_job(WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True))
    if endpoint is None:
        return 0  # another worker collects it
    since = endpoint.collected_until - COLLECT_OVERLAP
    deliveries = []
    with translation.override(settings.LANGUAGE_CODE):
        for event in endpoint.events:
            if event not in SOURCES:
                continue
            rows, time_field, prefix, data = SOURCES[event]
            for row in rows(since, now):
                moment = getattr(row, time_field)
                deliveries.append(
                    WebhookDelivery(
                        endpoint=endpoint,
                        event_id=f"evt_{prefix}_{row.pk}",
                        event_type=event,
                        payload=_payload(event, row, moment, data),
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
        if Event.POINTS_EXPIRING in endpoint.events:
            deliveries += _expiring_deliveries(endpoint, now=now)
    new = []
    for start in range(0, len(deliveries), CHUNK):
        chunk = deliveries[start : start + CHUNK]
        known = set(
            WebhookDelivery.objects.filter(
                endpoint=endpoint, event_id__in=[d.event_id for d in chunk]
            ).values_list("event_id", flat=True)
        )
        new += [d for d in chunk if d.event_id not in known]
    WebhookDelivery.objects.bulk_create(new, ignore_conflicts=True, batch_size=CHUNK)
    endpoint.collected_until = now
    endpoint.save(update_fields=["collected_until", "expiring_collected_on"])
    return len(new)


def send_due(*, now=None, limit=200) -> dict:
    """Try each due delivery once. Returns counts of sent, retrying, failed."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.QUEUED, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    for delivery_id in due:
        outcome = send_delivery(delivery_id, now=now)
        if outcome:
            counts[outcome] += 1
    return counts


def _post(endpoint, delivery):
    """(status code or None, error text) of one signed POST, signed with the
    time it is sent (receivers refuse a timestamp far from their clock)."""
    now = timezone.now()
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    signature = Webhook(endpoint.secret).sign(delivery.event_id, now, body)
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "LoyaltyDesk-Webhooks/1",
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"[:500]


def send_delivery(delivery_id, *, now=None):
    """One attempt at a queued delivery, under its row lock: "sent",
    "retrying", "failed", or None when another worker has it."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = locks.claim_job(
            WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.QUEUED)
        )
        if delivery is None:
            return None
        # Read, not locked: the address's own row stays free for collecting.
        endpoint = WebhookEndpoint.objects.get(pk=delivery.endpoint_id)
        status_code, error = _post(endpoint, delivery)
        WebhookAttempt.objects.create(
            delivery=delivery, at=now, status_code=status_code, error=error
        )
        delivery.attempts += 1
        if status_code is not None and 200 <= status_code < 300:
            delivery.status = WebhookDelivery.Status.SENT
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            outcome = "sent"
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            outcome = "failed"
        else:
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
            outcome = "retrying"
        delivery.save(update_fields=["attempts", "status", "delivered_at", "next_attempt_at"])
    return outcome


@transaction.atomic(durable=True)
def send_again(*, delivery, now=None) -> WebhookDelivery:
    """Queue a delivery again at once, with the same event id and a fresh
    set of attempts (the owner fixed the receiver, or it lost the event)."""
    delivery = locks.lock_row(WebhookDelivery.objects, pk=delivery.pk)
    delivery.status = WebhookDelivery.Status.QUEUED
    delivery.attempts = 0
    delivery.next_attempt_at = now or timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    return delivery
