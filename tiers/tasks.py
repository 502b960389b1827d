"""Celery tasks: thin wrappers around tiers.services.

The nightly job (automation.jobs.tier_review) runs the review in one worker; a
shop too big for that sends `review_tiers` instead, which hands each chunk of
member ids to whichever worker is free.
"""

from datetime import date

from celery import group, shared_task

from tiers import services


@shared_task
def review_chunk(as_of, lo, hi, dry_run=False):
    """Review the members with lo <= id < hi as of the shop day `as_of`."""
    summary = services.evaluate_chunk(
        as_of=date.fromisoformat(as_of), lo=lo, hi=hi, dry_run=dry_run
    )
    return summary.as_dict()


@shared_task
def review_tiers(as_of, chunk_size=services.CHUNK_SIZE):
    """Fan the review of every member out as one task per chunk."""
    ranges = services.member_id_ranges(chunk_size=chunk_size)
    group(review_chunk.s(as_of, lo, hi) for lo, hi in ranges).apply_async()
    return {"as_of": as_of, "chunks": len(ranges)}
