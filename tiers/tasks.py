"""Celery tasks: thin wrappers around tiers.services."""

from datetime import date, timedelta

from celery import group, shared_task

from config.clock import shop_today
from tiers import services


@shared_task
def review_chunk(as_of, lo, hi):
    """Review one range of member ids; many workers share a review this way."""
    summary = services.evaluate_chunk(as_of=date.fromisoformat(as_of), lo=lo, hi=hi)
    return summary.as_dict()


@shared_task
def scheduled_review(as_of=None):
    """Run daily by the schedule; on a review day (the first of the month,
    quarter or year, as the programme says) reviews every member as of the
    day before, one task per chunk of member ids."""
    today = shop_today()
    if as_of is None:
        if not services.review_due(today):
            return None
        as_of = (today - timedelta(days=1)).isoformat()
    ranges = services.member_id_ranges()
    group(review_chunk.s(as_of, lo, hi) for lo, hi in ranges).apply_async()
    return {"as_of": as_of, "chunks": len(ranges)}
