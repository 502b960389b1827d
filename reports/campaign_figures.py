"""The campaigns that ran in a period, with their results as the campaigns
app computes them."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from campaigns.models import Campaign
from campaigns.results import campaign_results
from reports.periods import Period


@dataclass
class CampaignFigures:
    campaign: Campaign
    sales_count: int
    sales_amount: Decimal  # paid on them, less the refunds made by its last day
    points_issued: int  # earned on them (its bonuses included), less what those refunds took back
    count_uplift: Decimal | None  # fractions against the same weekdays before
    amount_uplift: Decimal | None


def _fraction(percent):
    return None if percent is None else Decimal(percent) / 100


def campaign_figures(
    *, period: Period, tier=None, results=None, store=None
) -> list[CampaignFigures]:
    """The campaigns that ran in the period (all of them, or those open to
    the tier), with their sales, points and uplift as the campaigns app
    computes them for its results page: each over the campaign's own days,
    so a refund made after its last day counts in the dashboard's revenue of
    the month it is made, not here. `results`: a dict of campaign id to
    campaign_results() the caller keeps across calls (they do not depend on
    the period or the tier), filled as needed. With a store: the campaigns
    open to it (for it alone or for every store), with their results in all
    stores, as the campaigns app counts them."""
    results = {} if results is None else results
    campaigns = Campaign.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=period.start), starts_on__lte=period.end
    )
    if tier:
        campaigns = campaigns.filter(Q(tiers=tier) | Q(tiers__isnull=True)).distinct()
    if store:
        campaigns = campaigns.filter(Q(stores=store) | Q(stores__isnull=True)).distinct()
    found = []
    for campaign in campaigns.order_by("starts_on", "pk").prefetch_related("tiers"):
        if campaign.pk not in results:
            results[campaign.pk] = campaign_results(campaign)
        result = results[campaign.pk]
        found.append(
            CampaignFigures(
                campaign,
                result["sales_count"],
                result["sales_amount"],
                result["points_issued"],
                _fraction(result["uplift"]["count_uplift"]),
                _fraction(result["uplift"]["amount_uplift"]),
            )
        )
    return found
