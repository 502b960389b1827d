from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from automation.jobs import run_job
from members.models import (
    AutomationSettings,
    BirthdayGift,
    FollowUp,
    JobRun,
    MessageTemplate,
    OutboundMessage,
)
from points.ledger import grant_points, lock_member
from points.models import LedgerEntry, ProgrammeRules
from tests.factories import MemberFactory

TODAY = date(2026, 11, 23)


def _lot(member, points, expires_on, key):
    from django.db import transaction

    with transaction.atomic():
        member = lock_member(member)
        entry = grant_points(
            member=member,
            points=points,
            kind=LedgerEntry.Kind.ADJUSTMENT,
            idempotency_key=key,
            reason="test lot",
        )
    LedgerEntry.objects.filter(pk=entry.pk).update(expires_on=expires_on)
    return entry


@pytest.fixture
def sms_templates(db):
    # Short texts that show every placeholder, instead of the installed ones.
    MessageTemplate.objects.all().delete()
    for purpose in MessageTemplate.Purpose.values:
        MessageTemplate.objects.create(
            purpose=purpose,
            channel="sms",
            language="en",
            body="{name}: {points} points ({expires_on})",
        )


def test_birthday_job_gives_tier_points_once_a_year(tiers, sms_templates):
    BirthdayGift.objects.create(tier=tiers["gold"], points=200)
    BirthdayGift.objects.create(tier=tiers["member"], points=50)
    gold = MemberFactory(tier=tiers["gold"], birthday=date(1990, 11, 23))
    base = MemberFactory(tier=tiers["member"], birthday=date(1985, 11, 23))
    MemberFactory(tier=tiers["gold"], birthday=date(1990, 11, 24))

    first = run_job(job="birthday_rewards", day=TODAY)
    JobRun.objects.all().delete()  # even a forgotten run record cannot double it
    run_job(job="birthday_rewards", day=TODAY)

    assert first.summary["members_gifted"] == 2
    gold.refresh_from_db()
    base.refresh_from_db()
    assert gold.points_balance == 200
    assert base.points_balance == 50
    assert OutboundMessage.objects.filter(purpose="birthday").count() == 2


def test_birthday_on_the_first_of_the_month_when_the_owner_says_so(tiers, sms_templates):
    settings_row = AutomationSettings.current()
    settings_row.birthday_timing = AutomationSettings.BirthdayTiming.MONTH_START
    settings_row.save()
    BirthdayGift.objects.create(tier=tiers["member"], points=30)
    member = MemberFactory(birthday=date(1990, 12, 20))

    run_job(job="birthday_rewards", day=date(2026, 12, 20))
    member.refresh_from_db()
    assert member.points_balance == 0
    run_job(job="birthday_rewards", day=date(2026, 12, 1))
    member.refresh_from_db()
    assert member.points_balance == 30


def test_expiry_reminder_is_one_message_per_expiry_batch(tiers, sms_templates):
    rules = ProgrammeRules.current()
    rules.reminder_days = 30
    rules.save()
    member = MemberFactory(name="Lin")
    _lot(member, 100, TODAY + timedelta(days=10), "lot-a")
    _lot(member, 50, TODAY + timedelta(days=10), "lot-b")
    _lot(member, 70, TODAY + timedelta(days=20), "lot-c")
    _lot(member, 90, TODAY + timedelta(days=90), "lot-far")
    opted_out = MemberFactory(messages_opt_out=True)
    _lot(opted_out, 100, TODAY + timedelta(days=5), "lot-d")

    run_job(job="expiry_reminders", day=TODAY)
    run_job(job="expiry_reminders", day=TODAY + timedelta(days=1))

    texts = sorted(OutboundMessage.objects.values_list("text", flat=True))
    assert texts == [
        f"Lin: 150 points ({(TODAY + timedelta(days=10)).isoformat()})",
        f"Lin: 70 points ({(TODAY + timedelta(days=20)).isoformat()})",
    ]


def test_points_expiry_job_runs_once_per_day(tiers):
    member = MemberFactory()
    _lot(member, 100, TODAY - timedelta(days=1), "old-lot")

    first = run_job(job="points_expiry", day=TODAY)
    second = run_job(job="points_expiry", day=TODAY)

    member.refresh_from_db()
    assert member.points_balance == 0
    assert first.pk == second.pk
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPIRY).count() == 1


def test_dormant_member_gets_the_wake_up_offer_once(tiers, sms_templates):
    settings_row = AutomationSettings.current()
    settings_row.wake_up_points = 80
    settings_row.save()
    dormant = MemberFactory(
        joined_on=TODAY - timedelta(days=400),
        last_purchase_at=timezone.now() - timedelta(days=70),
    )
    active = MemberFactory(
        joined_on=TODAY - timedelta(days=400),
        last_purchase_at=timezone.now() - timedelta(days=5),
    )
    today = timezone.localdate()
    run_job(job="lifecycle_actions", day=today)
    run_job(job="lifecycle_actions", day=today + timedelta(days=1))

    dormant.refresh_from_db()
    active.refresh_from_db()
    assert dormant.points_balance == 80
    assert active.points_balance == 0
    assert OutboundMessage.objects.filter(member=dormant, purpose="wake_up").count() == 1


