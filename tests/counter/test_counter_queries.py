"""The counter costs the same number of queries with 10 members as with 10,000."""

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.clock import shop_today
from loyalty.sale import record_purchase
from members.models import Member
from rewards.services import issue_reward
from tests.factories import MemberFactory, coupon_reward, give_points

HTMX = {"HX-Request": "true"}
CONFIRM_MAX_QUERIES = 11


def add_members(count, tier, start):
    """Plain rows, written in bulk: enough to make an N+1 or a full scan show."""
    Member.objects.bulk_create(
        [
            Member(
                member_number=f"8{n:09d}",
                phone=f"+8869{30000000 + n:08d}",
                phone_tail=f"{30000000 + n:08d}"[-4:],
                name=f"Bulk {n}",
                name_key=f"bulk {n}",
                joined_on=shop_today(),
                tier=tier,
                points_balance=0,
            )
            for n in range(start, start + count)
        ],
        batch_size=2000,
    )


def count_queries(client, member):
    counts = {}
    steps = {
        "find by phone": lambda: client.get(
            reverse("counter:find"), {"q": "0912 345 678"}, headers=HTMX
        ),
        "find by member number": lambda: client.get(
            reverse("counter:find"), {"q": member.member_number}, headers=HTMX
        ),
        "quote": lambda: client.get(
            reverse("counter:quote", args=[member.pk]),
            {"amount": "1000", "points_to_redeem": "200"},
            headers=HTMX,
        ),
        "use the most allowed": lambda: client.get(
            reverse("counter:quote", args=[member.pk]),
            {"amount": "1000", "use_max": "1"},
            headers=HTMX,
        ),
        "confirm": lambda: client.post(
            reverse("counter:sale", args=[member.pk]),
            {"amount": "1000", "points_to_redeem": "200", "idempotency_key": uuid.uuid4().hex},
            headers=HTMX,
        ),
    }
    for name, step in steps.items():
        with CaptureQueriesContext(connection) as queries:
            response = step()
        assert response.status_code == 200, (name, response.content[:500])
        counts[name] = len(queries)
    return counts


def test_find_quote_and_confirm_do_not_grow_with_the_member_list(staff_client, tiers):
    member = MemberFactory(phone="+886912345678", tier=tiers["silver"])
    give_points(member, 5000)
    add_members(9, tiers["member"], start=0)
    count_queries(staff_client, member)  # warm up: session, rules rows, content types
    with_ten = count_queries(staff_client, member)

    add_members(9_990, tiers["gold"], start=9)
    assert Member.objects.count() == 10_000
    with_ten_thousand = count_queries(staff_client, member)

    assert with_ten_thousand == with_ten, with_ten


def test_the_counter_adds_few_queries_to_record_purchase(staff_client, tiers):
    """Confirm = log-in (session, then the user with their roles) + record_purchase;
    the receipt's balance comes with the sale and the recent-sales list reloads
    in a request of its own."""
    member = MemberFactory(phone="+886912345678", tier=tiers["silver"])
    give_points(member, 5000)
    count_queries(staff_client, member)
    with CaptureQueriesContext(connection) as service:
        record_purchase(member=member, amount="1000", points_to_redeem=200, idempotency_key="k")
    confirm = count_queries(staff_client, member)["confirm"]
    assert confirm - len(service) <= 2, (confirm, len(service))


def test_confirm_costs_at_most_11_queries(staff_client, tiers):
    """Log-in 2, the sale's transaction (a savepoint in tests) 2, the member row
    with the rules' version, the lots, then on PostgreSQL one statement for the
    sale, its entries, the lots' remainders, the lot draws and the member's
    figures: 7, redeeming points. SQLite writes those in five: 11. The rules
    themselves (and the day's campaigns) come from the process's rulebook,
    read again only after an owner changes them."""
    member = MemberFactory(phone="+886912345678", tier=tiers["silver"])
    give_points(member, 5000)
    count_queries(staff_client, member)
    confirm = count_queries(staff_client, member)["confirm"]
    assert confirm <= (7 if connection.vendor == "postgresql" else CONFIRM_MAX_QUERIES)


def test_a_coupon_adds_two_queries_to_confirm(staff_client, tiers):
    """Locking and checking the coupon, and marking it used with its sale."""
    member = MemberFactory(phone="+886912345678", tier=tiers["silver"])
    give_points(member, 5000)
    count_queries(staff_client, member)
    coupon = issue_reward(member=member, reward=coupon_reward(), reason="gift").coupons.get()
    data = {"amount": "1000", "points_to_redeem": "200", "coupon": coupon.code}
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.post(
            reverse("counter:sale", args=[member.pk]),
            {**data, "idempotency_key": uuid.uuid4().hex},
            headers=HTMX,
        )
    assert response.status_code == 200
    assert len(queries) <= CONFIRM_MAX_QUERIES + 2


def test_quote_costs_at_most_5_queries(staff_client, tiers):
    """Log-in 2, the member with their tier, the rules' version and the
    spendable balance: the quote reads the member once, and the rules and
    the day's campaigns come from the process's rulebook."""
    member = MemberFactory(phone="+886912345678", tier=tiers["silver"])
    give_points(member, 5000)
    count_queries(staff_client, member)
    assert count_queries(staff_client, member)["quote"] <= 5


def test_a_sale_without_points_costs_4_queries(tiers):
    """The sale's transaction 2 (a savepoint in tests), the member row with
    the rules' version, then on PostgreSQL one statement writing the sale,
    its entry and the member's figures (SQLite: three)."""
    member = MemberFactory(tier=tiers["silver"])
    record_purchase(member=member, amount="100", idempotency_key="warm-up")
    with CaptureQueriesContext(connection) as queries:
        record_purchase(member=member, amount="1000", idempotency_key="plain")
    expected = 4 if connection.vendor == "postgresql" else 6
    assert len(queries) == expected, [q["sql"][:60] for q in queries]
