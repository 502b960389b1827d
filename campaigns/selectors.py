"""Which campaigns lift a sale. The Campaigns issue fills this in."""

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class CampaignTerms:
    """What campaigns add to one sale's earning.

    points = floor(eligible × base rate × tier multiplier × multiplier)
             + sum of bonus points
    `bonuses` is a list of (campaign, points); `explanation` a list of dicts
    for the counter's quote and the receipt ({"campaign": name, "why": text}).
    """

    multiplier: Decimal = Decimal("1")
    bonuses: list = field(default_factory=list)
    explanation: list = field(default_factory=list)


def campaign_terms(*, member, moment, eligible_amount) -> CampaignTerms:
    """Seam: no campaign applies until the Campaigns issue lands."""
    return CampaignTerms()
