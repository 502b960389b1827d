"""Tier-event messages: congratulations on an upgrade, what keeps a tier a
few days before a review or a grace end, and a downgrade notice with what
brings the tier back.

The tier engine (tiers.services, at a sale and at the review) knows nothing
of messages: automation sits above it. This job reads what the engine wrote
instead, the TierChange history of the last few days, and the members the
next review or grace end would move down (tiers.selectors.keep_shortfalls).
Each message is queued once per member and event through the outbox
(queue_message's dedup key: the TierChange row, or the member with the
review day or grace end), so a job run twice, or a change seen by two runs,
sends once; the member's consent is checked there, and the texts are the
owner's templates in the member's language, with {link} to their page.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from automation.messaging import member_language, queue_message
from config import heartbeat
from config.clock import shop_day_start
from members.models import AutomationSettings, JobRun, Member, MessageTemplate, OutboundMessage
from tiers.grace import next_review_day
from tiers.models import Tier, TierChange, TierProgramme
from tiers.progress import gap_amounts, gap_phrases, member_figures
from tiers.selectors import keep_shortfalls, tier_benefits
from tiers.services import member_id_ranges

Purpose = MessageTemplate.Purpose
# How far back the history is read: a day or two the job did not run is
# still told; the dedup keys keep each change to one message.
LOOKBACK_DAYS = 3
CHUNK = 500
# The outbox run (every 10 minutes) congratulates the upgrades a sale made
# within this much time, so the member hears of it while still in the shop;
# the daily job catches whatever it missed.
RECENT = timedelta(minutes=30)


def tier_messages(day):
    """The tier-event messages of the shop day `day` (see the module)."""
    settings_row = AutomationSettings.current()
    counts = {"upgrade_messages": 0, "downgrade_notices": 0, "keep_reminders": 0}
    ladder = list(Tier.objects.active().order_by("rank"))
    programme = TierProgramme.current()
    kinds = []
    if settings_row.send_tier_upgrade_messages:
        kinds.append(TierChange.Kind.UPGRADE)
    if settings_row.send_tier_downgrade_notices:
        kinds.append(TierChange.Kind.DOWNGRADE)
    if kinds:
        _tier_changes(day, kinds=kinds, ladder=ladder, programme=programme, counts=counts)
    if settings_row.send_tier_keep_reminders and ladder:
        lead = settings_row.tier_keep_reminder_days
        review = _review_reminders(day, lead=lead, ladder=ladder, programme=programme)
        if review is not None:
            counts["keep_reminders"] += review[1]
            counts["keep_review"] = review[0].isoformat()
        counts["keep_reminders"] += _grace_reminders(
            day, lead=lead, ladder=ladder, programme=programme
        )
    return counts


def _sentence(text):
    return text[:1].upper() + text[1:]


def _options(gaps):
    return _(" or ").join(gap_phrases(gaps))


def recent_upgrade_messages(*, now=None):
    """Congratulate the upgrades of the last RECENT minutes (a sale's, at
    once); the outbox run calls it. Returns the number of messages queued."""
    if not AutomationSettings.current().send_tier_upgrade_messages:
        return 0
    now = now or timezone.now()
    counts = {"upgrade_messages": 0}
    _tier_changes(
        None,
        kinds=[TierChange.Kind.UPGRADE],
        ladder=None,
        programme=None,
        counts=counts,
        between=(now - RECENT, now),
    )
    return counts["upgrade_messages"]


# Upgrades and downgrades, from the history --------------------------------


def _tier_changes(day, *, kinds, ladder, programme, counts, between=None):
    if between is None:
        between = (
            shop_day_start(day - timedelta(days=LOOKBACK_DAYS)),
            shop_day_start(day + timedelta(days=1)),
        )
    changes = TierChange.objects.filter(
        kind__in=kinds,
        at__gte=between[0],
        at__lt=between[1],
        member__status=Member.Status.ACTIVE,
        member__messages_opt_out=False,
    )
    last = 0
    while True:
        heartbeat.beat()
        batch = list(
            changes.filter(pk__gt=last)
            .select_related("member", "from_tier", "to_tier")
            .order_by("pk")[:CHUNK]
        )
        if not batch:
            return
        last = batch[-1].pk
        with transaction.atomic():
            for change in batch:
                if change.member.tier_id != change.to_tier_id:
                    continue  # moved again since: only the tier they hold is told
                if change.kind == TierChange.Kind.UPGRADE:
                    counts["upgrade_messages"] += len(_upgrade_message(change))
                else:
                    counts["downgrade_notices"] += len(
                        _downgrade_notice(change, day=day, ladder=ladder, programme=programme)
                    )


def _upgrade_message(change):
    member = change.member
    with translation.override(member_language(member)):
        context = {
            "tier": change.to_tier.display_name,
            "old_tier": change.from_tier.display_name if change.from_tier else "",
            "benefits": tier_benefits(change.to_tier),
        }
    return queue_message(
        member=member,
        purpose=Purpose.TIER_UPGRADE,
        context=context,
        dedup_key=f"tier-upgrade:{change.pk}",
    )


def _downgrade_notice(change, *, day, ladder, programme):
    """The notice, with what qualifies the member for the tier they lost
    again (on their figures of `day`)."""
    member, lost = change.member, change.from_tier
    if lost is None:
        return []
    figures, _window = member_figures(member, as_of=day, ladder=ladder, programme=programme)
    with translation.override(member_language(member)):
        gaps = gap_amounts(lost.qualification(), figures)
        options = _options(gaps) if gaps else _("keep shopping with us")
        context = {
            "tier": change.to_tier.display_name,
            "old_tier": lost.display_name,
            "options": _sentence(options),
        }
    return queue_message(
        member=member,
        purpose=Purpose.TIER_DOWNGRADE,
        context=context,
        dedup_key=f"tier-downgrade:{change.pk}",
    )


# What keeps the tier, before a review or a grace end ----------------------


def _keep_message(member, shortfall, *, last_day, key):
    with translation.override(member_language(member)):
        context = {
            "tier": shortfall.tier.display_name,
            "options": _options(shortfall.gaps),
            "date": last_day.isoformat(),
        }
    return queue_message(member=member, purpose=Purpose.TIER_KEEP, context=context, dedup_key=key)


def _queue_keep_messages(shortfalls, *, last_day, key_day, only=None):
    wanted = [s for s in shortfalls if only is None or s.member_id in only]
    members = Member.objects.filter(
        pk__in=[s.member_id for s in wanted],
        status=Member.Status.ACTIVE,
        messages_opt_out=False,
    ).in_bulk()
    queued = 0
    with transaction.atomic():
        for shortfall in wanted:
            member = members.get(shortfall.member_id)
            if member is not None and member.tier_id == shortfall.tier.pk:
                key = f"tier-keep:{member.pk}:{key_day.isoformat()}"
                queued += len(_keep_message(member, shortfall, last_day=last_day, key=key))
    return queued


def _review_reminders(day, *, lead, ladder, programme):
    """(review day, messages queued) when the next review is within `lead`
    days and its reminders were not sent yet; else None. Members are
    counted on their figures up to the day before the review, as the review
    counts them, so the message names that day."""
    review = next_review_day(day + timedelta(days=1), programme)
    if (review - day).days > lead:
        return None
    done = JobRun.objects.filter(
        job="tier_messages", status=JobRun.Status.DONE, summary__keep_review=review.isoformat()
    )
    if done.exists():
        return None  # told on an earlier day: once per member and review
    last_day = review - timedelta(days=1)
    queued = 0
    for lo, hi in member_id_ranges():
        heartbeat.beat()
        shortfalls = keep_shortfalls(
            last_day=last_day, lo=lo, hi=hi, ladder=ladder, programme=programme
        )
        queued += _queue_keep_messages(shortfalls, last_day=last_day, key_day=review)
    return review, queued


def _grace_reminders(day, *, lead, ladder, programme):
    """Members whose grace ends within `lead` days, still short: told once
    per grace end (members told in the last `lead` days are not read again)."""
    told = OutboundMessage.objects.filter(
        member=OuterRef("pk"),
        purpose=Purpose.TIER_KEEP,
        created_at__gte=shop_day_start(day - timedelta(days=lead)),
    )
    in_grace = Member.objects.filter(
        tier_grace_until__gt=day,
        tier_grace_until__lte=day + timedelta(days=lead),
        status=Member.Status.ACTIVE,
        messages_opt_out=False,
        tier__is_active=True,
    ).exclude(Exists(told))
    ends = sorted(set(in_grace.values_list("tier_grace_until", flat=True)))
    queued = 0
    for grace_end in ends:
        ids = list(
            in_grace.filter(tier_grace_until=grace_end).order_by("pk").values_list("pk", flat=True)
        )
        for start in range(0, len(ids), CHUNK):
            heartbeat.beat()
            chunk = ids[start : start + CHUNK]
            shortfalls = keep_shortfalls(
                last_day=grace_end,
                lo=chunk[0],
                hi=chunk[-1] + 1,
                grace_until=grace_end,
                ladder=ladder,
                programme=programme,
            )
            queued += _queue_keep_messages(
                shortfalls, last_day=grace_end, key_day=grace_end, only=set(chunk)
            )
    return queued
