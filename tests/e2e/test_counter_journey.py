"""A cashier serves a member with the keyboard alone."""

from members.models import Member
from tests.e2e.conftest import log_in
from tests.factories import MemberFactory, TierFactory, staff_user


def test_cashier_finds_and_enrols_with_the_keyboard(page, transactional_db):
    TierFactory(rank=1, name="Member")
    MemberFactory(name="陳美玲", phone="+886912345678")
    staff_user(username="cashier")
    log_in(page, "cashier")
    page.goto("/points/counter/")

    page.keyboard.type("0912 345 678")
    page.keyboard.press("Enter")
    page.wait_for_selector("#member-card")
    assert "陳美玲" in page.inner_text("#member-card")

    page.keyboard.press("Escape")
    assert page.locator("#member-card").count() == 0
    page.keyboard.type("0933111222")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Enrol this number")
    page.keyboard.type("林小姐")  # the name field has the focus
    page.keyboard.press("Enter")
    page.wait_for_selector("#member-card")
    assert Member.objects.get(phone="+886933111222").name == "林小姐"
