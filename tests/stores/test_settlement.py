"""The settlement: per store, points issued and redeemed and what each store
owes the others, nets summing to zero, checked against a hand computation."""

import re
from decimal import Decimal

from django.urls import reverse

from config.clock import shop_today
from loyalty.sale import record_purchase
from points.refund import refund_purchase
from reports.settlement import settlement
from rewards.services import redeem_reward
from tests.factories import MemberFactory, RewardFactory, give_points, programme_rules


def _row(found, store):
    return next(row for row in found.rows if row.store == store)


def test_points_earned_at_one_store_and_spent_at_another_are_owed_there(two_stores, tiers):
    """By hand, at 100 points = 50: Ann earns 950 at Main Street and spends
    200 of them at the Mall (worth 100), then a 100-point reward at Main
    Street (its own points). Bo earns 1900 at the Mall and redeems a reward
    of 100 at Main Street (worth 50). So Main Street owes the Mall 100, the
    Mall owes Main Street 50: Main Street's net is -50, the Mall's +50."""
    main, mall = two_stores
    programme_rules(redeem_points=100, redeem_value=Decimal("50"))
    ann = MemberFactory(tier=tiers["member"])
    bo = MemberFactory(tier=tiers["member"])
    record_purchase(member=ann, amount="1000", idempotency_key="ann-1", store=main)
    at_mall = record_purchase(
        member=ann, amount="1000", points_to_redeem=200, idempotency_key="ann-2", store=mall
    )
    reward = RewardFactory(points_cost=100)
    redeem_reward(member=ann, reward=reward, idempotency_key="ann-3", store=main)
    record_purchase(member=bo, amount="2000", idempotency_key="bo-1", store=mall)
    redeem_reward(member=bo, reward=reward, idempotency_key="bo-2", store=main)

    found = settlement(start=shop_today(), end=shop_today())

    main_row, mall_row = _row(found, main), _row(found, mall)
    assert main_row.issued == 950
    assert mall_row.issued == at_mall.points_earned + 1900
    assert (main_row.redeemed, mall_row.redeemed) == (200, 200)
    assert (main_row.honoured, main_row.spent_elsewhere) == (100, 200)
    assert (mall_row.honoured, mall_row.spent_elsewhere) == (200, 100)
    assert main_row.net == Decimal("-50")
    assert mall_row.net == Decimal("50")
    assert found.total_net == 0
    assert sum(row.net for row in found.rows) == 0


def test_a_refund_gives_the_redeemed_points_back_and_the_debt_with_them(two_stores, tiers):
    main, mall = two_stores
    member = MemberFactory(tier=tiers["member"])
    record_purchase(member=member, amount="1000", idempotency_key="earn", store=main)
    sale = record_purchase(
        member=member, amount="1000", points_to_redeem=200, idempotency_key="spend", store=mall
    )
    refund_purchase(purchase=sale, idempotency_key="refund", store=main)

    found = settlement(start=shop_today(), end=shop_today())

    assert _row(found, mall).redeemed == 0
    assert _row(found, main).net == _row(found, mall).net == 0
    assert found.flows == []


def test_points_of_no_store_are_the_programmes_to_settle(two_stores, tiers):
    """An opening balance (no store) spent at the Mall: the programme owes it."""
    _main, mall = two_stores
    member = MemberFactory(tier=tiers["member"])
    give_points(member, 400)
    record_purchase(
        member=member, amount="1000", points_to_redeem=300, idempotency_key="s", store=mall
    )

    found = settlement(start=shop_today(), end=shop_today())

    programme = next(row for row in found.rows if row.store is None)
    assert programme.net == Decimal("-150")
    assert _row(found, mall).net == Decimal("150")
    assert found.total_net == 0


def test_the_page_shows_the_nets_and_exports_them(owner_client, two_stores, tiers):
    main, mall = two_stores
    member = MemberFactory(tier=tiers["member"])
    record_purchase(member=member, amount="1000", idempotency_key="earn", store=main)
    record_purchase(
        member=member, amount="1000", points_to_redeem=200, idempotency_key="spend", store=mall
    )
    day = shop_today().isoformat()

    page = owner_client.get(reverse("dashboard:settlement"), {"start": day, "end": day})
    export = owner_client.get(
        reverse("dashboard:settlement"), {"start": day, "end": day, "format": "csv"}
    )

    assert page.status_code == 200
    assert b'data-net="-100.00"' in page.content
    assert b'data-net="100.00"' in page.content
    body = export.content.decode("utf-8-sig")
    assert export["Content-Type"].startswith("text/csv")
    assert "Main Street,950" in body
    assert body.count("\n") == 1 + len(settlement(start=shop_today(), end=shop_today()).rows)


