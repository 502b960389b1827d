"""Where an import puts a new member on the ladder.

The tier the file names (the tier the member had in the earlier system,
matched by any of its names) wins; without one, the highest tier that the
figures brought from that system reach (tiers.rules decides it as the tier
engine does for a member with no sales here yet), else the entry tier.
Either way a line in the member's tier history says why.

It runs in the reading thread for every row: the ladder, the window and
the history lines' texts are read and made once, and a row needs no query.
"""

import unicodedata

from django.utils.translation import gettext as _

from config.errors import LoyaltyError
from tiers import rules
from tiers.models import Tier, TierChange, TierProgramme

# The file's columns that bring figures or a tier (members.columns).
FIGURE_COLUMNS = ("lifetime_spend", "window_spend", "window_purchases", "figures_as_of")
PLACING_COLUMNS = (*FIGURE_COLUMNS, "tier")
REASON_LENGTH = TierChange._meta.get_field("reason").max_length
JOINED, UPGRADE = str(TierChange.Kind.JOINED), str(TierChange.Kind.UPGRADE)
opening_figures = rules.opening_figures  # looked up once, not once a row


def name_key(text) -> str:
    """A tier name as matched: width, case and spaces folded."""
    return " ".join(unicodedata.normalize("NFKC", str(text or "")).casefold().split())


class Placement:
    """The ladder as an import reads it."""

    def __init__(self, *, ladder, today, file_name, window=None):
        self.ladder = sorted(ladder, key=lambda t: t.rank)
        self.entry = self.ladder[0]
        self.window = window or rules.window_for(today)
        self.qualifier = rules.Qualifier(self.ladder)
        # Read once: place() runs for every row of the file.
        self.rank_of = self.qualifier.rank
        self.ids = {tier.rank: tier.pk for tier in self.ladder}
        self.entry_rank = self.entry.rank
        self.by_name = {}
        for tier in self.ladder:
            for name in (tier.name, tier.name_zh_hant, tier.name_zh_hans):
                if name_key(name):
                    self.by_name.setdefault(name_key(name), tier)
        brought = _("Tier brought from the earlier system (%(file)s)") % {"file": file_name}
        qualified = _("Qualified by figures brought from the earlier system (%(file)s)") % {
            "file": file_name
        }
        self.reasons = {JOINED: brought[:REASON_LENGTH], UPGRADE: qualified[:REASON_LENGTH]}

    @classmethod
    def for_import(cls, *, mapping, today, file_name):
        """The placement for a file with these columns, or None when the file
        brings neither figures nor tiers (or no tier is active yet): then
        every new member starts in the entry tier, with no query for it."""
        if not any(name in mapping for name in PLACING_COLUMNS):
            return None
        ladder = list(Tier.objects.active().order_by("rank"))
        if not ladder:
            return None
        window = rules.window_for(today, TierProgramme.current())
        return cls(ladder=ladder, today=today, file_name=file_name, window=window)

    def tier_named(self, value):
        """The active tier whose name (in any language) the cell holds."""
        tier = self.by_name.get(name_key(value))
        if tier is None:
            names = ", ".join(
                " / ".join(dict.fromkeys(n for n in (t.name, t.name_zh_hant, t.name_zh_hans) if n))
                for t in self.ladder
            )
            raise LoyaltyError(
                _("“%(value)s” is not one of the tiers: %(names)s.")
                % {"value": value, "names": names},
                field="tier",
                code="tier_unknown",
            )
        return tier

    def place(self, candidate, named=None):
        """Set the candidate's tier and the history line that goes with it:
        `named` (the file's tier) as it was, else the tier its figures reach."""
        if named is not None:
            candidate.tier_id = named.pk
            candidate.tier_change = JOINED
            return
        rank = self.rank_of(self.figures(candidate))
        candidate.tier_id = self.ids[rank]
        if rank != self.entry_rank:
            candidate.tier_change = UPGRADE

    def figures(self, candidate) -> dict:
        """The figures of a new member, as the tier engine counts them."""
        return opening_figures(
            self.window,
            candidate.lifetime_spend,
            candidate.window_spend,
            candidate.window_purchases,
            candidate.figures_as_of,
        )

    def change_row(self, candidate, member_id) -> tuple:
        """(member_id, kind, from_tier_id, to_tier_id, reason, figures as JSON)
        of the candidate's history line."""
        kind = candidate.tier_change
        from_tier = self.entry.pk if kind == UPGRADE else None
        return (
            member_id,
            kind,
            from_tier,
            candidate.tier_id,
            self.reasons[kind],
            # Worked out again rather than kept: a chunk holds 20,000 rows.
            self.figures_json(self.figures(candidate) if kind == UPGRADE else None),
        )

    def figures_json(self, figures) -> str:
        """The figures the tier was decided on, as TierChange.figures keeps
        them (rules.figures_of: money as text with cents, counts as numbers),
        written out by hand: json.dumps for every row costs more. The money
        read from a file has its cents already (members.values.parse_money)."""
        if not figures:
            return "{}"
        parts = []
        for criterion in self.qualifier.criteria:
            value = figures.get(criterion)
            if criterion.endswith("spend"):
                parts.append(f'"{criterion}": "{value if value else "0.00"}"')
            else:
                parts.append(f'"{criterion}": {int(value or 0)}')
        return "{" + ", ".join(parts) + "}"
