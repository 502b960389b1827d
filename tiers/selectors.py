"""Reads of the ladder shared by the tier pages, the member page and the counter."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal

from django.db.models import Count
from django.utils.translation import gettext as _

from config.clock import shop_today
from config.money import round_money
from tiers import rules
from tiers.models import Tier, TierChange, TierProgramme
from tiers.progress import gap_amounts, keep_thresholds
from tiers.services import pinned_floors


def ladder_with_counts():
    """Every tier with how many members hold it, in rank order."""
    return Tier.objects.annotate(member_count=Count("members")).order_by("rank")


def tier_history(member, *, limit=20):
    return list(
        TierChange.objects.filter(member=member)
        .select_related("from_tier", "to_tier", "by")
        .order_by("-at", "-id")[:limit]
    )


# Progress to the next tier, in plain words ------------------------------


# The preview: members per tier under proposed rules -----------------------


@dataclass
class TierShare:
    tier: Tier
    band: str
    today: int = 0
    today_revenue: Decimal = Decimal(0)
    current_rules: int = 0
    proposed: int = 0
    proposed_revenue: Decimal = Decimal(0)
    suggested_spend: Decimal | None = None
    total: int = 0
    revenue_total: Decimal = Decimal(0)

    def share(self, count):
        return Decimal(100) * count / self.total if self.total else Decimal(0)

    @property
    def today_share(self):
        return self.share(self.today)

    @property
    def proposed_share(self):
        return self.share(self.proposed)

    @property
    def current_rules_share(self):
        return self.share(self.current_rules)

    @property
    def today_revenue_share(self):
        if not self.revenue_total:
            return Decimal(0)
        return Decimal(100) * self.today_revenue / self.revenue_total

    @property
    def proposed_revenue_share(self):
        if not self.revenue_total:
            return Decimal(0)
        return Decimal(100) * self.proposed_revenue / self.revenue_total


def _band(index, count):
    if index == count - 1 and count > 1:
        return "top"
    return "base" if index == 0 else "middle"


def _by_rank(spread):
    """{rank qualified for: (members, window spend)}."""
    totals = {}
    for _tier_id, rank, n, spend in spread:
        count, money = totals.get(rank, (0, Decimal(0)))
        totals[rank] = (count + n, money + spend)
    return totals


def _by_tier(spread):
    """{tier held: (members, window spend)}."""
    totals = {}
    for tier_id, _rank, n, spend in spread:
        count, money = totals.get(tier_id, (0, Decimal(0)))
        totals[tier_id] = (count + n, money + spend)
    return totals


def _nice(amount):
    """Round a suggested threshold up to two significant figures (3,170 -> 3,200)."""
    if amount <= 0:
        return Decimal(0)
    step = Decimal(10) ** max(amount.adjusted() - 1, 0)
    return (amount / step).to_integral_value(rounding=ROUND_CEILING) * step


def suggested_spend_thresholds(ladder, window, programme, *, total):
    """{rank: window spend} that would put each tier at the middle of its band.

    Read from the members' actual spend in the window: the top tier starts at
    the spend of the member at the top band's mid share, the middle tiers share
    the middle band evenly below it.
    """
    ladder = sorted(ladder, key=lambda t: t.rank)
    if len(ladder) < 2 or not total:
        return {}
    bands = programme.bands()
    top_share = (bands["top"][0] + bands["top"][1]) / 2
    middle = ladder[1:-1]
    middle_share = (bands["middle"][0] + bands["middle"][1]) / 2 / max(len(middle), 1)
    positions, cumulative = {}, Decimal(0)
    for tier in reversed(ladder[1:]):
        cumulative += top_share if tier is ladder[-1] else middle_share
        position = min(int(total * cumulative / 100), total)
        positions[tier.rank] = max(position - 1, 0)
    spend = rules.window_spend_ranked(window=window, positions=set(positions.values()))
    suggestions = {rank: _nice(spend[position]) for rank, position in positions.items()}
    # Keep them strictly rising up the ladder.
    floor = Decimal(0)
    for tier in ladder[1:]:
        if suggestions[tier.rank] <= floor:
            suggestions[tier.rank] = floor + 1
        floor = suggestions[tier.rank]
    return suggestions


@dataclass
class Preview:
    rows: list
    total: int
    revenue_total: Decimal
    warnings: list
    window: object
    suggestions: dict


def ladder_preview(proposed, *, as_of=None) -> Preview:
    """Members per tier today, if all sat where the current rules put them,
    and where `proposed` (unsaved tiers allowed) would put them; the share of
    revenue each tier holds; warnings when a band leaves the target pyramid."""
    programme = TierProgramme.current()
    window = rules.window_for(as_of or shop_today(), programme)
    proposed = sorted((t for t in proposed if t.is_active), key=lambda t: t.rank)
    current = list(Tier.objects.active().order_by("rank"))
    spread = rules.member_spread(ladder=proposed, programme=programme, window=window)
    today, new = _by_tier(spread), _by_rank(spread)
    same = [(t.pk, t.rank) for t in current] == [(t.pk, t.rank) for t in proposed] and all(
        a.qualification() == b.qualification() for a, b in zip(current, proposed, strict=True)
    )
    now = (
        new
        if same
        else _by_rank(rules.member_spread(ladder=current, programme=programme, window=window))
    )
    total = sum(n for n, _r in today.values())
    revenue_total = sum((r for _n, r in today.values()), Decimal(0))
    suggestions = suggested_spend_thresholds(proposed, window, programme, total=total)
    rows = []
    for index, tier in enumerate(proposed):
        n_today, r_today = today.get(tier.pk, (0, Decimal(0))) if tier.pk else (0, Decimal(0))
        n_new, r_new = new.get(tier.rank, (0, Decimal(0)))
        rows.append(
            TierShare(
                tier=tier,
                band=_band(index, len(proposed)),
                today=n_today,
                today_revenue=r_today,
                current_rules=now.get(tier.rank, (0, 0))[0],
                proposed=n_new,
                proposed_revenue=r_new,
                suggested_spend=suggestions.get(tier.rank),
                total=total,
                revenue_total=revenue_total,
            )
        )
    return Preview(
        rows=rows,
        total=total,
        revenue_total=revenue_total,
        warnings=pyramid_warnings(rows, programme) if total else [],
        window=window,
        suggestions=suggestions,
    )


def pyramid_warnings(rows, programme):
    """Plain sentences for each band outside the target under the proposal."""
    labels = {
        "top": _("The top tier"),
        "middle": _("The middle tiers"),
        "base": _("The entry tier"),
    }
    shares = {}
    for row in rows:
        shares[row.band] = shares.get(row.band, Decimal(0)) + row.proposed_share
    warnings = []
    for band, (low, high) in programme.bands().items():
        if band not in shares:
            continue
        share = shares[band].quantize(Decimal("0.1"))
        if not low <= share <= high:
            warnings.append(
                _("%(band)s would hold %(share)s%% of members; the target is %(low)s-%(high)s%%.")
                % {
                    "band": labels[band],
                    "share": share,
                    "low": f"{low.normalize():f}",
                    "high": f"{high.normalize():f}",
                }
            )
    return warnings


# Members about to lose their tier ----------------------------------------


@dataclass(frozen=True)
class KeepShortfall:
    """A member who would lose their tier on their figures now: what keeps it
    (gap_amounts, any one of which suffices)."""

    member_id: int
    tier: Tier
    gaps: dict


def _row_figures(row) -> dict:
    figures = {}
    for criterion in rules.CRITERIA:
        value = row.get(f"f_{criterion}")
        if value is not None:
            money = criterion.endswith("spend")
            # SQLite sums money as a float: back to whole cents.
            figures[criterion] = round_money(Decimal(str(value))) if money else int(value)
    return figures


def keep_shortfalls(*, last_day, lo, hi, grace_until=None, ladder=None, programme=None):
    """[KeepShortfall] for members lo <= id < hi who, on their figures up to
    the end of `last_day`, meet neither their tier's retention thresholds nor
    its qualification, have a lower tier to drop to (no pin set by hand
    holds them) and qualify for nothing higher: what the review or the grace
    end after `last_day` would take their tier from.

    With `grace_until` only members whose grace period ends that day; else
    only members not in a grace period (the next review would start one).
    One query per call, as the review's own (rules.standing_rows).
    """
    ladder = ladder if ladder is not None else list(Tier.objects.active().order_by("rank"))
    if not ladder:
        return []
    programme = programme or TierProgramme.current()
    rows = rules.standing_rows(
        ladder=ladder,
        programme=programme,
        window=rules.window_for(last_day, programme),
        lo=lo,
        hi=hi,
    )
    by_rank = {tier.rank: tier for tier in ladder}
    candidates = []
    for row in rows:
        rank = row["tier__rank"]
        if row["keeps"] or row["q_rank"] > rank or row["drop_rank"] >= rank:
            continue
        if row["tier_grace_until"] != grace_until:
            continue
        candidates.append(row)
    floors = pinned_floors([row["pk"] for row in candidates], last_day + timedelta(days=1))
    shortfalls = []
    for row in candidates:
        tier = by_rank[row["tier__rank"]]
        if (floors.get(row["pk"]) or 0) >= tier.rank:
            continue  # pinned here by hand
        gaps = gap_amounts(keep_thresholds(tier), _row_figures(row))
        if gaps:
            shortfalls.append(KeepShortfall(member_id=row["pk"], tier=tier, gaps=gaps))
    return shortfalls


def tier_benefits(tier) -> str:
    """What `tier` gives, in the active language: its discount, its points
    multiplier and the benefits the owner wrote ("5% off; ×1.5 points; free
    gift wrapping")."""
    parts = []
    if tier.retail_discount > 0:
        parts.append(_("%(discount)s your purchases") % {"discount": tier.retail_discount_label})
    if tier.points_multiplier != 1:
        multiplier = f"{tier.points_multiplier.normalize():f}"
        parts.append(_("×%(multiplier)s points on every purchase") % {"multiplier": multiplier})
    if tier.benefits.strip():
        parts.append(" ".join(tier.benefits.split()))
    return _("; ").join(parts) if parts else _("the benefits of %(tier)s") % {"tier": tier}
