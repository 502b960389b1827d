"""The nightly jobs. Each runs for one shop day, is a no-op when run again for
that day (deterministic keys and unique constraints, not memory), and works
through members in chunks, one transaction per chunk, so a large shop never
holds one long transaction and a crash loses at most a chunk that is redone.
"""

import logging
from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from automation.messaging import queue_message, send_due_messages
from automation.offers import anniversary_gifts
from automation.tier_messages import recent_upgrade_messages, tier_messages
from config import heartbeat, locks
from config.errors import LoyaltyError
from config.shop import shop_settings_scope
from members.models import (
    AutomationSettings,
    BirthdayGift,
    FollowUp,
    JobRun,
    Member,
    MessageTemplate,
)
from members.selectors import stage_condition
from points.behaviour import grant_behaviour_points
from points.expiry import expire_points
from points.ledger import grant_points, lock_member
from points.models import LedgerEntry, ProgrammeRules
from points.tasks import expire_points_shared
from reports.settlement import store_settlement_days
from reports.snapshots import refresh_dashboards
from rewards.models import RewardRedemption
from rewards.rules import STATE_NEEDS_TIER
from rewards.services import issue_reward
from tiers.grace import next_review_day, settle_graces
from tiers.services import evaluate_tiers, review_due
from tiers.tasks import review_tiers

logger = logging.getLogger(__name__)
CHUNK = 1000


def member_chunks(queryset, size=CHUNK):
    """Lists of member ids, in id order, `size` at a time (keyset pagination).
    Each chunk is a sign of life of the running job (config.heartbeat)."""
    last = 0
    while True:
        heartbeat.beat()
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def tier_review(day):
    """Every night, the graces that ended before `day` are settled; on the
    days the programme's frequency makes review days, the whole review runs
    (it settles them too, and it alone starts grace periods).

    With a broker, each chunk of the review becomes its own task so the
    worker pool shares a large review; without one (first runs, tests) it
    runs here. Settling graces alone reads only the chunks where one ended.
    """
    if not review_due(day):
        settled = settle_graces(as_of=day)
        return {
            "due": False,
            "next_review": next_review_day(day).isoformat(),
            "graces_settled": settled.members,
            "grace_cleared": settled.grace_cleared,
            "downgraded": settled.downgraded,
            "upgraded": settled.upgraded,
            "moves": settled.moves,
        }
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"due": True, **asdict(evaluate_tiers(as_of=day))}
    return {"due": True, **review_tiers(day.isoformat())}


