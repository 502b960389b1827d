"""A member's progress on the ladder: the highest tier their figures reach,
the smallest step to the next, what keeps their tier, in plain words (the
member page, the counter card, the member's phone, messages)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.clock import shop_today
from config.money import format_money
from tiers import rules
from tiers.models import Tier, TierProgramme


@dataclass
class Progress:
    """What a member needs for the next tier, or to keep theirs in grace."""

    tier: Tier
    qualifies_for: Tier | None = None  # the highest tier above theirs the figures reach
    next_tier: Tier | None = None  # the tier above that: what `options` reach
    options: list = field(default_factory=list)  # plain phrases, any one suffices
    deadline: object = None
    keeping: bool = False  # in grace: the options keep the current tier
    sentence: str = ""


def _gap_phrase(criterion, gap):
    if criterion in ("lifetime_spend", "window_spend"):
        return _("spend %(amount)s more") % {"amount": format_money(gap)}
    if criterion == "window_purchases":
        return ngettext("make %(n)s more purchase", "make %(n)s more purchases", gap) % {"n": gap}
    if criterion == "referred_buyers":
        return ngettext(
            "refer %(n)s more member who buys", "refer %(n)s more members who buy", gap
        ) % {"n": gap}
    return ngettext("earn %(n)s more point", "earn %(n)s more points", gap) % {"n": gap}


def _gaps(thresholds, figures):
    """Phrases for what is missing, any one of which suffices; [] when met."""
    return gap_phrases(gap_amounts(thresholds, figures))


def gap_amounts(thresholds, figures) -> dict:
    """{"spend" or criterion: what is missing} for `thresholds` ({criterion:
    threshold}), any one of which suffices; {} when one is met already.

    A new sale raises lifetime and window spend alike, so only the smaller
    spend gap is named.
    """
    gaps = {}
    for criterion, threshold in thresholds.items():
        gap = threshold - (figures.get(criterion) or 0)
        if gap <= 0:
            return {}
        key = "spend" if criterion.endswith("spend") else criterion
        gaps[key] = min(gap, gaps.get(key, gap))
    return gaps


def gap_phrases(gaps) -> list:
    """The gap_amounts in words, in the active language."""
    phrases = []
    for key, gap in gaps.items():
        criterion = "window_spend" if key == "spend" else key
        phrases.append(_gap_phrase(criterion, gap if key == "spend" else int(gap)))
    return phrases


def _easiest(*threshold_sets):
    """Merge {criterion: threshold} sets keeping the lowest bar per criterion."""
    merged = {}
    for thresholds in threshold_sets:
        for criterion, value in thresholds.items():
            merged[criterion] = min(value, merged.get(criterion, value))
    return merged


def keep_thresholds(tier) -> dict:
    """What keeps `tier` at a review or a grace end: its retention
    thresholds or qualifying for it again, the lower bar of each."""
    return _easiest(tier.retention(), tier.qualification())


def member_figures(member, *, as_of=None, ladder=None, programme=None):
    """{criterion: value} for one member, as the engine sees them (its own
    query: no ORM expressions to compile on every member card)."""
    ladder = ladder if ladder is not None else list(Tier.objects.active())
    window = rules.window_for(as_of or shop_today(), programme)
    criteria = rules.criteria_used(ladder)
    return rules.figures_of_member(member_id=member.pk, window=window, criteria=criteria), window


def tier_progress(member, *, as_of=None, rulebook=None) -> Progress:
    """Progress in plain words: "Spend NT$320 more or make 2 more purchases to
    reach Gold", or, in grace, what keeps the tier by the grace end.
    `rulebook`: the ladder and tier programme already read (campaigns.rulebook)."""
    if rulebook is None:
        ladder, programme = list(Tier.objects.active().order_by("rank")), None
    else:
        ladder, programme = rulebook.ladder, rulebook.tier_programme
    if not ladder:
        return Progress(tier=member.tier)
    programme = programme or TierProgramme.current()
    day = _figures_day(member, as_of or shop_today())
    figures, window = member_figures(member, as_of=day, ladder=ladder, programme=programme)
    return _progress(member, ladder, programme, figures, window)


def _figures_day(member, today):
    """The last day of the window a member's progress reads: in grace, the
    window the grace is settled on, the one ending with its last day (older
    sales will have left it by then); else `today`'s."""
    if member.tier_grace_until and member.tier_grace_until > today:
        return member.tier_grace_until
    return today


