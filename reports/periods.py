"""The ranges of days the dashboard's figures cover, and the arithmetic that
compares them: a figure that would divide by zero is None, which the page
shows as a dash."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from config.clock import add_months, shop_day_start, shop_today


def ratio(part, whole):
    """part / whole as a Decimal, or None when there is nothing to divide by."""
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def default(cls, today=None):
        """The last 12 months: this month so far and the 11 before it."""
        today = today or shop_today()
        return cls(add_months(today.replace(day=1), -11), today)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> "Period":
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    @property
    def starts_at(self):
        return shop_day_start(self.start)

    @property
    def ends_before(self):
        return shop_day_start(self.end + timedelta(days=1))

    def months(self) -> list[date]:
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = add_months(month, 1)
        return months


def relative_change(now, before):
    """(now - before) / before, or None when there is no earlier figure."""
    if now is None or not before:
        return None
    return (Decimal(now) - Decimal(before)) / Decimal(before)


def point_change(now, before):
    """The difference of two ratios (shown in percentage points)."""
    if now is None or before is None:
        return None
    return now - before
