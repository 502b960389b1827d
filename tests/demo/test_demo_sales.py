from django.core.management import call_command

from demo.shop import load_demo_shop
from points.models import LedgerEntry, Purchase


def test_demo_shop_has_a_year_of_sales_and_loads_twice_without_change(db, capsys):
    load_demo_shop(members=8)
    sales = Purchase.objects.count()
    entries = LedgerEntry.objects.count()
    assert sales > 0
    # Enrolment gave every member the welcome points, once.
    assert LedgerEntry.objects.filter(behaviour_rule__code="join").count() == 8
    load_demo_shop(members=8)
    assert (Purchase.objects.count(), LedgerEntry.objects.count()) == (sales, entries)
    call_command("check_ledger")
    assert "Ledger OK" in capsys.readouterr().out


def test_every_demo_members_points_replayed_by_date_never_go_below_zero(db):
    """The dashboard works balances back from the ledger by date; a history
    whose points are spent before they were given (a refund dated later
    than the visits that used its points) shows a redemption rate over
    100 %. Enough members that some refunds give back used points."""
    from collections import defaultdict

    load_demo_shop(members=150)
    refunds_with_points = LedgerEntry.objects.filter(
        kind=LedgerEntry.Kind.REFUND_REVERSAL, points__gt=0
    )
    assert refunds_with_points.exists()
    running = defaultdict(int)
    for member_id, points, at in LedgerEntry.objects.order_by("created_at", "id").values_list(
        "member_id", "points", "created_at"
    ):
        running[member_id] += points
        assert running[member_id] >= 0, (member_id, at)
