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
