"""Reads for the jobs page, the follow-up list and the birthday gifts page."""

from automation.jobs import JOBS, run_is_interrupted, summary_lines
from members.models import AutomationSettings, BirthdayGift, FollowUp, JobRun
from tiers.models import Tier


def job_overview():
    """Each nightly job with its latest run (one query for all of them)."""
    latest = {}
    for run in JobRun.objects.order_by("job", "-run_for", "-started_at").distinct():
        latest.setdefault(run.job, run)
    return [
        {
            "name": name,
            "label": label,
            "last_run": latest.get(name),
            "interrupted": name in latest and run_is_interrupted(latest[name]),
            "summary": summary_lines(latest[name].summary) if name in latest else [],
        }
        for name, (_function, label) in JOBS.items()
    ]


def follow_up_list():
    return FollowUp.objects.filter(done_at__isnull=True).select_related("member", "member__tier")


def birthday_settings():
    """What the birthday gifts page edits: the active tiers (lowest first),
    the automation settings row and each tier's gift {tier id: BirthdayGift}."""
    tiers = list(Tier.objects.active().order_by("rank"))
    gifts = {gift.tier_id: gift for gift in BirthdayGift.objects.select_related("reward__min_tier")}
    settings_row = AutomationSettings.current()
    return {"tiers": tiers, "settings_row": settings_row, "gifts": gifts}


def tiers_without_birthday_reward(*, tiers, settings_row, gifts):
    """The tiers whose members get no birthday reward although a default one
    is set: it is kept for a higher tier and their tier names none of its own."""
    default = settings_row.birthday_reward
    if default is None:
        return []
    return [
        tier
        for tier in tiers
        if not (gifts.get(tier.pk) and gifts[tier.pk].reward_id) and not default.open_to(tier)
    ]