def points_expiry(day):
    """Expire lots past their last day, a chunk of members per transaction.

    With a broker each chunk becomes its own task, so the worker pool shares
    a year-end night; without one (first runs, tests) it runs here.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"points_expired": expire_points(as_of=day)}
    return expire_points_shared(day.isoformat())


def expiry_reminders(day):
    """One message per member and expiry date, `reminder_days` ahead."""
    if not AutomationSettings.current().send_expiry_reminders:
        return {"enabled": False}
    lead = ProgrammeRules.current().reminder_days
    lots = LedgerEntry.objects.filter(
        remaining__gt=0, expires_on__gte=day, expires_on__lte=day + timedelta(days=lead)
    )
    members = Member.objects.filter(pk__in=lots.values("member_id"), messages_opt_out=False)
    queued = 0
    for ids in member_chunks(members):
        batches = (
            lots.filter(member_id__in=ids)
            .values("member_id", "expires_on")
            .annotate(points=Sum("remaining"))
        )
        by_member = Member.objects.in_bulk(ids)
        with transaction.atomic():
            for batch in batches:
                queued += len(
                    queue_message(
                        member=by_member[batch["member_id"]],
                        purpose=MessageTemplate.Purpose.EXPIRY_REMINDER,
                        context={
                            "points": batch["points"],
                            "expires_on": batch["expires_on"].isoformat(),
                        },
                        dedup_key=f"expiry:{batch['member_id']}:{batch['expires_on']}",
                    )
                )
    return {"messages_queued": queued}


def _birthday_members(day, timing):
    if timing == AutomationSettings.BirthdayTiming.MONTH_START:
        if day.day != 1:
            return Member.objects.none()
        return Member.objects.filter(birthday__month=day.month)
    condition = Q(birthday__month=day.month, birthday__day=day.day)
    if day.month == 3 and day.day == 1 and not _is_leap(day.year):
        condition |= Q(birthday__month=2, birthday__day=29)  # leap-day birthdays
    return Member.objects.filter(condition)


def _issue_free_reward(*, member, reward, key, reason):
    """Issue `reward` once for `key`. Returns None when given, else the
    refusal's code: a member below the reward's minimum tier, an inactive or
    sold-out reward is counted, not fatal, so the job still gives everyone
    their points."""
    try:
        with transaction.atomic():
            issue_reward(member=member, reward=reward, reason=reason, idempotency_key=key)
    except LoyaltyError as error:
        logger.warning("%s not issued to member %s: %s", reward, member.pk, error)
        return error.code or "refused"
    return None


def _is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def birthday_rewards(day):
    """Each birthday member's gift, once a year, and a greeting.

    Points: the tier's birthday points, or else the programme's birthday
    behaviour reward. Reward: the tier's birthday reward, or else the default
    one (AutomationSettings.birthday_reward), given only to members of its
    minimum tier or higher; the others are counted as not eligible.
    """
    settings_row = AutomationSettings.current()
    gifts = {gift.tier_id: gift for gift in BirthdayGift.objects.select_related("reward")}
    members = _birthday_members(day, settings_row.birthday_timing).filter(status="active")
    counts = dict.fromkeys(("granted", "points", "greeted", "issued", "not_eligible", "refused"), 0)
    for ids in member_chunks(members):
        for member in Member.objects.filter(pk__in=ids).order_by("pk"):
            with transaction.atomic():
                member = lock_member(member)
                gift = gifts.get(member.tier_id)
                points = _birthday_points(member=member, gift=gift, day=day, counts=counts)
                reward = gift.reward if gift and gift.reward_id else settings_row.birthday_reward
                if reward is not None:
                    _birthday_reward(member=member, reward=reward, day=day, counts=counts)
                if settings_row.send_birthday_greetings:
                    counts["greeted"] += len(
                        queue_message(
                            member=member,
                            purpose=MessageTemplate.Purpose.BIRTHDAY,
                            context={"points": points},
                            dedup_key=f"birthday:{member.pk}:{day.year}",
                        )
                    )
    return {
        "members_gifted": counts["granted"],
        "points_given": counts["points"],
        "rewards_issued": counts["issued"],
        "rewards_not_eligible": counts["not_eligible"],
        "rewards_not_issued": counts["refused"],
        "messages_queued": counts["greeted"],
    }


def _birthday_points(*, member, gift, day, counts):
    """The member's birthday points this year (given now or by an earlier run)."""
    key = f"birthday:{member.pk}:{day.year}"
    already = LedgerEntry.objects.filter(idempotency_key=key).first()
    if already is not None:
        return already.points
    if gift is not None and gift.points:
        entry = grant_points(
            member=member,
            points=gift.points,
            kind=LedgerEntry.Kind.BEHAVIOUR_EARN,
            idempotency_key=key,
            reason=str(_("Birthday gift %(year)s") % {"year": day.year}),
        )
    else:
        # No points set for this tier: the programme's birthday reward.
        entry = grant_behaviour_points(
            member=member, action="birthday", idempotency_key=key, if_set_up=True
        )
    if entry is not None and entry.points:
        counts["granted"] += 1
        counts["points"] += entry.points
        return entry.points
    return 0


def _birthday_reward(*, member, reward, day, counts):
    key = f"birthday-reward:{member.pk}:{day.year}"
    if RewardRedemption.objects.filter(idempotency_key=key).exists():
        return  # given this year already, even if the tier's gift changed since
    refusal = _issue_free_reward(
        member=member,
        reward=reward,
        key=key,
        reason=str(_("Birthday gift %(year)s") % {"year": day.year}),
    )
    if refusal is None:
        counts["issued"] += 1
    elif refusal == STATE_NEEDS_TIER:
        counts["not_eligible"] += 1
    else:
        counts["refused"] += 1


def _lapsed_since(member) -> str:
    """The last purchase a wake-up or follow-up is about: one per lapse. A
    member who never bought here counts from the last purchase an import
    brought, if any."""
    if member.last_purchase_at:
        return str(member.last_purchase_at.date())
    return str(member.opening_last_purchase_on or "never")


