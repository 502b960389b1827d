"""Signs of life of long jobs (imports, dashboard refreshes, nightly jobs).

A job that runs records a heartbeat, a timestamp on its own row, every step
or chunk. The pages read it: a job still marked running whose heartbeat is
older than JOB_HEARTBEAT_TIMEOUT seconds is shown as interrupted (its worker
or database died, or its failure could not be written), with "try again".

The heartbeat must be visible while the job's own transaction is still open
(the member import runs in one transaction), so it is written outside that
transaction: in a short one of its own when the job's connection is in
autocommit between chunks, otherwise on a second connection (PostgreSQL).
SQLite allows one writer at a time, so inside a transaction there it is left
to the caller (the import keeps its sign of life in its progress file).

Code anywhere below a job may call beat(): it is a no-op when no job runs in
this thread, and at most one write per BEAT_EVERY seconds otherwise.

    with heartbeat.pulse(ImportJob, job.pk):
        ...  # work that calls heartbeat.beat() per chunk
"""

import contextlib
import contextvars
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

_current = contextvars.ContextVar("loyalty_heartbeat", default=None)


def timeout() -> timedelta:
    """How long a running job may be silent before it counts as interrupted."""
    return timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)


def beat_every() -> float:
    """Seconds between two heartbeat writes: a fifth of the timeout, at most 30."""
    return min(30.0, settings.JOB_HEARTBEAT_TIMEOUT / 5)


def is_silent(*signs, now=None) -> bool:
    """Whether a job whose latest signs of life are `signs` (datetimes or
    None: when it was queued, its heartbeat, ...) has been silent for longer
    than the timeout."""
    latest = max((sign for sign in signs if sign is not None), default=None)
    if latest is None:
        return True
    return latest < (now or timezone.now()) - timeout()


class _Pulse:
    def __init__(self, model, pk, field):
        self.model, self.pk, self.field = model, pk, field
        self.last = None  # time.monotonic() of the last write
        self.side = None  # the second connection, opened when first needed

    def beat(self, *, force=False) -> bool:
        if not force and self.last is not None and time.monotonic() - self.last < beat_every():
            return True
        now = timezone.now()
        try:
            written = self._write(now)
        except DatabaseError:
            # The database is away; the job itself will meet that soon enough.
            logger.warning("heartbeat of %s %s not written", self.model.__name__, self.pk)
            self.close()
            return False
        if written:
            self.last = time.monotonic()
        return written

    def _write(self, now) -> bool:
        if not connection.in_atomic_block:
            self.model._base_manager.filter(pk=self.pk).update(**{self.field: now})
            return True
        if connection.vendor != "postgresql":
            return False  # SQLite: a second writer would wait for this transaction
        if self.side is None:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
        meta = self.model._meta
        name = self.side.ops.quote_name
        column = meta.get_field(self.field).column
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {name(meta.db_table)} SET {name(column)} = %s"
                f" WHERE {name(meta.pk.column)} = %s",
                [now, self.pk],
            )
        return True

    def close(self):
        if self.side is not None:
            with contextlib.suppress(DatabaseError):
                self.side.close()
            self.side = None


@contextlib.contextmanager
def pulse(model, pk, *, field="heartbeat_at"):
    """Run the block as the job whose row is `model` `pk`: beat() inside it
    writes that row's `field`. One beat is written on entering."""
    current = _Pulse(model, pk, field)
    token = _current.set(current)
    try:
        current.beat(force=True)
        yield current
    finally:
        _current.reset(token)
        current.close()


def beat(*, force=False) -> bool:
    """Record that the running job is alive (throttled); False when it could
    not be written here (no job, SQLite inside a transaction, database away)."""
    current = _current.get()
    if current is None:
        return False
    return current.beat(force=force)
