"""The birthday job gives each member the gift of their tier: points and/or a
reward, a reward only to members of its minimum tier and above, once a year."""

from datetime import date

from automation.jobs import run_job
from members.models import AutomationSettings, BirthdayGift, JobRun
from rewards.models import Reward, RewardRedemption
from tests.factories import BehaviourRuleFactory, MemberFactory, RewardFactory

TODAY = date(2026, 11, 23)
BIRTHDAY = date(1990, 11, 23)


def _default_reward(reward):
    settings_row = AutomationSettings.current()
    settings_row.birthday_reward = reward
    settings_row.save()


def _rewarded(reward):
    return set(
        RewardRedemption.objects.filter(reward=reward).values_list("member__name", flat=True)
    )


def _again(day=TODAY):
    """Run the job for `day` again, even past the record of its first run."""
    JobRun.objects.all().delete()
    return run_job(job="birthday_rewards", day=day)


def test_a_gold_only_birthday_reward_reaches_only_gold_members(tiers):
    spa = RewardFactory(name="Spa treatment", min_tier=tiers["gold"], stock=None)
    _default_reward(spa)
    MemberFactory(name="Gold one", tier=tiers["gold"], birthday=BIRTHDAY)
    MemberFactory(name="Gold two", tier=tiers["gold"], birthday=date(1985, 11, 23))
    MemberFactory(name="Silver", tier=tiers["silver"], birthday=BIRTHDAY)
    MemberFactory(name="Member", tier=tiers["member"], birthday=BIRTHDAY)

    run = run_job(job="birthday_rewards", day=TODAY)

    assert _rewarded(spa) == {"Gold one", "Gold two"}
    assert run.summary["rewards_issued"] == 2
    assert run.summary["rewards_not_eligible"] == 2
    assert run.summary["rewards_not_issued"] == 0


def test_a_gold_only_tier_gift_reaches_only_gold_members(tiers):
    spa = RewardFactory(name="Spa treatment", min_tier=tiers["gold"], stock=None)
    BirthdayGift.objects.create(tier=tiers["gold"], reward=spa)
    MemberFactory(name="Gold", tier=tiers["gold"], birthday=BIRTHDAY)
    MemberFactory(name="Silver", tier=tiers["silver"], birthday=BIRTHDAY)
    MemberFactory(name="Member", tier=tiers["member"], birthday=BIRTHDAY)

    run_job(job="birthday_rewards", day=TODAY)

    assert _rewarded(spa) == {"Gold"}


def test_gold_gets_a_treatment_and_member_gets_points(tiers):
    spa = RewardFactory(name="Spa treatment", min_tier=tiers["gold"], stock=5)
    BirthdayGift.objects.create(tier=tiers["gold"], reward=spa)
    BirthdayGift.objects.create(tier=tiers["member"], points=80)
    gold = MemberFactory(name="Gold", tier=tiers["gold"], birthday=BIRTHDAY)
    base = MemberFactory(name="Member", tier=tiers["member"], birthday=BIRTHDAY)

    run = run_job(job="birthday_rewards", day=TODAY)

    gold.refresh_from_db()
    base.refresh_from_db()
    assert (gold.points_balance, base.points_balance) == (0, 80)
    assert _rewarded(spa) == {"Gold"}
    assert RewardRedemption.objects.get().points_spent == 0
    assert Reward.objects.get().stock == 4
    assert (run.summary["members_gifted"], run.summary["points_given"]) == (1, 80)
    assert run.summary["rewards_issued"] == 1
    assert run.summary["rewards_not_eligible"] == 0


def test_a_tier_gives_points_and_a_reward_together(tiers):
    voucher = RewardFactory(name="Voucher", stock=None)
    BirthdayGift.objects.create(tier=tiers["silver"], points=150, reward=voucher)
    silver = MemberFactory(name="Silver", tier=tiers["silver"], birthday=BIRTHDAY)

    run_job(job="birthday_rewards", day=TODAY)

    silver.refresh_from_db()
    assert silver.points_balance == 150
    assert _rewarded(voucher) == {"Silver"}


