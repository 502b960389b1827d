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
