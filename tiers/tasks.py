"""Celery tasks: thin wrappers around tiers.services and tiers.rules_now.

The nightly job (automation.jobs.tier_review) runs the review in one worker; a
shop too big for that sends `review_tiers` instead, which hands each chunk of
member ids to whichever worker is free. Applying the rules now always goes
through `apply_rules`: one task per chunk, or without a broker the chunks
shared by TIER_WORKERS connections here.
tiers.rules_now imports this module, so the tasks import it when they run.
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


@shared_task(name="tiers.apply_rules")
def apply_rules(application_id):
    """Fan applying the rules now out as one task per chunk of member ids;
    without a broker, apply them here (shared by TIER_WORKERS connections)."""
    from django.conf import settings

    from tiers import rules_now
    from tiers.models import RulesApplication

    application = RulesApplication.objects.get(pk=application_id)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        rules_now.apply_all_chunks(application_id=application_id, workers=settings.TIER_WORKERS)
    else:
        chunks = (apply_rules_chunk.s(application_id, lo, hi) for lo, hi in application.ranges)
        group(chunks).apply_async()
    return {"application": application_id, "chunks": len(application.ranges)}


@shared_task(name="tiers.apply_rules_chunk")
def apply_rules_chunk(application_id, lo, hi):
    """Apply the rules now to the members with lo <= id < hi."""
    from tiers import rules_now

    return rules_now.apply_chunk(application_id=application_id, lo=lo, hi=hi)
