"""Each dashboard figure as CSV rows: the figures the page shows (`found`,
from reports.selectors.dashboard_figures), raw numbers.

Ratios are fractions (0.25 is 25 %) with four decimals; an empty cell is a
figure with nothing to divide by (a dash on the page). Money and points are
net of refunds in the period of the refund; "tiers" groups by the tier held
today, "sale-tiers" by the tier of the sale.
"""

from decimal import Decimal

from django.utils.translation import gettext as _


def _ratio(value):
    # A Decimal, not text: a negative uplift stays a number in the sheet.
    return "" if value is None else Decimal(value).quantize(Decimal("0.0001"))


def _range(period):
    return f"{period.start:%Y-%m-%d}..{period.end:%Y-%m-%d}"


def pyramid_rows(*, period, found):
    distribution = found["distribution"]
    bands = {band.group: band for band in distribution.bands}
    header = [_("Tier"), _("Members"), _("Share"), _("Target from %"), _("Target to %"), _("Band")]
    rows = []
    for row in distribution.rows:
        band = bands.get(row.group)
        rows.append(
            [
                str(row.tier),
                row.members,
                _ratio(row.share),
                band.low if band else "",
                band.high if band else "",
                band.status if band else "",
            ]
        )
    return header, rows


def tier_rows(*, period, found):
    header = [
        _("Tier held today"),
        _("Period"),
        _("Members"),
        _("Buyers"),
        _("Repeat buyers"),
        _("Purchases"),
        _("Revenue"),
        _("Active-member ratio"),
        _("Purchase frequency"),
        _("Average order value"),
        _("Repurchase rate"),
        _("Revenue share"),
    ]
    rows = []
    for row in found["performance"]:
        for span, data in ((period, row.now), (period.previous, row.before)):
            rows.append(
                [
                    str(row.tier) if row.tier else _("All tiers"),
                    _range(span),
                    data.members,
                    data.buyers,
                    data.repeat_buyers,
                    data.purchases,
                    data.revenue,
                    _ratio(data.active_ratio),
                    _ratio(data.frequency),
                    "" if data.average_order is None else data.average_order,
                    _ratio(data.repurchase_rate),
                    _ratio(data.revenue_share),
                ]
            )
    return header, rows


def sale_tier_rows(*, period, found):
    header = [
        _("Tier of the sale"),
        _("Period"),
        _("Purchases"),
        _("Revenue"),
        _("Average order value"),
        _("Revenue share"),
    ]
    rows = []
    for row in found["sale_tiers"]:
        for span, data in ((period, row.now), (period.previous, row.before)):
            rows.append(
                [
                    str(row.tier),
                    _range(span),
                    data.purchases,
                    data.revenue,
                    "" if data.average_order is None else data.average_order,
                    _ratio(data.revenue_share),
                ]
            )
    return header, rows


def points_rows(*, period, found):
    flow = found["flow"]
    header = [
        _("Month"),
        _("Issued"),
        _("Redeemed"),
        _("Expired"),
        _("Adjustments and merges"),
        _("Outstanding at the end"),
    ]
    rows = [
        [f"{m.month:%Y-%m}", m.issued, m.redeemed, m.expired, m.other, m.outstanding]
        for m in flow.months
    ]
    return header, rows


def lifecycle_rows(*, period, found):
    header = [_("Stage"), _("Members")]
    return header, [[str(stage.label), stage.members] for stage in found["lifecycle"]]


def movement_rows(*, period, found):
    header = [_("Month"), _("Upgrades"), _("Downgrades")]
    return header, [[f"{m.month:%Y-%m}", m.upgrades, m.downgrades] for m in found["movements"]]


def campaign_rows(*, period, found):
    header = [
        _("Campaign"),
        _("First day"),
        _("Last day"),
        _("Sales"),
        _("Sales amount"),
        _("Points issued"),
        _("Uplift in sales"),
        _("Uplift in amount"),
    ]
    return header, [
        [
            row.campaign.name,
            f"{row.campaign.starts_on:%Y-%m-%d}",
            f"{row.campaign.ends_on:%Y-%m-%d}" if row.campaign.ends_on else "",
            row.sales_count,
            row.sales_amount,
            row.points_issued,
            _ratio(row.count_uplift),
            _ratio(row.amount_uplift),
        ]
        for row in found["campaigns"]
    ]


EXPORTS = {
    "pyramid": pyramid_rows,
    "tiers": tier_rows,
    "sale-tiers": sale_tier_rows,
    "points": points_rows,
    "lifecycle": lifecycle_rows,
    "movements": movement_rows,
    "campaigns": campaign_rows,
}
