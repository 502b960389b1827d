"""Celery tasks: thin wrappers around points.expiry.

`expire_points_task` runs the whole nightly expiry in one worker; a shop too
big for that sends `expire_points_shared`, which hands each chunk of due
members to whichever worker is free (every chunk is its own transaction and
a no-op when redelivered).
"""

from datetime import date

from celery import group, shared_task

from config.clock import shop_today
from points.expiry import EXPIRY_CHUNK, expire_chunk, expire_points, expiry_chunks


@shared_task(name="points.expire_points")
def expire_points_task(as_of=None):
    """Nightly: expire lots past their last day. Redelivery is harmless."""
    day = date.fromisoformat(as_of) if as_of else shop_today()
    return expire_points(as_of=day)


@shared_task(name="points.expire_points_chunk")
def expire_points_chunk(as_of, member_ids):
    """Expire the due lots of `member_ids` as of the shop day `as_of`."""
    return expire_chunk(as_of=date.fromisoformat(as_of), member_ids=member_ids)


@shared_task(name="points.expire_points_shared")
def expire_points_shared(as_of=None, chunk_size=EXPIRY_CHUNK):
    """Fan the nightly expiry out as one task per chunk of due members."""
    as_of = as_of or shop_today().isoformat()
    chunks = expiry_chunks(as_of=date.fromisoformat(as_of), chunk_size=chunk_size)
    group(expire_points_chunk.s(as_of, ids) for ids in chunks).apply_async()
    return {"as_of": as_of, "chunks": len(chunks)}
