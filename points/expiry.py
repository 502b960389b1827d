"""The nightly expiry: what is left of every lot past its last day.

The run is cut into chunks of members, each its own transaction, so it can
run beside the counter and many workers (threads here, Celery tasks in
points.tasks) can share it; the writes are the ledger's batch form
(points.ledger_batch.expire_locked), and a sale or a spend expires a
member's own due lots first through points.ledger.expire_lots.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation

from config import locks
from members.models import Member
from points import ledger, ledger_batch
from points.models import LedgerEntry


def _expire_member(member_id, as_of) -> int:
    """One member, in its own transaction, waiting for the member's lock."""
    with transaction.atomic(durable=True):
        member = ledger.lock_member(member_id)
        before = member.points_balance
        ledger.expire_lots(member, ledger.lock_open_lots(member), as_of=as_of)
        return before - member.points_balance


def members_with_expired_lots(*, as_of):
    return (
        LedgerEntry.objects.filter(remaining__gt=0, expires_on__lt=as_of)
        .values_list("member_id", flat=True)
        .distinct()
        .order_by("member_id")
    )


# Members per expiry transaction (and per Celery task when the run is shared).
EXPIRY_CHUNK = 1000


def expiry_chunks(*, as_of, chunk_size=None):
    """The ids of the members with lots past their last day, in id order, as
    lists of `chunk_size` (EXPIRY_CHUNK): one transaction (or task) each."""
    chunk_size = chunk_size or EXPIRY_CHUNK
    ids = list(members_with_expired_lots(as_of=as_of))
    return [ids[i : i + chunk_size] for i in range(0, len(ids), chunk_size)]


def expire_chunk(*, as_of, member_ids) -> int:
    """Expire the lots past their last day of `member_ids` in one transaction;
    returns the points expired.

    Same locks as a sale: the member rows (in id order), then their expired
    lots. Members a sale holds right now are skipped (SKIP LOCKED), so the run
    never waits on the counter inside a chunk; each is then done on its own,
    waiting for its lock, like the per-member run always did.
    """
    ids = sorted({getattr(pk, "pk", pk) for pk in member_ids})
    if not ids:
        return 0
    with transaction.atomic(durable=True):
        locked = locks.lock_members_skipping_busy(Member.objects.filter(pk__in=ids))
        expired = ledger_batch.expire_locked(locked, as_of) if locked else 0
    busy = set(ids).difference(locked)
    if busy:
        # Rows a sale held (or ids of no member, which are left out here).
        present = Member.objects.filter(pk__in=busy).order_by("pk").values_list("pk", flat=True)
        expired += sum(_expire_member(pk, as_of) for pk in list(present))
    return expired


def expire_points(*, as_of, member_ids=None, workers=None) -> int:
    """Expire what is left of every lot whose last day is before `as_of` (a
    shop-local date); returns the points expired. One transaction per chunk of
    EXPIRY_CHUNK members, so it can run beside the counter; running it twice
    expires nothing more. `member_ids` limits it to those members.

    On PostgreSQL the chunks are shared by `workers` threads (default
    settings.EXPIRY_WORKERS), each with its own connection: a year-end night
    is the database's work, on one core per connection, as the Celery
    fan-out (points.tasks.expire_points_shared) shares it between workers.
    Inside a caller's transaction the chunks run here, in order, since
    another connection would not see what that transaction wrote.
    """
    if member_ids is None:
        chunks = expiry_chunks(as_of=as_of)
    else:
        ids = sorted({getattr(pk, "pk", pk) for pk in member_ids})
        chunks = [ids[i : i + EXPIRY_CHUNK] for i in range(0, len(ids), EXPIRY_CHUNK)]
    workers = settings.EXPIRY_WORKERS if workers is None else workers
    if (
        workers <= 1
        or len(chunks) <= 1
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
    ):
        return sum(expire_chunk(as_of=as_of, member_ids=chunk) for chunk in chunks)
    language = translation.get_language()  # the entries' reasons are written in it
    waiting, taking = iter(chunks), threading.Lock()

    def expire_in_thread():
        expired = 0
        try:
            with translation.override(language):
                while True:
                    with taking:
                        chunk = next(waiting, None)
                    if chunk is None:
                        return expired
                    expired += expire_chunk(as_of=as_of, member_ids=chunk)
        finally:
            connection.close()  # this thread's own, kept for all its chunks

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="expiry") as pool:
        running = [pool.submit(expire_in_thread) for _worker in range(workers)]
        return sum(worker.result() for worker in running)