def test_churned_member_lands_on_the_follow_up_list_once(tiers):
    churned = MemberFactory(
        joined_on=TODAY - timedelta(days=400),
        last_purchase_at=timezone.now() - timedelta(days=200),
    )
    today = timezone.localdate()
    run_job(job="lifecycle_actions", day=today)
    run_job(job="lifecycle_actions", day=today + timedelta(days=1))
    assert list(FollowUp.objects.values_list("member", flat=True)) == [churned.pk]


def test_imported_members_are_placed_by_the_last_purchase_brought_in(tiers, sms_templates):
    settings_row = AutomationSettings.current()
    settings_row.wake_up_points = 80
    settings_row.save()
    joined = TODAY - timedelta(days=400)
    dormant = MemberFactory(joined_on=joined, opening_last_purchase_on=TODAY - timedelta(days=70))
    active = MemberFactory(joined_on=joined, opening_last_purchase_on=TODAY - timedelta(days=5))
    churned = MemberFactory(joined_on=joined, opening_last_purchase_on=TODAY - timedelta(days=200))
    today = timezone.localdate()
    run_job(job="lifecycle_actions", day=today)
    run_job(job="lifecycle_actions", day=today + timedelta(days=1))
    dormant.refresh_from_db()
    active.refresh_from_db()
    assert (dormant.points_balance, active.points_balance) == (80, 0)
    assert list(FollowUp.objects.values_list("member", flat=True)) == [churned.pk]


def test_a_failed_job_is_recorded_and_can_run_again(tiers, monkeypatch):
    from automation import jobs

    def broken(day):
        raise RuntimeError("database went away")

    monkeypatch.setitem(jobs.JOBS, "points_expiry", (broken, "Points expiry"))
    with pytest.raises(RuntimeError):
        run_job(job="points_expiry", day=TODAY)
    run = JobRun.objects.get(job="points_expiry")
    assert run.status == "failed"
    assert "database went away" in run.error

    monkeypatch.setitem(jobs.JOBS, "points_expiry", (lambda day: {"ok": 1}, "Points expiry"))
    run = run_job(job="points_expiry", day=TODAY)
    assert run.status == "done"
    assert run.attempts == 2
    assert Decimal(run.summary["ok"]) == 1


def test_birthday_reward_is_issued_once_a_year_and_a_sold_out_one_is_counted(tiers):
    from rewards.models import Coupon, RewardRedemption
    from tests.factories import coupon_reward

    reward = coupon_reward(stock=1)
    settings_row = AutomationSettings.current()
    settings_row.birthday_reward = reward
    settings_row.save()
    first = MemberFactory(birthday=date(1990, 11, 23))
    MemberFactory(birthday=date(1991, 11, 23))

    run = run_job(job="birthday_rewards", day=TODAY)
    JobRun.objects.all().delete()
    run_job(job="birthday_rewards", day=TODAY)

    assert run.summary["rewards_issued"] == 1
    assert run.summary["rewards_not_issued"] == 1
    assert list(RewardRedemption.objects.values_list("member", flat=True)) == [first.pk]
    assert Coupon.objects.filter(redemption__member=first).count() == 1
    reward.refresh_from_db()
    assert reward.stock == 0


def test_dormant_member_gets_the_wake_up_reward_once(tiers):
    from rewards.models import RewardRedemption
    from tests.factories import RewardFactory

    settings_row = AutomationSettings.current()
    settings_row.wake_up_reward = RewardFactory(stock=None)
    settings_row.save()
    dormant = MemberFactory(
        joined_on=TODAY - timedelta(days=400),
        last_purchase_at=timezone.now() - timedelta(days=70),
    )
    today = timezone.localdate()
    run_job(job="lifecycle_actions", day=today)
    run_job(job="lifecycle_actions", day=today + timedelta(days=1))
    assert list(RewardRedemption.objects.values_list("member", flat=True)) == [dormant.pk]


def test_birthday_without_a_tier_gift_uses_the_programmes_birthday_reward(tiers):
    from tests.factories import BehaviourRuleFactory

    BehaviourRuleFactory(action="birthday", code="birthday", points=88)
    member = MemberFactory(tier=tiers["silver"], birthday=date(1990, 11, 23))
    run_job(job="birthday_rewards", day=TODAY)
    JobRun.objects.all().delete()
    run_job(job="birthday_rewards", day=TODAY)
    member.refresh_from_db()
    assert member.points_balance == 88
