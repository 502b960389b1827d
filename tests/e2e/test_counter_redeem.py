"""A cashier redeems a reward from the counter card and sees the balance drop."""

from members.models import Member
from rewards.models import Reward
from tests.e2e.conftest import log_in
from tests.factories import RewardFactory, TierFactory, member_with_points, staff_user


def test_cashier_redeems_a_reward_at_the_counter_and_sees_the_balance_drop(page, transactional_db):
    TierFactory(rank=1, name="Member")
    member = member_with_points(500, name="陳美玲", phone="+886912345678")
    RewardFactory(name="Hair mask", points_cost=300, stock=2)
    RewardFactory(name="Spa day", points_cost=900)
    staff_user(username="cashier")
    log_in(page, "cashier")
    page.wait_for_selector("#counter-find-form")

    page.keyboard.type("0912-345-678")
    page.keyboard.press("Enter")
    page.wait_for_selector("#member-card")
    assert page.inner_text("[data-balance]") == "500"
    # The panel loads under the card with what 500 points can take now.
    item = page.locator("#counter-rewards li", has_text="Hair mask")
    item.wait_for()
    assert page.locator("#counter-rewards li", has_text="Spa day").count() == 0

    page.on("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="Redeem").click()
    page.wait_for_selector("#counter-redeemed")
    assert page.inner_text("[data-balance]") == "200"
    assert "“Hair mask” redeemed for 300 points." in page.inner_text("#counter-redeemed")
    assert Member.objects.get().points_balance == 200
    assert Reward.objects.get(name="Hair mask").stock == 1
    # 200 points no longer buy a mask: the reloaded panel offers nothing.
    page.wait_for_selector("#counter-rewards:has-text('Nothing in the catalogue')")
    assert member.member_number in page.inner_text("#member-card")
