"""The shop's day: every "which day is it" question goes through here.

Time is stored in UTC; campaign days, expiry dates and birthdays are days in
the shop's time zone (settings.TIME_ZONE).
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def shop_now() -> datetime:
    return timezone.localtime(timezone.now())


def shop_today() -> date:
    return shop_now().date()


def shop_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def shop_day_start(day: date) -> datetime:
    """The aware moment the shop's day begins."""
    return timezone.make_aware(datetime.combine(day, time.min))


def shop_day_bounds(day: date) -> tuple[datetime, datetime]:
    return shop_day_start(day), shop_day_start(day + timedelta(days=1))


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier, when negative), the month's
    last day where it is shorter: 31 January + 1 month is 28 or 29 February."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)
