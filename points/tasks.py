from datetime import date

from celery import shared_task

from config.clock import shop_today
from points.services import expire_points


@shared_task(name="points.expire_points")
def expire_points_task(as_of=None):
    """Nightly: expire lots past their last day. Redelivery is harmless."""
    day = date.fromisoformat(as_of) if as_of else shop_today()
    return expire_points(as_of=day)
