"""The membership anniversary gift: once per member and year."""

from datetime import date

from automation.jobs import run_job
from members.models import AutomationSettings, JobRun, OutboundMessage
from points.models import LedgerEntry
from rewards.models import Coupon
from tests.factories import MemberFactory, coupon_reward

DAY = date(2027, 5, 10)


def _gift(**values):
    AutomationSettings.objects.update_or_create(pk=1, defaults=values)


def test_anniversary_gives_points_and_a_coupon_once_a_year(tiers):
    _gift(anniversary_points=300, anniversary_reward=coupon_reward(name="Anniversary gift"))
    member = MemberFactory(joined_on=date(2025, 5, 10), name="Amy")
    MemberFactory(joined_on=date(2025, 5, 11))
    joined_today = MemberFactory(joined_on=DAY)

    first = run_job(job="anniversary_gifts", day=DAY)
    JobRun.objects.all().delete()  # even a forgotten run record cannot double it
    run_job(job="anniversary_gifts", day=DAY)

    member.refresh_from_db()
    assert member.points_balance == 300
    assert LedgerEntry.objects.filter(member=member).count() == 1
    assert Coupon.objects.filter(member=member).count() == 1
    assert first.summary["members_gifted"] == 1
    message = OutboundMessage.objects.get(purpose="anniversary")
    assert message.member == member
    assert "Happy 2-year anniversary, Amy" in message.text
    assert "300 points and Anniversary gift" in message.text
    assert not Coupon.objects.filter(member=joined_today).exists()


def test_next_year_brings_the_next_gift(tiers):
    _gift(anniversary_points=100)
    member = MemberFactory(joined_on=date(2025, 5, 10))
    run_job(job="anniversary_gifts", day=DAY)
    run_job(job="anniversary_gifts", day=DAY.replace(year=2028))
    member.refresh_from_db()
    assert member.points_balance == 200


def test_leap_day_members_celebrate_on_the_first_of_march(tiers):
    _gift(anniversary_points=100)
    member = MemberFactory(joined_on=date(2024, 2, 29))
    run_job(job="anniversary_gifts", day=date(2027, 3, 1))
    member.refresh_from_db()
    assert member.points_balance == 100


def test_nothing_set_up_gives_nothing(tiers):
    member = MemberFactory(joined_on=date(2025, 5, 10))
    run = run_job(job="anniversary_gifts", day=DAY)
    member.refresh_from_db()
    assert member.points_balance == 0
    assert run.summary == {"gift_set": False}
