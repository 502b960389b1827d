"""An owner finds yesterday's sale, opens its receipt and refunds part of it."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from loyalty.sale import record_purchase
from points.models import Refund
from tests.e2e.conftest import log_in
from tests.factories import MemberFactory, TierFactory, owner_user


def test_owner_filters_opens_and_refunds_part_of_a_sale(page, transactional_db):
    TierFactory(rank=1, name="Member")
    owner = owner_user(username="boss")
    her = MemberFactory(name="陳美玲", phone="+886912345678")
    other = MemberFactory(name="王小明")
    yesterday = timezone.now() - timedelta(days=1)
    sale = record_purchase(member=her, amount="1200", idempotency_key="a", by=owner, at=yesterday)
    record_purchase(member=other, amount="300", idempotency_key="b", by=owner, at=yesterday)
    log_in(page, "boss")

    page.goto("/points/counter/sales/")
    page.fill("#id_member", "0912345678")
    page.keyboard.press("Enter")
    page.wait_for_url("**member=0912345678**")
    rows = page.locator("#sales-table tbody tr")
    assert rows.count() == 1 and "陳美玲" in rows.first.inner_text()

    rows.first.get_by_role("link", name=f"#{sale.pk}").click()
    page.wait_for_selector("[data-receipt]")
    assert page.is_visible("[data-receipt-print]")
    page.fill("#id_amount", "400")
    page.fill("#id_reason", "one item back")
    page.get_by_role("button", name="Refund", exact=True).click()
    page.wait_for_selector("#sale-refunds")
    assert "one item back" in page.inner_text("#sale-refunds")
    refund = Refund.objects.get()
    assert refund.amount == Decimal("400") and refund.purchase_id == sale.pk
    assert "Up to NT$800 can still be refunded." in page.inner_text("#refund-form")
