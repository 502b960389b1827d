from decimal import Decimal

from django.urls import reverse

from loyalty.sale import record_purchase
from points.models import LedgerEntry, ProgrammeRules
from points.refund import refund_purchase
from tests.factories import MemberFactory, give_points


def test_owner_reads_the_ledger_in_the_admin(owner_client, tiers, django_assert_max_num_queries):
    member = MemberFactory()
    for _ in range(20):
        give_points(member, 5)
    with django_assert_max_num_queries(15):
        response = owner_client.get(reverse("admin:points_ledgerentry_changelist"))
    assert response.status_code == 200
    assert member.member_number in response.content.decode()


def test_the_ledger_is_read_only_in_the_admin(owner_client, tiers):
    entry = give_points(MemberFactory(), 5)
    change = reverse("admin:points_ledgerentry_change", args=[entry.pk])
    page = owner_client.get(change)
    assert page.status_code == 200
    assert 'name="points"' not in page.content.decode()
    assert owner_client.post(change, {"points": "500"}).status_code == 403
    assert owner_client.get(reverse("admin:points_ledgerentry_add")).status_code == 403
    delete = reverse("admin:points_ledgerentry_delete", args=[entry.pk])
    assert owner_client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.points == 5


def test_sales_and_refunds_show_read_only(owner_client, tiers):
    member = MemberFactory()
    sale = record_purchase(member=member, amount=Decimal("100"), idempotency_key="s")
    refund_purchase(purchase=sale, amount=Decimal("10"), idempotency_key="r")
    page = owner_client.get(reverse("admin:points_purchase_change", args=[sale.pk]))
    assert page.status_code == 200
    assert "10.00" in page.content.decode()  # the refund, listed with its sale


def test_rules_saved_in_the_admin_go_through_the_service(owner_client, owner):
    ProgrammeRules.current()
    response = owner_client.post(
        reverse("admin:points_programmerules_change", args=[1]),
        {
            "earn_points": "2",
            "earn_per_amount": "10",
            "redeem_points": "100",
            "redeem_value": "50",
            "min_redeem_points": "100",
            "max_bill_share": "50",
            "expiry_policy": "never",
            "expiry_months": "12",
            "reminder_days": "30",
        },
    )
    assert response.status_code == 302
    rules = ProgrammeRules.current()
    assert (rules.earn_points, rules.updated_by) == (2, owner)


def test_staff_cannot_open_the_ledger_admin(staff_client, tiers):
    response = staff_client.get(reverse("admin:points_ledgerentry_changelist"))
    assert response.status_code == 403  # the admin is for owners only
    assert not LedgerEntry.objects.exists()


def test_the_admin_refuses_rules_that_cannot_work(owner_client):
    ProgrammeRules.current()
    response = owner_client.post(
        reverse("admin:points_programmerules_change", args=[1]),
        {
            "earn_points": "1",
            "earn_per_amount": "1",
            "redeem_points": "100",
            "redeem_value": "50",
            "min_redeem_points": "100",
            "max_bill_share": "50",
            "expiry_policy": "months",
            "expiry_months": "0",
            "reminder_days": "30",
        },
    )
    assert response.status_code == 200
    assert "months" in str(response.context["adminform"].form.errors["expiry_months"])
    assert ProgrammeRules.current().expiry_policy == "year_end"
