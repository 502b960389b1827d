"""The dashboard's comparison of stores (a chain): per store, for the
period, the sales, revenue net of refunds, members enrolled there, and
points issued and redeemed there. Stored with the other figures in the
snapshot; a shop with one store reads nothing and shows no table.

Revenue is what was paid at the store less what the store refunded in the
period (a refund counts where it was made, in its own period, as the other
figures count refunds). Points follow the dashboard's points figures
(reports.points_figures), grouped by the entry's store."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from members.models import Member
from points.models import LedgerEntry, Purchase, Refund
from reports.periods import Period
from reports.points_figures import ISSUED, REDEEMED
from stores.models import Store


@dataclass
class StoreFigures:
    store_id: int | None
    name: str
    sales: int = 0
    revenue: Decimal = Decimal("0")
    enrolled: int = 0
    points_issued: int = 0
    points_redeemed: int = 0

    @property
    def average_sale(self):
        return self.revenue / self.sales if self.sales else None


def store_figures(*, period: Period) -> list:
    """[StoreFigures] per store that is open or had something in the
    period, in name order; [] while the shop has a single store."""
    stores = list(Store.objects.order_by("name", "id"))
    if len(stores) < 2:
        return []
    in_period = {"created_at__gte": period.starts_at, "created_at__lt": period.ends_before}
    rows = {store.pk: StoreFigures(store_id=store.pk, name=store.name) for store in stores}
    sales = Purchase.objects.filter(**in_period).values("store").order_by()
    for row in sales.annotate(count=Count("id"), paid=Sum("amount_paid")):
        figures = _row(rows, row["store"])
        figures.sales += row["count"]
        figures.revenue += row["paid"] or 0
    refunds = Refund.objects.filter(**in_period).values("store").order_by()
    for row in refunds.annotate(amount=Sum("amount")):
        _row(rows, row["store"]).revenue -= row["amount"] or 0
    joined = Member.objects.filter(joined_on__gte=period.start, joined_on__lte=period.end).values(
        "home_store"
    )
    for row in joined.order_by().annotate(count=Count("id")):
        _row(rows, row["home_store"]).enrolled += row["count"]
    points = LedgerEntry.objects.filter(**in_period).values("store").order_by()
    for row in points.annotate(
        issued=Sum("points", filter=ISSUED), redeemed=Sum("points", filter=REDEEMED)
    ):
        figures = _row(rows, row["store"])
        figures.points_issued += row["issued"] or 0
        figures.points_redeemed -= row["redeemed"] or 0
    store_active = {store.pk: store.is_active for store in stores}
    return [
        row
        for row in rows.values()
        if store_active.get(row.store_id, False)
        or row.sales
        or row.points_issued
        or row.points_redeemed
        or row.enrolled
    ]


def _row(rows, store_id):
    """The row of `store_id`; None (records of no store) gets a row of its own."""
    if store_id not in rows:
        rows[store_id] = StoreFigures(store_id=None, name="")
    return rows[store_id]
