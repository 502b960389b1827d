"""At a till's screen (1024×768, 1366×768) what Enter confirms is in sight,
and after Undo the cashier sees the refund with the cursor in the find box."""

from decimal import Decimal

import pytest

from points.models import Purchase
from tests.e2e.conftest import log_in
from tests.factories import (
    CampaignFactory,
    MemberFactory,
    TierFactory,
    give_points,
    staff_user,
)

IN_VIEW = """(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight
    && box.left >= 0 && box.right <= window.innerWidth;
}"""


def in_view(page, selector):
    return page.evaluate(IN_VIEW, selector)


def tab_to(page, name, most=30):
    """Tab until the focused element's text is `name`, as a cashier would."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


@pytest.mark.parametrize("width", [1024, 1366])
def test_to_pay_and_confirm_stay_in_view_and_undo_shows_the_refund(page, transactional_db, width):
    page.set_viewport_size({"width": width, "height": 768})
    TierFactory(rank=1, name="Member", retail_discount=Decimal("10"))
    TierFactory(rank=2, name="Gold", qualify_lifetime_spend=Decimal("5000"))
    member = MemberFactory(name="陳美玲", phone="+886912345678")
    give_points(member, 500)
    CampaignFactory(name="Double points")  # the card lists it: a taller card
    staff_user(username="cashier")
    log_in(page, "cashier")
    page.wait_for_selector("#counter-find-form")

    page.keyboard.type("0912345678")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.name === 'amount'")
    page.keyboard.type("300")
    page.wait_for_selector("[data-quote-pay]:has-text('NT$270')")
    assert in_view(page, "[data-quote-pay]")
    assert in_view(page, "[data-quote-bill]")
    assert in_view(page, "[data-quote-earn]")
    assert in_view(page, ".sale-confirm")
    # A zero line is no line: no points used, so no "0 points as cash".
    assert page.locator("[data-quote-points]").count() == 0

    page.keyboard.press("Enter")
    page.wait_for_selector("#sale-done")
    sale = Purchase.objects.get()
    assert sale.amount_paid == Decimal("270") and sale.points_earned > 0
    page.wait_for_selector(f"#recent-sale-{sale.pk}")

    page.once("dialog", lambda dialog: dialog.accept())
    tab_to(page, "Undo")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-undo-result]")
    page.wait_for_function("() => document.activeElement.name === 'q'")
    assert page.locator("#sale-done").count() == 0  # the old receipt is gone
    assert page.inner_text("[data-undo-reversed]") == str(sale.points_earned)
    assert page.inner_text("[data-undo-balance]") == "500"
    assert f"Sale #{sale.pk} undone" in page.inner_text("#counter-result")