class ProgressBook:
    """tier_progress for many members (a chunk of a message to a segment):
    the ladder and the programme read once, the figures in one query per
    window (today's, and one per grace end among them), the sentences then
    made in Python, in the language active when `progress` is asked."""

    def __init__(self, members, *, as_of=None):
        self.ladder = list(Tier.objects.active().order_by("rank"))
        self.figures = {}
        if not self.ladder:
            return
        self.programme = TierProgramme.current()
        self.qualifier = rules.Qualifier(self.ladder)
        today = as_of or shop_today()
        by_day = {}
        for member in members:
            by_day.setdefault(_figures_day(member, today), []).append(member.pk)
        criteria = rules.criteria_used(self.ladder)
        for day, member_ids in by_day.items():
            window = rules.window_for(day, self.programme)
            found = rules.figures_of_members(
                member_ids=member_ids, window=window, criteria=criteria
            )
            for member_id, figures in found.items():
                self.figures[member_id] = (figures, window)

    def progress(self, member) -> Progress:
        if not self.ladder:
            return Progress(tier=member.tier)
        figures, window = self.figures[member.pk]
        return _progress(
            member, self.ladder, self.programme, figures, window, qualifier=self.qualifier
        )


def _progress(member, ladder, programme, figures, window, *, qualifier=None) -> Progress:
    """The sentence from the figures already read (tier_progress, ProgressBook);
    `qualifier`: the ladder's rules.Qualifier, when many members use it."""
    tier = member.tier
    progress = Progress(tier=tier)
    if member.tier_grace_until:
        thresholds = keep_thresholds(tier)
        progress.options = _gaps(thresholds, figures)
        progress.keeping, progress.deadline = True, member.tier_grace_until
        if progress.options:
            progress.sentence = _("%(options)s by %(date)s to keep %(tier)s.") % {
                "options": _(" or ").join(progress.options),
                "date": member.tier_grace_until.isoformat(),
                "tier": tier.display_name,
            }
            progress.sentence = progress.sentence[:1].upper() + progress.sentence[1:]
            return progress
    if not [t for t in ladder if t.rank > tier.rank]:
        progress.sentence = _("%(tier)s is the top tier.") % {"tier": tier.display_name}
        return progress
    # The highest tier the figures reach now (not merely the next one), then
    # what the tier above that needs.
    reached = qualifier(figures) if qualifier else rules.highest_qualified(ladder, figures)
    if reached.rank > tier.rank:
        progress.qualifies_for = reached
    floor = max(tier.rank, reached.rank)
    higher = [t for t in ladder if t.rank > floor and t.qualification()]
    sentences = []
    if progress.qualifies_for:
        sentences.append(
            _("Qualifies for %(tier)s at the next sale or review.") % {"tier": reached.display_name}
        )
    if higher:
        progress.next_tier = higher[0]
        progress.options = _gaps(higher[0].qualification(), figures)
        progress.deadline = None
        if programme.window == TierProgramme.Window.CALENDAR_YEAR:
            progress.deadline = window.last_day.replace(month=12, day=31)
        sentences.append(_reach_sentence(progress))
    progress.sentence = " ".join(sentence[:1].upper() + sentence[1:] for sentence in sentences)
    return progress


def _reach_sentence(progress):
    options = _(" or ").join(progress.options)
    if progress.deadline:
        return _("%(options)s by %(date)s to reach %(tier)s.") % {
            "options": options,
            "date": progress.deadline.isoformat(),
            "tier": progress.next_tier.display_name,
        }
    return _("%(options)s to reach %(tier)s.") % {
        "options": options,
        "tier": progress.next_tier.display_name,
    }
