"""The owner's rules as a sale reads them, kept in memory between requests.

They change a few times a year, so each process keeps one copy, the
Rulebook, and reuses it while the rules' version token
(config.rules_version) says they have not changed since. So a change is
seen by the first sale that starts after it commits, in every process,
exactly as when each sale read the rows itself.

It lives here, in the highest of the apps whose rows it holds (points'
rules, the tier ladder, the lifecycle day counts, the campaigns and the
saved segments they aim at), so it imports only downward; the sale gets it
passed down (see loyalty.sale).

The Rulebook's objects are shared by every request of the process: read
them, never change or save them (its only memo, the segments' querysets,
is filled by segment_members and only ever filtered, never evaluated).
"""

from dataclasses import dataclass, field
from datetime import date

from campaigns.models import Campaign, CampaignSettings
from config.rules_version import rules_version
from members.models import LifecycleRules
from points.models import ProgrammeRules
from segments.selectors import segment_members
from tiers.models import Tier, TierProgramme


@dataclass(frozen=True)
class Rulebook:
    version: str | None
    programme: object  # points.ProgrammeRules
    tiers: dict  # every tier by id: a member may still hold an inactive one
    ladder: list  # the active tiers by rank
    tier_programme: object  # tiers.TierProgramme
    lifecycle: object  # members.LifecycleRules
    stacking: str  # campaigns.CampaignSettings.stacking
    campaigns: list = field(default_factory=list)  # active ones, tiers prefetched, by priority
    # (segment id, day) -> the queryset of the members the segment keeps that day.
    segment_querysets: dict = field(default_factory=dict, compare=False, repr=False)

    def campaigns_on(self, day: date) -> list:
        """Active campaigns whose window holds `day` and whose schedule picks
        it, highest priority first."""
        return [campaign for campaign in self.campaigns if campaign.runs_on(day)]

    def segment_members(self, segment, day: date):
        """The members the saved `segment` keeps on `day`, as a queryset to
        filter (never evaluate it: the copy is shared). Built once per day:
        building reads the tiers and tags its criteria name, which a sale
        should not pay for; a change of the segment changes the version.
        Its stage filter reads this copy's lifecycle rules (reading writes
        nothing)."""
        key = (segment.pk, day)
        queryset = self.segment_querysets.get(key)
        if queryset is None:
            if len(self.segment_querysets) > 100:
                self.segment_querysets.clear()  # old days
            queryset = segment_members(segment.criteria, today=day, lifecycle_rules=self.lifecycle)
            self.segment_querysets[key] = queryset
        return queryset


_UNREAD = object()
_copy: Rulebook | None = None


def current_rulebook(version=_UNREAD) -> Rulebook:
    """The rules now. `version`: the token the caller has just read with a
    query of its own (None: no token yet); read here when not given."""
    global _copy
    if version is _UNREAD:
        version = rules_version()
    copy = _copy
    if version is not None and copy is not None and copy.version == version:
        return copy
    book = _load(version)
    # Kept only when no change committed while it loaded: then every row
    # above belongs to `version` (tokens never come back, see RulesVersion).
    if version is not None and rules_version() == version:
        _copy = book
    return book


def forget_rulebook():
    """Drop this process's copy (the next reader loads the rules again)."""
    global _copy
    _copy = None


def _load(version) -> Rulebook:
    tiers = {tier.pk: tier for tier in Tier.objects.order_by("rank", "id")}
    campaigns = (
        Campaign.objects.filter(is_active=True)
        .select_related("saved_segment")
        .prefetch_related("tiers", "stores")
        .order_by("-priority", "id")
    )
    return Rulebook(
        version=version,
        programme=_row(ProgrammeRules),
        tiers=tiers,
        ladder=[tier for tier in tiers.values() if tier.is_active],
        tier_programme=_row(TierProgramme),
        lifecycle=_row(LifecycleRules),
        stacking=_row(CampaignSettings).stacking,
        campaigns=list(campaigns),
    )


def _row(model):
    """A one-row settings model's row, or its defaults while it has none
    (reading never writes: a write would change the version being loaded)."""
    return model.objects.filter(pk=1).first() or model(pk=1)
