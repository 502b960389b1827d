from datetime import timedelta
from decimal import Decimal

import pytest

from campaigns.services import create_campaign
from config.clock import shop_today
from members.models import Tag
from points.models import LedgerEntry, Purchase, Refund
from segments.models import Segment
from tests.factories import MemberFactory, give_points


@pytest.fixture
def member(tiers):
    member = MemberFactory(phone="+886912345678")
    give_points(member, 1000)
    return member


def sale_body(member, **changes):
    return {
        "member": member.member_number,
        "amount": "1000",
        "points_to_redeem": 200,
        "receipt": "R-1001",
        **changes,
    }


def test_quote_computes_without_recording(till, member):
    response = till.post("/sales/quote", sale_body(member), key=None)
    assert response.status_code == 200
    body = response.json()
    assert body["discount_amount"] == "50.00" and body["redeemed_value"] == "100.00"
    assert body["amount_paid"] == "850.00" and body["points_earned"] == 850
    assert not Purchase.objects.exists()


def test_record_a_sale_names_the_key(till, member):
    response = till.post("/sales", sale_body(member))
    assert response.status_code == 201
    body = response.json()
    assert body["amount_paid"] == "850.00" and body["balance_after"] == 1650
    assert body["receipt"] == "R-1001"
    sale = Purchase.objects.get()
    assert sale.by == till.api_key.user and sale.note == "R-1001"
    assert set(LedgerEntry.objects.filter(purchase=sale).values_list("by", flat=True)) == {
        till.api_key.user.pk
    }


def test_a_replayed_key_gives_one_sale(till, member):
    first = till.post("/sales", sale_body(member), key="till-1-sale-7")
    again = till.post("/sales", sale_body(member), key="till-1-sale-7")
    assert again.status_code == 201 and again.json() == first.json()
    assert Purchase.objects.count() == 1
    member.refresh_from_db()
    assert member.points_balance == 1650


def test_the_same_key_with_other_figures_is_422(till, member):
    till.post("/sales", sale_body(member), key="k-1")
    response = till.post("/sales", sale_body(member, amount="999"), key="k-1")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_conflict"
    assert "k-1" in response.json()["detail"]
    assert Purchase.objects.count() == 1


def test_a_refused_sale_records_nothing_and_says_why_in_chinese(till, member):
    response = till.post("/sales", sale_body(member, points_to_redeem=5000), language="zh-TW")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "insufficient_points" and body["field"] == "points_to_redeem"
    assert "點數" in body["detail"]
    assert not Purchase.objects.exists()


