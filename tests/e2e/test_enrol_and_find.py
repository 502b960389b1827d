from members.models import Member
from tests.e2e.conftest import log_in
from tests.factories import TierFactory, staff_user


def test_staff_enrols_a_member_then_finds_them_by_last_four_digits(page, transactional_db):
    TierFactory(rank=1, name="Member")
    staff_user(username="cashier")

    log_in(page, "cashier")  # staff land on the counter
    page.get_by_role("link", name="Members").click()
    page.get_by_role("button", name="Enrol a member").click()
    page.get_by_label("Phone").fill("0912-345-678")
    page.get_by_label("Name").fill("陳美玲")
    page.get_by_role("button", name="Enrol", exact=True).click()
    page.wait_for_selector("text=is enrolled as member")
    member = Member.objects.get()
    assert member.phone == "+886912345678"

    page.get_by_role("link", name="Members").click()
    search = page.get_by_placeholder("Number, phone, last 4 digits or name")
    search.fill("5678")
    search.press("Enter")
    page.get_by_role("link", name="陳美玲").click()
    page.wait_for_url(f"**/members/{member.pk}/")
    assert member.member_number in page.content()


def test_owner_and_staff_see_different_navigation(page, transactional_db):
    from tests.factories import owner_user

    TierFactory(rank=1, name="Member")
    owner_user(username="boss")
    log_in(page, "boss")
    page.get_by_text("Set-up", exact=True).click()  # the owner's set-up menu opens
    assert page.get_by_role("link", name="Admin").count() == 1
    page.get_by_text("Set-up", exact=True).click()  # and closes again
    page.get_by_role("button", name="Log out").click()
    staff_user(username="cashier")
    log_in(page, "cashier")
    assert page.get_by_role("link", name="Admin").count() == 0
    assert page.get_by_text("Set-up", exact=True).count() == 0
    assert page.get_by_role("link", name="Members").count() == 1
