"""The dashboard's reads of the member table: one pass grouped by tier for
the pyramid, the tier table and the lifecycle stages, and the members in each
lifecycle stage today."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode

from members.models import LifecycleRules, Member
from members.selectors import STAGES, stage_condition
from reports.periods import Period


def member_counts(*, period: "Period", today=None, store=None) -> dict:
    """{tier id: {"members", "now", "before", and one count per lifecycle
    stage}}: what tier_distribution, tier_performance and lifecycle_counts
    need from the member table, in one pass grouped by tier. The view
    computes it once and hands it to all three (each scanned the million
    members on its own before). With a store: the members whose home store
    it is."""
    rules = LifecycleRules.current()
    members = Member.objects.filter(home_store=store) if store else Member.objects.all()
    rows = (
        members.order_by()
        .values("tier")
        .annotate(
            members=Count("id"),
            now=Count("id", filter=Q(joined_on__lte=period.end)),
            before=Count("id", filter=Q(joined_on__lte=period.previous.end)),
            **{stage: Count("id", filter=stage_condition(stage, today, rules)) for stage in STAGES},
        )
    )
    return {row.pop("tier"): row for row in rows}


# ---------------------------------------------------------------- lifecycle


@dataclass
class StageCount:
    stage: str
    label: str
    members: int
    url: str


def lifecycle_counts(*, tier=None, today=None, counts=None, store=None) -> list[StageCount]:
    """Members in each lifecycle stage today, each with a link to the member
    list filtered the same way (so the count and the list agree).
    `counts`: member_counts() for the same day (and store), when the caller
    has it; `store`: the members whose home store it is (the links filter
    the list by home store too)."""
    if counts is not None:
        rows = [counts.get(tier.pk, {})] if tier else list(counts.values())
        counts = {stage: sum(row.get(stage, 0) for row in rows) for stage in STAGES}
    else:
        members = Member.objects.all()
        if store:
            members = members.filter(home_store=store)
        if tier:
            members = members.filter(tier=tier)
        rules = LifecycleRules.current()
        counts = members.aggregate(
            **{stage: Count("id", filter=stage_condition(stage, today, rules)) for stage in STAGES}
        )
    base = reverse("members:list")
    result = []
    for stage, label in STAGES.items():
        query = {"stage": stage, **({"tier": tier.pk} if tier else {})}
        if store:
            query["home_store"] = store.pk
        url = f"{base}?{urlencode(query)}"
        result.append(StageCount(stage, label, counts[stage], url))
    return result
