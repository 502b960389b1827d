"""MemberSortKeys: the member list's sort keys, kept by database triggers
(members.sort_keys), so that a sale's update of the member row stays HOT."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loyalty.sale import record_purchase
from members.models import Member, MemberSortKeys
from members.selectors import member_list, sorted_members
from members.sort_keys import NEVER, install_after_migrate
from points.behaviour import adjust_points
from tests.factories import MemberFactory
from tiers.services import set_tier

# What a sale changes on the member row: no index may hold one of them.
SALE_FIGURES = {"points_balance", "lifetime_spend", "purchase_count", "last_purchase_at"}


def _copied():
    """Every member's keys as the member row has them, and as copied."""
    never = MemberSortKeys._meta.get_field("last_purchase_at").to_python(NEVER)
    members = {
        m.pk: (m.tier_id, m.points_balance, m.lifetime_spend, m.last_purchase_at)
        for m in Member.objects.all()
    }
    copies = {
        k.member_id: (
            k.tier_id,
            k.points_balance,
            k.lifetime_spend,
            None if k.last_purchase_at.year == never.year else k.last_purchase_at,
        )
        for k in MemberSortKeys.objects.all()
    }
    return members, copies


def test_every_write_to_a_member_reaches_its_sort_keys(tiers, owner):
    ann = MemberFactory(tier=tiers["member"], points_balance=0)
    bao, cai = Member.objects.bulk_create(
        [
            MemberFactory.build(
                phone="+886911000001", member_number="9000000001", tier=tiers["gold"]
            ),
            MemberFactory.build(
                phone="+886911000002", member_number="9000000002", tier=tiers["gold"]
            ),
        ]
    )
    members, copies = _copied()
    assert copies == members and set(copies) == {ann.pk, bao.pk, cai.pk}

    record_purchase(member=ann.pk, amount=Decimal("800"), idempotency_key="sort-1")
    adjust_points(member=bao, points=40, reason="goodwill", by=owner, idempotency_key="sort-2")
    set_tier(member=cai, tier=tiers["silver"], reason="promotion", by=owner)
    Member.objects.filter(pk=bao.pk).update(lifetime_spend=Decimal("12.50"))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE members_member SET points_balance = 7 WHERE id = %s", [cai.pk])
    members, copies = _copied()
    assert copies == members
    ann.refresh_from_db()
    assert copies[ann.pk][1] == ann.points_balance > 0
    assert copies[ann.pk][3] is not None and copies[cai.pk][1:3] == (7, cai.lifetime_spend)
    assert copies[cai.pk][0] == tiers["silver"].pk

    gone = MemberFactory(tier=tiers["member"])
    assert MemberSortKeys.objects.filter(member=gone).exists()
    gone.delete()
    assert not MemberSortKeys.objects.filter(member_id=gone.pk).exists()


def test_no_member_index_holds_a_figure_a_sale_changes(db):
    """With one, every sale's member update writes an entry in each of the
    table's indexes instead of rewriting the row in place (HOT)."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Member._meta.db_table)
    indexed = {
        name: set(details["columns"])
        for name, details in found.items()
        if details["index"] or details["unique"] or details["primary_key"]
    }
    assert "member_tier_status_idx" in indexed  # the introspection sees them
    assert {
        name: columns & SALE_FIGURES for name, columns in indexed.items() if columns & SALE_FIGURES
    } == {}


@pytest.mark.postgres
def test_a_sale_rewrites_the_member_row_in_place(tiers):
    """PostgreSQL's own count of HOT updates in this transaction."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's HOT updates")
    member = MemberFactory(tier=tiers["member"])
    before = _member_updates()
    record_purchase(member=member.pk, amount=Decimal("120"), idempotency_key="hot-1")
    updated, hot = (after - then for after, then in zip(_member_updates(), before, strict=True))
    member.refresh_from_db()
    assert member.tier == tiers["member"] and member.points_balance > 0  # no tier move
    assert updated >= 1 and hot == updated