def test_a_malformed_amount_is_400_naming_the_field(till, member):
    response = till.post("/sales", sale_body(member, amount="abc"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "amount"


def test_read_a_sale(till, member):
    sale_id = till.post("/sales", sale_body(member)).json()["id"]
    body = till.get(f"/sales/{sale_id}").json()
    assert body["id"] == sale_id and body["refunded_amount"] == "0.00"
    assert till.get("/sales/999999").json()["code"] == "sale_not_found"


def test_refund_in_part_then_the_rest(till, member):
    sale_id = till.post("/sales", sale_body(member)).json()["id"]
    part = till.post(f"/sales/{sale_id}/refunds", {"amount": "425"})
    assert part.status_code == 201
    assert part.json()["amount"] == "425.00" and part.json()["points_returned"] == 100
    rest = till.post(f"/sales/{sale_id}/refunds", {})
    assert rest.status_code == 201 and rest.json()["amount"] == "425.00"
    member.refresh_from_db()
    assert member.points_balance == 1000
    assert Refund.objects.filter(by=till.api_key.user).count() == 2
    again = till.post(f"/sales/{sale_id}/refunds", {})
    assert again.status_code == 422 and again.json()["code"] == "already_refunded"


def test_a_replayed_refund_refunds_once(till, member):
    sale_id = till.post("/sales", sale_body(member)).json()["id"]
    first = till.post(f"/sales/{sale_id}/refunds", {"amount": "100"}, key="ref-1")
    again = till.post(f"/sales/{sale_id}/refunds", {"amount": "100"}, key="ref-1")
    assert again.json() == first.json()
    assert Purchase.objects.get().refunded_amount == Decimal("100")


def test_member_sales_page(till, member):
    ids = [
        till.post("/sales", sale_body(member, points_to_redeem=0)).json()["id"] for _ in range(3)
    ]
    page = till.get(f"/members/{member.member_number}/sales", {"limit": 2}).json()
    rest = till.get(
        f"/members/{member.member_number}/sales", {"limit": 2, "cursor": page["next_cursor"]}
    ).json()
    assert [s["id"] for s in page["items"] + rest["items"]] == sorted(ids, reverse=True)


def _statements(queries):
    return [
        q["sql"]
        for q in queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT"))
    ]


def test_a_first_sale_reads_neither_the_shop_settings_nor_a_stored_answer(till, member, owner):
    """The key's query brings the settings' version and the sale's service
    answers its own replays: no read of either row of its own (under load
    each round trip is a tenth of the sale's cost)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from config.shop import save_shop_settings

    save_shop_settings(by=owner, name="Lily's Salon")
    till.post("/sales", sale_body(member, amount="100", points_to_redeem=0))  # warm
    with CaptureQueriesContext(connection) as captured:
        response = till.post("/sales", sale_body(member))
    assert response.status_code == 201
    statements = _statements(captured.captured_queries)
    assert not [sql for sql in statements if sql.startswith('SELECT "config_shopsettings"')]
    assert not [sql for sql in statements if sql.startswith('SELECT "api_apirequest"')]
    assert [sql for sql in statements if sql.startswith('INSERT INTO "api_apirequest"')]


def test_a_replay_after_the_first_answer_was_stored_returns_it_once(till, member):
    first = till.post("/sales", sale_body(member), key="r-1")
    again = till.post("/sales", sale_body(member), key="r-1")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert till.api_key.requests.count() == 1


def test_the_shop_language_answers_a_till_that_asks_for_none(till, member, owner):
    from config.shop import save_shop_settings

    save_shop_settings(by=owner, language="zh-hant")
    response = till.post("/sales", sale_body(member, points_to_redeem=5000))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert any("\u4e00" <= char <= "\u9fff" for char in detail), detail


def test_a_sale_finds_its_member_in_the_lock_not_in_a_lookup_first(till, member):
    """A till names the member by number; the sale's lock statement finds
    them, so no separate lookup's round trip."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    till.post("/sales", sale_body(member, amount="100", points_to_redeem=0))  # warm
    member.refresh_from_db()
    with CaptureQueriesContext(connection) as captured:
        response = till.post("/sales", sale_body(member))
    assert response.status_code == 201
    assert response.json()["balance_after"] == member.points_balance - 200 + 850
    lookups = [
        sql
        for sql in _statements(captured.captured_queries)
        if sql.startswith('SELECT "id" FROM "members_member"')
    ]
    assert lookups == []


def test_a_sale_for_an_unknown_number_is_404_and_records_nothing(till, member):
    response = till.post("/sales", {**sale_body(member), "member": "0000000000"})
    assert response.status_code == 404
    assert response.json()["code"] == "member_not_found"
    assert "0000000000" in response.json()["detail"]
    assert not Purchase.objects.exists()
    assert not till.api_key.requests.exists()


def test_a_referred_members_first_sale_from_a_till_rewards_the_referrer(till, tiers):
    from tests.factories import BehaviourRuleFactory

    BehaviourRuleFactory(code="referral", action="referral", points=200, per_member_cap=1)
    referrer = MemberFactory()
    friend = MemberFactory(referred_by=referrer)
    response = till.post("/sales", sale_body(friend, points_to_redeem=0))
    assert response.status_code == 201
    referrer.refresh_from_db()
    assert referrer.points_balance == 200
    assert Purchase.objects.get().member == friend


def test_a_campaign_for_a_segment_lifts_only_its_members(till, member, tiers):
    vip = Tag.objects.create(name="VIP")
    create_campaign(
        name="VIP double",
        starts_on=shop_today(),
        ends_on=shop_today() + timedelta(days=7),
        multiplier=Decimal("2"),
        saved_segment=Segment.objects.create(name="VIPs", criteria={"tags": [str(vip.pk)]}),
    )
    outside = MemberFactory(phone="+886922333444")

    member.tags.add(vip)
    lifted = till.post("/sales", sale_body(member, points_to_redeem=0), key="vip")
    plain = till.post("/sales", sale_body(outside, points_to_redeem=0), key="plain")

    assert lifted.json()["points_earned"] == 1900
    assert plain.json()["points_earned"] == 950
