"""Reads for the jobs page, the follow-up list and the birthday gifts page."""

from automation.jobs import JOBS, run_is_interrupted, summary_lines
from members.models import AutomationSettings, BirthdayGift, FollowUp, JobRun
from stores.selectors import active_stores, has_many_stores, stores_for, visible_store_ids
from tiers.models import Tier

# The follow-up list's store filter value for members of no home store.
NO_HOME_STORE = "none"


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


def follows_up(user, home_store_id) -> bool:
    """Whether `user` calls the members whose home store is `home_store_id`:
    owners (and staff of every store) all of them; store managers and staff
    of some stores their stores' members only. A member of no home store is
    called by those who see every store: no store's staff, so not everyone's
    (two stores calling the same member)."""
    stores = visible_store_ids(user)
    return stores is None or home_store_id in stores


def follow_up_list(*, user, store=None):
    """The follow-ups still to do that `user` sees (follows_up's rule as a
    query). `store`: only the members whose home store it is (a Store), or
    NO_HOME_STORE for the members of none."""
    follow_ups = FollowUp.objects.filter(done_at__isnull=True).select_related(
        "member", "member__tier", "member__home_store"
    )
    stores = visible_store_ids(user)
    if stores is not None:
        follow_ups = follow_ups.filter(member__home_store__in=stores)
    if store == NO_HOME_STORE:
        follow_ups = follow_ups.filter(member__home_store__isnull=True)
    elif store is not None:
        follow_ups = follow_ups.filter(member__home_store=store)
    return follow_ups


def follow_up_stores(user):
    """What the follow-up list's store filter offers `user`: (stores, whether
    to offer "no home store"). Nothing in a single shop, nor to someone who
    sees one store only."""
    if not has_many_stores():
        return [], False
    everywhere = visible_store_ids(user) is None
    stores = list(active_stores() if everywhere else stores_for(user))
    if len(stores) < 2 and not everywhere:
        return [], False
    return stores, everywhere


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
