"""Writes of the automation pages."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from automation.jobs import JOBS, JobBusy, run_is_interrupted
from automation.selectors import follows_up
from automation.tasks import run_nightly_job
from config import locks, queue
from config.clock import shop_today
from config.errors import LoyaltyError, NotYours
from members.models import AutomationSettings, BirthdayGift, FollowUp, JobRun, Member


@transaction.atomic(durable=True)
def complete_follow_up(*, follow_up, outcome="", by=None):
    """Staff called a churned member: take them off the follow-up list.
    NotYours when the member's home store is not one of `by`'s stores
    (automation.selectors.follows_up)."""
    follow_up = locks.lock_job(FollowUp.objects, pk=follow_up.pk)
    if by is not None and by.is_authenticated:
        home_store_id = Member.objects.values_list("home_store_id", flat=True).get(
            pk=follow_up.member_id
        )
        if not follows_up(by, home_store_id):
            raise NotYours(
                _("This member is called by the staff of their home store or by the owners.")
            )
    if follow_up.done_at is None:
        follow_up.done_at = timezone.now()
        follow_up.done_by = by if by and by.is_authenticated else None
        follow_up.outcome = outcome
        follow_up.save(update_fields=["done_at", "done_by", "outcome"])
    return follow_up


def _check_tier_gift(tier, points, reward):
    if points < 0:
        raise LoyaltyError(
            _("Birthday points cannot be negative; enter 0 or more."),
            field=f"gift_{tier.pk}_points",
            code="negative_points",
        )
    if reward is not None and not reward.open_to(tier):
        raise LoyaltyError(
            _(
                "“%(reward)s” is for %(min_tier)s members and above, so %(tier)s members "
                "could not get it. Choose a reward open to %(tier)s."
            )
            % {
                "reward": reward.display_name,
                "min_tier": reward.min_tier.display_name,
                "tier": tier.display_name,
            },
            field=f"gift_{tier.pk}_reward",
            code="gift_tier",
        )


@transaction.atomic(durable=True)
def save_birthday_gifts(*, timing, send_greetings, default_reward, gifts, by=None):
    """The owner's birthday settings: when gifts go out (on the birthday or on
    the first of its month), the greeting, the default reward, and each tier's
    own gift, `gifts` = {tier: (points, reward or None)}.

    A tier's points replace the programme's birthday points and its reward
    replaces the default reward; 0 points and no reward put the tier back on
    the defaults. A tier's reward must be open to that tier (its minimum tier
    at or below it); refusals name the page's field, gift_<tier id>_reward.
    """
    if timing not in AutomationSettings.BirthdayTiming.values:
        raise LoyaltyError(
            _("Choose when birthday gifts are given."), field="birthday_timing", code="timing"
        )
    for tier, (points, reward) in gifts.items():
        _check_tier_gift(tier, points, reward)
    AutomationSettings.current()
    # The settings row first: two owners saving this page at once take turns.
    row = locks.lock_settings(AutomationSettings.objects, pk=1)
    row.birthday_timing = timing
    row.send_birthday_greetings = bool(send_greetings)
    row.birthday_reward = default_reward
    row.save(update_fields=["birthday_timing", "send_birthday_greetings", "birthday_reward"])
    existing = {gift.tier_id: gift for gift in BirthdayGift.objects.filter(tier__in=list(gifts))}
    for tier, (points, reward) in gifts.items():
        gift = existing.get(tier.pk)
        if not points and reward is None:
            if gift is not None:
                gift.delete()
        elif gift is None:
            BirthdayGift.objects.create(tier=tier, points=points, reward=reward)
        elif (gift.points, gift.reward_id) != (points, reward.pk if reward else None):
            gift.points, gift.reward = points, reward
            gift.save(update_fields=["points", "reward"])
    return row


def run_job_now(*, job, by=None):
    """The owner's "Run now": hand `job` for today to a worker (at once, in
    this process, without a broker). Refused while today's run is alive
    elsewhere (JobBusy) and when the worker cannot be reached
    (BrokerUnavailable); an interrupted run is simply run again."""
    if job not in JOBS:
        raise LoyaltyError(_("There is no such job."), code="no_job")
    today = shop_today()
    running = JobRun.objects.filter(job=job, run_for=today, status=JobRun.Status.RUNNING).first()
    if running is not None and not run_is_interrupted(running):
        raise JobBusy(
            _("%(job)s is already running; its summary appears here when it is done.")
            % {"job": JOBS[job][1]},
            code="job_busy",
        )
    queue.send(run_nightly_job, job, today.isoformat())
