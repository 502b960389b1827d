from members.models import Member
from rewards.models import Reward
from tests.e2e.conftest import log_in
from tests.factories import RewardFactory, TierFactory, member_with_points, staff_user


def test_staff_redeems_a_reward_from_the_member_page_and_sees_the_balance_drop(
    page, transactional_db
):
    TierFactory(rank=1, name="Member")
    gold = TierFactory(rank=2, name="Gold")
    staff_user(username="cashier")
    member = member_with_points(500, name="陳美玲")
    RewardFactory(name="Hair mask", points_cost=300, stock=2)
    RewardFactory(name="Spa day", points_cost=100, min_tier=gold)

    log_in(page, "cashier")
    page.goto(f"/members/{member.pk}/")
    page.get_by_role("button", name="Redeem a reward").click()
    assert page.locator("#points-balance").inner_text() == "500"
    assert page.get_by_text("“Spa day” is for Gold members and above").count() == 1

    card = page.locator("article", has_text="Hair mask")
    card.get_by_role("button", name="Redeem", exact=True).click()
    page.wait_for_selector("text=redeemed 1 × “Hair mask” for 300 points")
    assert page.locator("#points-balance").inner_text() == "200"
    assert Member.objects.get().points_balance == 200
    assert Reward.objects.get(name="Hair mask").stock == 1
    # Now short of points for a second mask: shown, not offered.
    assert page.get_by_text("“Hair mask” costs 300 points; 陳美玲 has 200.").count() == 1
