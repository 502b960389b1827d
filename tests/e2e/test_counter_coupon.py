"""A cashier scans a member's coupon into the sale and confirms."""

from decimal import Decimal

from points.models import Purchase
from rewards.services import issue_reward
from tests.e2e.conftest import log_in
from tests.factories import MemberFactory, TierFactory, coupon_reward, staff_user


def test_cashier_applies_a_scanned_coupon_at_the_counter(page, transactional_db):
    TierFactory(rank=1, name="Member", retail_discount=Decimal("10"))
    member = MemberFactory(name="陳美玲", phone="+886912345678")
    coupon = issue_reward(
        member=member, reward=coupon_reward(coupon_value=Decimal("50")), reason="gift"
    ).coupons.get()
    staff_user(username="cashier")
    log_in(page, "cashier")
    page.wait_for_selector("#counter-find-form")

    page.keyboard.type("0912-345-678")
    page.keyboard.press("Enter")
    page.wait_for_selector("#member-card")
    page.wait_for_function("() => document.activeElement.name === 'amount'")
    page.keyboard.type("1000")
    page.wait_for_selector("[data-quote-pay]:has-text('NT$900')")

    # The scanner types the code in a burst and presses Enter: it stays in the
    # coupon field, the quote takes the coupon off and the focus moves to confirm.
    page.focus("input[name=coupon]")
    page.keyboard.type(coupon.display_code)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-quote-coupon]")
    page.wait_for_selector("[data-quote-pay]:has-text('NT$850')")
    page.wait_for_function("() => document.activeElement.classList.contains('sale-confirm')")
    assert page.input_value("input[name=q]") == "0912-345-678"  # not the coupon
    assert not Purchase.objects.exists()

    page.keyboard.press("Enter")
    page.wait_for_selector("#sale-done")
    assert coupon.display_code in page.inner_text("[data-receipt-coupon]")
    sale = Purchase.objects.get()
    assert (sale.coupon_discount, sale.amount_paid) == (Decimal("50.00"), Decimal("850.00"))
    coupon.refresh_from_db()
    assert coupon.used_purchase == sale