def test_a_tiers_reward_replaces_the_default_one_and_others_keep_it(tiers):
    default = RewardFactory(name="Birthday cake", stock=None)
    spa = RewardFactory(name="Spa treatment", min_tier=tiers["gold"], stock=None)
    _default_reward(default)
    BirthdayGift.objects.create(tier=tiers["gold"], reward=spa)
    MemberFactory(name="Gold", tier=tiers["gold"], birthday=BIRTHDAY)
    MemberFactory(name="Silver", tier=tiers["silver"], birthday=BIRTHDAY)

    run_job(job="birthday_rewards", day=TODAY)

    assert _rewarded(spa) == {"Gold"}
    assert _rewarded(default) == {"Silver"}


def test_a_tier_with_a_reward_only_keeps_the_programmes_birthday_points(tiers):
    BehaviourRuleFactory(action="birthday", code="birthday", points=88)
    BirthdayGift.objects.create(tier=tiers["gold"], reward=RewardFactory(stock=None))
    gold = MemberFactory(tier=tiers["gold"], birthday=BIRTHDAY)

    run_job(job="birthday_rewards", day=TODAY)

    gold.refresh_from_db()
    assert gold.points_balance == 88
    assert RewardRedemption.objects.filter(member=gold).count() == 1


def test_running_the_job_twice_gives_nothing_twice(tiers):
    spa = RewardFactory(min_tier=tiers["gold"], stock=None)
    BirthdayGift.objects.create(tier=tiers["gold"], points=200, reward=spa)
    BirthdayGift.objects.create(tier=tiers["member"], points=50)
    gold = MemberFactory(tier=tiers["gold"], birthday=BIRTHDAY)
    base = MemberFactory(tier=tiers["member"], birthday=BIRTHDAY)

    run_job(job="birthday_rewards", day=TODAY)
    second = _again()

    gold.refresh_from_db()
    base.refresh_from_db()
    assert (gold.points_balance, base.points_balance) == (200, 50)
    assert RewardRedemption.objects.count() == 1
    assert second.summary["members_gifted"] == 0
    assert second.summary["rewards_issued"] == 0
    assert second.summary["rewards_not_issued"] == 0


def test_a_gift_changed_after_the_run_is_not_given_again_that_year(tiers):
    first = RewardFactory(name="First", stock=None)
    gift = BirthdayGift.objects.create(tier=tiers["gold"], reward=first)
    gold = MemberFactory(tier=tiers["gold"], birthday=BIRTHDAY)
    run_job(job="birthday_rewards", day=TODAY)

    gift.reward = RewardFactory(name="Second", stock=None)
    gift.save()
    second = _again()

    assert list(RewardRedemption.objects.values_list("member", "reward__name")) == [
        (gold.pk, "First")
    ]
    assert second.summary["rewards_not_issued"] == 0


def test_on_the_first_of_the_month_each_year_brings_the_gift_of_the_tier_then_held(tiers):
    settings_row = AutomationSettings.current()
    settings_row.birthday_timing = AutomationSettings.BirthdayTiming.MONTH_START
    settings_row.save()
    spa = RewardFactory(min_tier=tiers["gold"], stock=None)
    BirthdayGift.objects.create(tier=tiers["gold"], reward=spa)
    BirthdayGift.objects.create(tier=tiers["silver"], points=40)
    member = MemberFactory(tier=tiers["silver"], birthday=date(1990, 12, 20))

    run_job(job="birthday_rewards", day=date(2026, 12, 20))  # not the 1st: nothing
    member.refresh_from_db()
    assert member.points_balance == 0
    run_job(job="birthday_rewards", day=date(2026, 12, 1))
    member.refresh_from_db()
    assert member.points_balance == 40
    assert not RewardRedemption.objects.exists()

    member.tier = tiers["gold"]
    member.save()
    run_job(job="birthday_rewards", day=date(2027, 12, 1))
    member.refresh_from_db()
    assert member.points_balance == 40
    assert _rewarded(spa) == {member.name}
