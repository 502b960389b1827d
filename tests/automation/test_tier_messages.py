"""Tier-event messages: each event queues its message once per member,
respecting consent, with the member's link."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from automation.jobs import run_job
from config.clock import shop_today
from members.models import AutomationSettings, JobRun, OutboundMessage
from tests.factories import MemberFactory
from tests.tiers.conftest import at, buy
from tiers.models import TierChange, TierProgramme

GRACE_ENDS = date(2027, 3, 14)


def _messages(purpose, member=None):
    messages = OutboundMessage.objects.filter(purpose=purpose)
    return messages.filter(member=member) if member else messages


def _run_twice(day):
    first = run_job(job="tier_messages", day=day)
    JobRun.objects.all().delete()  # even a forgotten run record cannot double it
    run_job(job="tier_messages", day=day)
    return first


def _gold_in_grace(salon, *, grace_until=GRACE_ENDS, **kwargs):
    """A Gold member short of Gold (2,000 a year to keep it, 5,000 lifetime
    to qualify), with 2,500 lifetime spent long ago."""
    member = MemberFactory(tier=salon["gold"], tier_grace_until=grace_until, **kwargs)
    buy(member, "2500", at(date(2024, 5, 1)), evaluate=False)
    return member


def test_upgrade_at_a_sale_is_congratulated_once_with_the_new_benefits(salon):
    today = shop_today()
    member = MemberFactory(tier=salon["member"], name="Amy")
    buy(member, "6000", at(today, 10))
    assert member.tier == salon["gold"]

    run = _run_twice(today)

    message = _messages("tier_upgrade", member).get()
    assert run.summary["upgrade_messages"] == 1
    assert message.channel == "sms"
    assert "Congratulations Amy, you are now Gold" in message.text
    assert "20% off your purchases; ×1.5 points on every purchase" in message.text
    assert "/in/" in message.text  # the member's personal link


def test_upgrade_message_is_in_the_members_language(salon):
    today = shop_today()
    member = MemberFactory(tier=salon["member"], language="zh-hant")
    buy(member, "6000", at(today, 10))

    run_job(job="tier_messages", day=today)

    text = _messages("tier_upgrade", member).get().text
    assert "升等為 Gold" in text
    assert "8折" in text


def test_downgrade_notice_names_what_brings_the_tier_back_once(salon):
    member = _gold_in_grace(salon)
    day = GRACE_ENDS + timedelta(days=1)
    run_job(job="tier_review", day=day)
    member.refresh_from_db()
    assert member.tier == salon["silver"]

    run = _run_twice(day)

    message = _messages("tier_downgrade", member).get()
    assert run.summary["downgrade_notices"] == 1
    assert "your tier is now Silver" in message.text
    # Gold again: 5,000 lifetime (2,500 more) or 3,000 this year: the smaller gap.
    assert "Spend NT$2,500" in message.text
    assert "to be Gold again" in message.text


def test_keep_reminder_before_a_grace_end_is_sent_once(salon):
    AutomationSettings.objects.update_or_create(pk=1, defaults={"tier_keep_reminder_days": 14})
    short = _gold_in_grace(salon)
    keeps = _gold_in_grace(salon)
    buy(keeps, "2100", at(GRACE_ENDS - timedelta(days=30)), evaluate=False)
    too_early = _gold_in_grace(salon, grace_until=GRACE_ENDS + timedelta(days=20))
    opted_out = _gold_in_grace(salon, messages_opt_out=True)

    day = GRACE_ENDS - timedelta(days=10)
    first = run_job(job="tier_messages", day=day)
    run_job(job="tier_messages", day=day + timedelta(days=1))
    JobRun.objects.all().delete()
    run_job(job="tier_messages", day=day + timedelta(days=2))

    message = _messages("tier_keep").get()
    assert message.member == short
    assert first.summary["keep_reminders"] == 1
    assert f"by {GRACE_ENDS.isoformat()} to keep Gold" in message.text
    assert "spend NT$2,000" in message.text  # 2,000 in the year, 2,500 more lifetime
    for member in (keeps, too_early, opted_out):
        assert not _messages("tier_keep", member).exists()


def test_keep_reminder_before_a_review_is_sent_once_per_review(salon):
    programme = TierProgramme.current()
    programme.frequency = TierProgramme.Frequency.MONTHLY
    programme.save()
    short = MemberFactory(tier=salon["gold"])
    buy(short, "1500", at(date(2027, 1, 10)), evaluate=False)
    pinned = MemberFactory(tier=salon["gold"], tier_pinned_until=date(2027, 12, 31))
    TierChange.objects.create(
        member=pinned, kind="manual", to_tier=salon["gold"], at=at(date(2027, 1, 2))
    )
    base = MemberFactory(tier=salon["member"])

    too_early = run_job(job="tier_messages", day=date(2027, 3, 10))  # 22 days ahead
    first = run_job(job="tier_messages", day=date(2027, 3, 20))  # 12 days ahead
    again = run_job(job="tier_messages", day=date(2027, 3, 21))

    assert "keep_review" not in too_early.summary
    assert first.summary["keep_review"] == "2027-04-01"
    assert first.summary["keep_reminders"] == 1
    assert again.summary["keep_reminders"] == 0
    message = _messages("tier_keep").get()
    assert message.member == short
    assert "spend NT$500 more by 2027-03-31 to keep Gold" in message.text
    assert not _messages("tier_keep", base).exists()


def test_tier_messages_can_be_turned_off(salon):
    AutomationSettings.objects.update_or_create(
        pk=1,
        defaults={
            "send_tier_upgrade_messages": False,
            "send_tier_downgrade_notices": False,
            "send_tier_keep_reminders": False,
        },
    )
    today = shop_today()
    member = MemberFactory(tier=salon["member"])
    buy(member, "6000", at(today, 10))

    run = run_job(job="tier_messages", day=today)

    assert run.summary["upgrade_messages"] == 0
    assert not OutboundMessage.objects.exists()


@pytest.mark.parametrize("channel_off", ["messages_opt_out", "sms_opt_out"])
def test_opted_out_member_gets_no_upgrade_message(salon, channel_off):
    today = shop_today()
    member = MemberFactory(tier=salon["member"], **{channel_off: True})
    buy(member, "6000", at(today, 10))

    run_job(job="tier_messages", day=today)

    assert not _messages("tier_upgrade", member).exists()


def test_a_later_move_is_told_instead_of_an_earlier_one(salon):
    today = shop_today()
    member = MemberFactory(tier=salon["member"])
    buy(member, "2500", at(today, 9))
    assert member.tier == salon["silver"]
    buy(member, "3000", at(today, 10))
    assert member.tier == salon["gold"]

    run_job(job="tier_messages", day=today)

    assert member.tier_changes.filter(kind="upgrade").count() == 2
    message = _messages("tier_upgrade", member).get()
    assert "you are now Gold" in message.text


def test_the_outbox_run_congratulates_an_upgrade_at_a_sale_at_once(salon):
    member = MemberFactory(tier=salon["member"])
    buy(member, "6000", timezone.now() - timedelta(minutes=5))

    run = run_job(job="send_messages", day=shop_today())
    run_job(job="tier_messages", day=shop_today())  # the daily job later: no second one

    message = _messages("tier_upgrade", member).get()
    assert message.status == "sent"
    assert run.summary["upgrade_messages"] == 1
    assert run.summary["sent"] == 1


def test_the_outbox_run_leaves_older_moves_to_the_daily_job(salon):
    member = MemberFactory(tier=salon["member"])
    buy(member, "6000", timezone.now() - timedelta(hours=2))

    run = run_job(job="send_messages", day=shop_today())

    assert "upgrade_messages" not in run.summary
    assert not _messages("tier_upgrade", member).exists()