def _member_updates():
    """PostgreSQL's count of this transaction's updates of member rows, and
    of those made in place (HOT)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = %s",
            [Member._meta.db_table],
        )
        return cursor.fetchone()


def test_keys_lost_with_their_triggers_are_copied_again_after_migrate(tiers):
    """A migration that rebuilds members_member on SQLite drops its triggers;
    the next post_migrate makes them again and copies every member afresh."""
    member = MemberFactory(tier=tiers["member"], points_balance=5)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER members_sort_keys_updated ON members_member")
        else:
            cursor.execute("DROP TRIGGER members_sort_keys_updated")
    Member.objects.filter(pk=member.pk).update(points_balance=55)
    assert MemberSortKeys.objects.get(member=member).points_balance == 5

    install_after_migrate(sender=None, using="default")

    assert MemberSortKeys.objects.get(member=member).points_balance == 55
    Member.objects.filter(pk=member.pk).update(points_balance=60)
    assert MemberSortKeys.objects.get(member=member).points_balance == 60


@pytest.fixture
def gold_members(tiers):
    """Ten Gold members with ties and never-bought ones, and one Silver
    member with the largest figures (who must never show)."""
    now = timezone.now()
    balances = [30, 10, 30, 0, 90, 10, 50, 30, 70, 0]
    members = [
        MemberFactory(
            tier=tiers["gold"],
            points_balance=balance,
            lifetime_spend=Decimal(1000 - 7 * i),
            last_purchase_at=None if i % 4 == 0 else now - timedelta(days=i % 3),
            joined_on=date(2024, 1, 1) + timedelta(days=i),
        )
        for i, balance in enumerate(balances)
    ]
    MemberFactory(
        tier=tiers["silver"],
        points_balance=999,
        lifetime_spend=Decimal("99999"),
        last_purchase_at=now,
    )
    return members


@pytest.mark.parametrize(
    "sort", ["balance", "-balance", "spend", "-spend", "last_purchase", "-last_purchase"]
)
def test_a_tier_sorted_through_the_sort_keys_is_in_the_member_rows_order(gold_members, tiers, sort):
    gold = tiers["gold"]
    members = member_list().filter(tier=gold)
    through_keys = [m.pk for m in sorted_members(members, sort, tier=gold)]
    on_the_rows = [m.pk for m in sorted_members(members, sort)]
    assert through_keys == on_the_rows
    assert sorted(through_keys) == sorted(m.pk for m in gold_members)


def test_the_list_counts_its_filter_not_the_sorted_join(staff_client, gold_members, tiers):
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(
            reverse("members:list"), {"tier": tiers["gold"].pk, "sort": "-balance"}
        )
    page = response.context["page"]
    assert page.paginator.count == 10
    assert [m.points_balance for m in page.object_list][:3] == [90, 70, 50]
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    sort_keys = MemberSortKeys._meta.db_table
    assert counts and not [sql for sql in counts if sort_keys in sql]
    assert [sql for sql in queries.captured_queries if sort_keys in sql["sql"]]


@pytest.mark.postgres
def test_postgres_reads_a_tiers_page_from_the_sort_keys_index(gold_members, tiers):
    """No sort step: the page is the first rows of the index's tier range."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    gold = tiers["gold"]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    for sort, index in (
        ("-balance", "member_sort_balance_idx"),
        ("spend", "member_sort_spend_idx"),
        ("last_purchase", "member_sort_last_purchase_idx"),
        ("-last_purchase", "member_sort_last_purchase_idx"),
    ):
        page = sorted_members(member_list().filter(tier=gold), sort, tier=gold)[:50]
        plan = page.explain()
        assert index in plan, plan
        assert "Sort" not in plan.replace("Sort Key", ""), plan


def test_check_ledger_names_a_member_whose_sort_keys_differ(tiers):
    from django.core.management import CommandError, call_command

    member = MemberFactory(tier=tiers["member"], points_balance=0)
    call_command("check_ledger")
    MemberSortKeys.objects.filter(member=member).update(lifetime_spend=Decimal("1"))
    with pytest.raises(CommandError, match="1 members' sort keys differ"):
        call_command("check_ledger")


@pytest.mark.postgres
def test_the_sort_keys_are_never_scanned_in_parallel(db):
    """A page of one tier is 50 rows of an index range; the planner, misled
    by the tier filtered on both tables, started parallel workers for it
    (10 ms of the page at a million members)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL table storage option")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = %s", [MemberSortKeys._meta.db_table]
        )
        (options,) = cursor.fetchone()
    assert "parallel_workers=0" in (options or [])