def lifecycle_actions(day):
    """Wake-up offers for members who turned dormant; follow-ups for churned."""
    settings_row = AutomationSettings.current()
    woken = follow_ups = 0
    dormant = Member.objects.filter(stage_condition("dormant", today=day), status="active")
    for ids in member_chunks(dormant):
        for member in Member.objects.filter(pk__in=ids).order_by("pk"):
            key = f"wake-up:{member.pk}:{_lapsed_since(member)}"
            with transaction.atomic():
                if (
                    settings_row.wake_up_points
                    and not LedgerEntry.objects.filter(idempotency_key=key).exists()
                ):
                    member = lock_member(member)
                    grant_points(
                        member=member,
                        points=settings_row.wake_up_points,
                        kind=LedgerEntry.Kind.BEHAVIOUR_EARN,
                        idempotency_key=key,
                        reason=str(_("Wake-up offer")),
                    )
                    woken += 1
                if settings_row.wake_up_reward is not None:
                    _issue_free_reward(
                        member=member,
                        reward=settings_row.wake_up_reward,
                        key=f"{key}:reward",
                        reason=str(_("Wake-up offer")),
                    )
                if settings_row.send_wake_up_offers:
                    queue_message(
                        member=member,
                        purpose=MessageTemplate.Purpose.WAKE_UP,
                        context={"points": settings_row.wake_up_points},
                        dedup_key=key,
                    )
    churned = Member.objects.filter(stage_condition("churned", today=day), status="active")
    for ids in member_chunks(churned):
        members = Member.objects.filter(pk__in=ids)
        rows = [
            FollowUp(
                member=member,
                created_on=day,
                dedup_key=f"churn:{member.pk}:{_lapsed_since(member)}",
            )
            for member in members
        ]
        with transaction.atomic():
            before = FollowUp.objects.filter(member_id__in=ids).count()
            FollowUp.objects.bulk_create(rows, ignore_conflicts=True)
            follow_ups += FollowUp.objects.filter(member_id__in=ids).count() - before
    return {"wake_up_offers": woken, "follow_ups_added": follow_ups}


def send_messages(day):
    congratulated = recent_upgrade_messages()
    counts = send_due_messages()
    if congratulated:
        counts = {"upgrade_messages": congratulated, **counts}
    return counts


def dashboard_refresh(day):
    counts = refresh_dashboards(day=day)
    # Each shop day's settlement between stores, stored once it is over.
    counts["settlement_days"] = store_settlement_days(day=day)
    return counts


JOBS = {
    "tier_review": (tier_review, _("Tier review")),
    "points_expiry": (points_expiry, _("Points expiry")),
    "expiry_reminders": (expiry_reminders, _("Expiry reminders")),
    "birthday_rewards": (birthday_rewards, _("Birthday gifts")),
    "lifecycle_actions": (lifecycle_actions, _("Wake-up offers and follow-ups")),
    "tier_messages": (tier_messages, _("Tier messages")),
    "anniversary_gifts": (anniversary_gifts, _("Anniversary gifts")),
    "send_messages": (send_messages, _("Send messages")),
    "dashboard_refresh": (dashboard_refresh, _("Dashboard figures")),
}
# Jobs that must run again whenever called (the outbox drains many times a day).
REPEATABLE = {"send_messages"}


# What the figures a job stores in JobRun.summary are called on the Jobs page
# (a context: bare "sent" or "failed" mean other things in other catalogs).
SUMMARY_LABELS = {
    "due": pgettext_lazy("job summary", "review due today"),
    "next_review": pgettext_lazy("job summary", "no review today; next review on"),
    "graces_settled": pgettext_lazy("job summary", "graces ended and settled"),
    "enabled": pgettext_lazy("job summary", "reminders on"),
    "as_of": pgettext_lazy("job summary", "as of"),
    "chunks": pgettext_lazy("job summary", "chunks"),
    "members": pgettext_lazy("job summary", "members reviewed"),
    "upgraded": pgettext_lazy("job summary", "upgraded"),
    "grace_started": pgettext_lazy("job summary", "grace periods started"),
    "grace_cleared": pgettext_lazy("job summary", "grace periods cleared"),
    "downgraded": pgettext_lazy("job summary", "downgraded"),
    "moves": pgettext_lazy("job summary", "moves"),
    "points_expired": pgettext_lazy("job summary", "points expired"),
    "messages_queued": pgettext_lazy("job summary", "messages queued"),
    "members_gifted": pgettext_lazy("job summary", "members gifted"),
    "points_given": pgettext_lazy("job summary", "points given"),
    "rewards_issued": pgettext_lazy("job summary", "rewards issued"),
    "rewards_not_eligible": pgettext_lazy("job summary", "rewards not for their tier"),
    "rewards_not_issued": pgettext_lazy("job summary", "rewards not issued"),
    "wake_up_offers": pgettext_lazy("job summary", "wake-up offers"),
    "follow_ups_added": pgettext_lazy("job summary", "follow-ups added"),
    "upgrade_messages": pgettext_lazy("job summary", "upgrade messages"),
    "downgrade_notices": pgettext_lazy("job summary", "downgrade notices"),
    "keep_reminders": pgettext_lazy("job summary", "reminders of what keeps the tier"),
    "gift_set": pgettext_lazy("job summary", "anniversary gift set up"),
    "keep_review": pgettext_lazy("job summary", "reminders sent for the review on"),
    "sent": pgettext_lazy("job summary", "sent"),
    "retrying": pgettext_lazy("job summary", "retrying"),
    "failed": pgettext_lazy("job summary", "failed"),
    "snapshots": pgettext_lazy("job summary", "ranges computed"),
    "seconds": pgettext_lazy("job summary", "seconds"),
    "forgotten": pgettext_lazy("job summary", "ranges forgotten"),
}


