"""A cashier serves a member with the keyboard alone."""

from decimal import Decimal

from django.urls import reverse

from members.models import Member
from points.models import Purchase
from tests.e2e.conftest import log_in
from tests.factories import MemberFactory, TierFactory, give_points, staff_user


def wait_for_focus(page, selector):
    """htmx moves the focus to [autofocus] as the swap settles, just after the
    content appears; a person is slower than that, a test is not."""
    page.wait_for_function("(s) => document.activeElement.matches(s)", arg=selector)


def test_cashier_serves_a_member_from_scan_to_receipt_with_the_keyboard(page, transactional_db):
    TierFactory(rank=1, name="Member", retail_discount=Decimal("10"))
    member = MemberFactory(name="陳美玲", phone="+886912345678")
    give_points(member, 1000)
    staff_user(username="cashier")
    log_in(page, "cashier")  # staff land on the counter
    page.wait_for_selector("#counter-find-form")
    # Count the print dialogs instead of opening one.
    page.evaluate(
        "() => { window.printed = 0; window.print = function () { window.printed += 1; }; }"
    )

    # Scan: the scanner types the phone into the focused box and presses Enter.
    page.keyboard.type("0912-345-678")
    page.keyboard.press("Enter")
    page.wait_for_selector("#member-card")
    wait_for_focus(page, "input[name=amount]")
    card = page.inner_text("#member-card")
    assert "陳美玲" in card and "10% off" in card and "1000" in card

    # The amount field has the focus; the quote follows the typing.
    page.keyboard.type("1000")
    page.wait_for_selector("[data-quote-pay]:has-text('NT$900')")

    # Tab to the points, Tab to "use the most allowed", Enter: 50 % of 900 in points.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "use-max-points"
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-quote-pay]:has-text('NT$450')")
    wait_for_focus(page, "input[name=points_to_redeem]")
    assert page.input_value("input[name=points_to_redeem]") == "900"

    # Enter confirms.
    page.keyboard.press("Enter")
    page.wait_for_selector("#sale-done")
    wait_for_focus(page, "[data-receipt-print]")
    sale = Purchase.objects.get()
    assert (sale.points_redeemed, sale.amount_paid, sale.points_earned) == (900, 450, 450)
    assert page.inner_text("[data-balance-after]") == "550"
    assert member.member_number in page.inner_text("#receipt")
    page.wait_for_selector(f"#recent-sale-{sale.pk}")  # the list reloads after the sale

    # Print: the focused button prints, and on paper only the receipt shows.
    page.keyboard.press("Enter")
    assert page.evaluate("window.printed") == 1
    page.emulate_media(media="print")
    assert page.is_visible("#receipt")
    assert not page.is_visible("#counter-find-form")
    assert not page.is_visible("#counter-recent")
    page.emulate_media(media="screen")

    # Esc starts over, ready for the next scan.
    page.keyboard.press("Escape")
    assert page.locator("#member-card, #sale-done").count() == 0
    assert page.evaluate("document.activeElement.name") == "q"


def test_a_double_submitted_sale_is_recorded_once(page, transactional_db):
    TierFactory(rank=1, name="Member")
    member = MemberFactory(phone="+886912345678")
    give_points(member, 1000)
    staff_user(username="cashier")
    log_in(page, "cashier")
    page.goto(f"/points/counter/members/{member.pk}/")
    page.fill("input[name=amount]", "300")
    # Keep the form as it is now, to replay it after the page has moved on.
    page.evaluate("window.saleForm = new FormData(document.getElementById('sale-form'))")

    page.locator("#sale-form button[type=submit]").dblclick()
    page.keyboard.press("Enter")
    page.wait_for_selector("#sale-done")
    statuses = page.evaluate(
        """async (action) => {
            const token = document.querySelector("[name=csrfmiddlewaretoken]").value;
            const send = () => fetch(action, {method: "POST", body: window.saleForm,
                                             headers: {"X-CSRFToken": token}});
            const statuses = [];
            for (let n = 0; n < 3; n++) statuses.push((await send()).status);
            return statuses;
        }""",
        reverse("counter:sale", args=[member.pk]),
    )
    # A retried request (the network dropped the answer) gets the same sale back.
    assert statuses == [200, 200, 200], statuses
    assert Purchase.objects.count() == 1
    member.refresh_from_db()
    assert member.purchase_count == 1
    assert member.points_balance == 1000 + 300


def test_cashier_picks_from_several_matches_and_enrols_with_the_keyboard(page, transactional_db):
    TierFactory(rank=1, name="Member")
    MemberFactory(name="Amy", phone="+886912345678")
    MemberFactory(name="Bob", phone="+886922005678")
    staff_user(username="cashier")
    log_in(page, "cashier")
    page.goto("/points/counter/")

    page.keyboard.type("5678")
    page.keyboard.press("Enter")
    page.wait_for_selector(".pick-list")
    wait_for_focus(page, ".pick")
    page.keyboard.press("Tab")  # from Amy, the first, to Bob
    page.keyboard.press("Enter")
    page.wait_for_selector("#member-card")
    assert "Bob" in page.inner_text("#member-card")

    page.keyboard.press("Escape")
    page.keyboard.type("0933111222")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Enrol this number")
    wait_for_focus(page, "input[name='enrol-name']")
    page.keyboard.type("林小姐")  # the name field has the focus
    page.keyboard.press("Enter")
    page.wait_for_selector("#member-card")
    assert Member.objects.get(phone="+886933111222").name == "林小姐"


def test_a_card_scanned_into_the_amount_finds_that_member_instead(page, transactional_db):
    TierFactory(rank=1, name="Member")
    first = MemberFactory(name="Amy", phone="+886912345678")
    MemberFactory(name="Bob", phone="+886922333444")
    staff_user(username="cashier")
    log_in(page, "cashier")
    page.goto(f"/points/counter/members/{first.pk}/")
    wait_for_focus(page, "input[name=amount]")

    # The scanner: ten digits and Enter within a few milliseconds. Sent from
    # inside the page in one go: Playwright's own keystrokes each make a round
    # trip to the browser, and on a busy machine their gaps pass the 40 ms
    # that tells a scanner from a person typing.
    page.evaluate(
        """(text) => {
            const field = document.activeElement;
            for (const key of [...text, "Enter"]) {
                if (key !== "Enter") field.value += key;
                field.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true}));
            }
        }""",
        "0922333444",
    )
    page.wait_for_selector("#member-card:has-text('Bob')")
    assert not Purchase.objects.exists()