def test_a_reversed_range_is_refused_with_a_message(owner_client, two_stores):
    response = owner_client.get(
        reverse("dashboard:settlement"), {"start": "2026-12-31", "end": "2026-01-01"}
    )

    assert response.status_code == 400
    assert "swap them" in response.content.decode()


def test_staff_may_not_open_the_settlement(staff_client):
    assert staff_client.get(reverse("dashboard:settlement")).status_code == 403


def _cells(table, name):
    row = table.split(f"<td>{name}</td>")[1].split("</tr>")[0]
    return re.findall(r'<td class="num">([^<]*)</td>', row)


def test_the_dashboard_compares_the_stores_from_its_snapshot(owner_client, two_stores, tiers):
    """Main Street: one sale paying 950 (5 % off 1000), 950 points issued.
    The Mall: one sale of 1000 less 50 off and 200 points (worth 100) paying
    850, earning 850; a refund of 100 there takes back 100 points earned and
    returns 23 of the 200 redeemed (100/850 of them). So the Mall shows
    revenue 750, 750 points issued, 177 redeemed."""
    main, mall = two_stores
    member = MemberFactory(tier=tiers["member"])
    record_purchase(member=member, amount="1000", idempotency_key="earn", store=main)
    sale = record_purchase(
        member=member, amount="1000", points_to_redeem=200, idempotency_key="spend", store=mall
    )
    refund_purchase(purchase=sale, amount="100", idempotency_key="part", store=mall)

    page = owner_client.get(reverse("dashboard:index")).content.decode()

    table = page.split('id="store-figures"')[1].split("</table>")[0]
    assert _cells(table, "Main Street") == ["1", "NT$950", "NT$950", "0", "950", "0"]
    assert _cells(table, "Mall") == ["1", "NT$750", "NT$750", "0", "750", "177"]


def test_stored_days_and_today_read_live_give_the_same_settlement(two_stores, tiers):
    """Three days of earning at one store and spending at the other: stored
    by the nightly job, the range sums the stored days and reads today from
    the ledger, and answers as the ledger alone does; days before the job
    first ran are read live."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from config.clock import shop_day_start
    from members.models import SettlementDay
    from reports.settlement import _live, store_settlement_days

    main, mall = two_stores
    programme_rules(redeem_points=100, redeem_value=Decimal("50"))
    today = shop_today()
    member = MemberFactory(tier=tiers["member"])
    for back in (3, 2, 1, 0):
        noon = shop_day_start(today - timedelta(days=back)) + timedelta(hours=12)
        record_purchase(
            member=member, amount="1000", idempotency_key=f"earn-{back}", store=main, at=noon
        )
        if back < 3:
            record_purchase(
                member=member,
                amount="1000",
                points_to_redeem=200,
                idempotency_key=f"spend-{back}",
                store=mall,
                at=noon + timedelta(hours=1),
            )
    start = today - timedelta(days=3)
    live = settlement(start=start, end=today)
    assert _row(live, mall).honoured == 600

    assert store_settlement_days(day=today, reach_days=2) == 2
    assert set(SettlementDay.objects.values_list("day", flat=True)) == {
        today - timedelta(days=2),
        today - timedelta(days=1),
    }
    with CaptureQueriesContext(connection) as captured:
        mixed = settlement(start=start, end=today)
    assert [(r.store, r.issued, r.redeemed, r.net) for r in mixed.rows] == [
        (r.store, r.issued, r.redeemed, r.net) for r in live.rows
    ]
    assert mixed.total_net == 0
    # Two runs of days read live (3 days ago; today), each a fixed number of queries.
    one_run = CaptureQueriesContext(connection)
    with one_run:
        _live(today, today)
    assert len(captured) <= 2 * len(one_run) + 6
    # A second night changes nothing but the recent days' copies.
    store_settlement_days(day=today, reach_days=2)
    assert SettlementDay.objects.count() == 2
