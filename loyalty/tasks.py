"""Celery tasks: thin wrappers around loyalty.bulk."""

from celery import shared_task

from loyalty import bulk


@shared_task(name="loyalty.bulk_chunk")
def bulk_chunk(action, member_ids, params, key, by_id):
    """One chunk of a bulk change; safe to run again (see loyalty.bulk)."""
    return bulk.apply_chunk(
        action=action, member_ids=member_ids, params=params, key=key, by=by_id
    ).as_dict()