def summary_lines(summary):
    """[(label, value)] for a stored summary, in the reader's language."""
    lines = []
    for key, value in (summary or {}).items():
        if key == "dry_run" or (key == "due" and "next_review" in summary):
            continue  # "next review on" says it instead of "review due today: no"
        if isinstance(value, bool):
            value = pgettext("job summary", "yes") if value else pgettext("job summary", "no")
        elif isinstance(value, dict):
            value = ", ".join(f"{name} {count}" for name, count in value.items()) or "–"
        lines.append((SUMMARY_LABELS.get(key, key), value))
    return lines


class JobBusy(LoyaltyError):
    """The job is already running for that day, and alive."""


def _claim_run(job, day):
    """The day's JobRun, locked and marked running by this call; or the run
    as it is when there is nothing to do (done, and not a repeatable job).
    JobBusy when another run of it is alive: two workers (a redelivered
    task, Run now twice) never run one job at once."""
    now = timezone.now()
    with transaction.atomic():
        run, created = locks.lock_or_create_job(
            JobRun.objects,
            job=job,
            run_for=day,
            defaults={"status": JobRun.Status.RUNNING, "started_at": now, "heartbeat_at": now},
        )
        if not created:
            if run.status == JobRun.Status.DONE and job not in REPEATABLE:
                return run, False
            if run.status == JobRun.Status.RUNNING and not run_is_interrupted(run, now=now):
                raise JobBusy(
                    _("%(job)s is already running; its summary appears here when it is done.")
                    % {"job": JOBS[job][1]},
                    code="job_busy",
                )
        run.status, run.started_at, run.heartbeat_at = JobRun.Status.RUNNING, now, now
        run.attempts += 1
        run.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])
    return run, True


def run_is_interrupted(run, *, now=None) -> bool:
    """A run marked running that has shown no sign of life for the heartbeat
    timeout: its worker or the database died, or its failure was not written."""
    return run.status == JobRun.Status.RUNNING and heartbeat.is_silent(
        run.heartbeat_at, run.started_at, now=now
    )


def run_job(*, job, day):
    """Run `job` for the shop day `day` and record the outcome.

    A job already done for that day is not run again (its JobRun is returned);
    a failed or interrupted one is run again; one running elsewhere, alive,
    raises JobBusy. The job's own keys make a half-finished run safe to repeat.
    """
    function, _label = JOBS[job]
    try:
        run, claimed = _claim_run(job, day)
    except IntegrityError:
        run, claimed = _claim_run(job, day)  # created meanwhile by another worker
    if not claimed:
        return run
    try:
        with heartbeat.pulse(JobRun, run.pk), shop_settings_scope():
            summary = function(day)
    except Exception as error:
        # Recorded for the jobs page, then re-raised so Celery retries it.
        run.status, run.error, run.finished_at = JobRun.Status.FAILED, repr(error), timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        logger.exception("job %s for %s failed", job, day)
        raise
    run.status, run.summary, run.error = JobRun.Status.DONE, summary, ""
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "summary", "error", "finished_at"])
    logger.info("job %s for %s: %s", job, day, summary)
    return run
