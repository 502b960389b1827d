"""Apply the rules now: after the ladder or the programme changes, move the
members the rules say should move, today, instead of at the next review.

The preview (`plan_rules_now`) and the apply (`apply_chunk`, one per chunk
of member ids) run the same decision (`decide_now`) over the same rows
(`tiers.rules.standing_rows`), so the counts shown before applying are what
applying does. The preview carries the rules' version token
(config.rules_version); the apply refuses if it changed since, and each
chunk stops if it changes while applying.

What applying does, per member in an active tier:
- qualifies for a higher tier: moves up now, with the upgrade reward (once
  per tier and year, as at a sale);
- in grace and keeps the tier under these rules: the grace is cleared;
- short of their tier: as the programme's `short_on_apply` says, their grace
  period starts today, or they keep the tier until the next review; nobody
  drops a tier at once (a grace that has already ended is settled, as the
  nightly job would have done);
- a pin set by hand still holds: a member is never put below it.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config import locks, queue
from config.clock import shop_today
from config.errors import LoyaltyError
from config.rules_version import rules_version
from members.models import Member
from tiers import rules, services, tasks
from tiers.models import (
    RulesApplication,
    RulesApplicationChunk,
    Tier,
    TierChange,
    TierProgramme,
)

# Short of the new rules and kept until the next review: counted, not written.
KEPT = "kept"


def stalled_after() -> timedelta:
    """A running application with no chunk done for this long is taken for
    dead (its worker or database went away): the jobs' heartbeat timeout."""
    return timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)


@dataclass
class Plan:
    """What applying the rules does (or did), in plain JSON types so a
    chunk's share can be stored and the shares added up.

    `tiers` is {tier id as text: {"in": n, "out": n, "grace_started": n,
    "grace_cleared": n, "kept": n}}: members moving into and out of each
    tier, starting or leaving a grace period in it, or short and kept.
    """

    as_of: str
    rules_version: str | None = None
    upgraded: int = 0
    downgraded: int = 0
    grace_started: int = 0
    grace_cleared: int = 0
    kept: int = 0
    grace_until: str | None = None
    tiers: dict = field(default_factory=dict)

    def count(self, kind, from_id, to_id):
        counts = {
            TierChange.Kind.UPGRADE: "upgraded",
            TierChange.Kind.DOWNGRADE: "downgraded",
            TierChange.Kind.GRACE_STARTED: "grace_started",
            TierChange.Kind.GRACE_CLEARED: "grace_cleared",
            KEPT: "kept",
        }
        name = counts[kind]
        setattr(self, name, getattr(self, name) + 1)
        if from_id != to_id:
            self._tier(from_id)["out"] += 1
            self._tier(to_id)["in"] += 1
        else:
            self._tier(from_id)[name] += 1

    def _tier(self, tier_id):
        return self.tiers.setdefault(
            str(tier_id), {"in": 0, "out": 0, "grace_started": 0, "grace_cleared": 0, "kept": 0}
        )

    def add(self, other: dict):
        for name in ("upgraded", "downgraded", "grace_started", "grace_cleared", "kept"):
            setattr(self, name, getattr(self, name) + other.get(name, 0))
        self.grace_until = self.grace_until or other.get("grace_until")
        for tier_id, counts in other.get("tiers", {}).items():
            mine = self._tier(tier_id)
            for name, n in counts.items():
                mine[name] = mine.get(name, 0) + n
        return self

    @property
    def moved(self):
        return self.upgraded + self.downgraded

    @property
    def changes(self):
        """Members whose tier or grace applying changes."""
        return self.moved + self.grace_started + self.grace_cleared

    def as_dict(self):
        return asdict(self)


def decide_now(row, *, floor, as_of, programme):
    """(kind, target rank, grace end) for one member if the rules in force
    were applied on the shop day `as_of`, or None: the one decision the
    preview counts and the apply writes (see the module's docstring)."""
    rank = row["tier__rank"]
    if row["q_rank"] > rank:
        return TierChange.Kind.UPGRADE, row["q_rank"], None
    grace_until = row["tier_grace_until"]
    if row["keeps"]:
        return (TierChange.Kind.GRACE_CLEARED, rank, None) if grace_until else None
    target = max(row["drop_rank"], floor or 0)
    if target >= rank:
        return None  # pinned by hand: this is the floor
    if grace_until is not None:
        if grace_until < as_of:  # ended, not yet settled by the nightly job
            return TierChange.Kind.DOWNGRADE, target, None
        return None  # a running grace ends on its day
    if programme.short_on_apply == TierProgramme.ShortOnApply.KEEP:
        return KEPT, rank, None
    return TierChange.Kind.GRACE_STARTED, rank, as_of + timedelta(days=programme.grace_days)


def _decisions(*, ladder, programme, as_of, lo, hi):
    """{member id: (row, kind, target rank, grace end)} for lo <= id < hi."""
    rows = rules.standing_rows(
        ladder=ladder,
        programme=programme,
        window=rules.window_for(as_of, programme),
        lo=lo,
        hi=hi,
        review_day=as_of,
    )
    floors = services.pinned_floors([row["pk"] for row in rows], as_of)
    decisions = {}
    for row in rows:
        decision = decide_now(row, floor=floors.get(row["pk"]), as_of=as_of, programme=programme)
        if decision:
            decisions[row["pk"]] = (row, *decision)
    return decisions


def _count(plan, decisions, by_rank):
    for row, kind, target_rank, grace_until in decisions:
        plan.count(kind, row["tier_id"], by_rank[target_rank].pk)
        if grace_until:
            plan.grace_until = grace_until.isoformat()
    return plan


def plan_rules_now(*, as_of=None, chunk_size=services.CHUNK_SIZE) -> Plan:
    """What applying the rules in force would do today, chunk by chunk,
    changing nothing. The version token is read before the rules, so a
    change made while counting makes the apply refuse, never slip through."""
    as_of = as_of or shop_today()
    TierProgramme.current()  # a first look creates the row, which changes the token
    plan = Plan(as_of=as_of.isoformat(), rules_version=rules_version())
    ladder = services.active_ladder()
    if not ladder:
        return plan
    programme = TierProgramme.current()
    by_rank = {tier.rank: tier for tier in ladder}
    for lo, hi in services.member_id_ranges(chunk_size=chunk_size):
        decisions = _decisions(ladder=ladder, programme=programme, as_of=as_of, lo=lo, hi=hi)
        _count(plan, decisions.values(), by_rank)
    return plan


@dataclass
class TierRow:
    """One line of the preview or of an application's outcome."""

    tier: Tier
    now: int
    moving_in: int
    moving_out: int
    grace_started: int
    grace_cleared: int
    kept: int

    @property
    def after(self):
        return self.now + self.moving_in - self.moving_out


def plan_rows(plan: Plan, *, with_counts=True) -> list:
    """[TierRow] per active tier (and any other tier the plan names), with
    how many members hold it now when `with_counts`."""
    holders = (
        dict(Member.objects.values_list("tier").annotate(n=Count("pk")).order_by())
        if with_counts
        else {}
    )
    named = {int(tier_id) for tier_id in plan.tiers}
    tiers = Tier.objects.filter(is_active=True) | Tier.objects.filter(pk__in=named)
    rows = []
    for tier in tiers.order_by("rank"):
        counts = plan.tiers.get(str(tier.pk), {})
        rows.append(
            TierRow(
                tier=tier,
                now=holders.get(tier.pk, 0),
                moving_in=counts.get("in", 0),
                moving_out=counts.get("out", 0),
                grace_started=counts.get("grace_started", 0),
                grace_cleared=counts.get("grace_cleared", 0),
                kept=counts.get("kept", 0),
            )
        )
    return rows


# Applying ---------------------------------------------------------------


def _rules_changed():
    return LoyaltyError(
        _(
            "The rules changed since these counts were made (a tier or a setting was saved). "
            "Here are the counts under the rules as they are now: check them and apply again."
        ),
        code="rules_changed",
    )


def _stalled(application):
    last = application.chunks.aggregate(last=Max("done_at"))["last"] or application.started_at
    return timezone.now() - last > stalled_after()


def is_interrupted(application) -> bool:
    """Still marked running, but no part done for the heartbeat timeout: the
    page says interrupted, and applying again stops it and finishes the rest."""
    return application.is_running and _stalled(application)


@transaction.atomic(durable=True)
def start_rules_apply(*, rules_version_seen, as_of, by, chunk_size=services.CHUNK_SIZE):
    """Start applying the rules in force, as previewed with the version token
    `rules_version_seen` on the shop day `as_of`. Refuses if the rules or
    the day changed since, or another application is still running. The
    chunks run as Celery tasks once this commits (at once, in this process,
    without a broker). Returns the RulesApplication."""
    if (rules_version_seen or None) != rules_version() or as_of != shop_today():
        raise _rules_changed()
    if not services.active_ladder():
        raise LoyaltyError(_("There is no active tier to apply."), code="no_tiers")
    # One start at a time: a second click waits here, then finds this one running.
    locks.lock_settings(TierProgramme.objects, pk=TierProgramme.current().pk)
    for running in RulesApplication.objects.filter(status=RulesApplication.Status.RUNNING):
        if not _stalled(running):
            raise LoyaltyError(
                _("The rules are being applied already: wait for that to finish."),
                code="running",
            )
        RulesApplication.objects.filter(pk=running.pk).update(
            status=RulesApplication.Status.STOPPED,
            finished_at=timezone.now(),
            note=_("Interrupted: no progress for %(minutes)d minutes.")
            % {"minutes": max(1, round(stalled_after().total_seconds() / 60))},
        )
    ranges = services.member_id_ranges(chunk_size=chunk_size)
    now = timezone.now()
    application = RulesApplication.objects.create(
        as_of=as_of,
        rules_version=rules_version_seen or "",
        ranges=[[lo, hi] for lo, hi in ranges],
        started_at=now,
        by=by,
        # No member, nothing to do.
        status=RulesApplication.Status.RUNNING if ranges else RulesApplication.Status.DONE,
        finished_at=None if ranges else now,
    )
    if ranges:
        # With the broker down nothing was started: the application goes, and
        # the owner is told in their language (BrokerUnavailable).
        queue.send_on_commit(
            tasks.apply_rules,
            application.pk,
            on_failure=lambda: RulesApplication.objects.filter(pk=application.pk).delete(),
        )
    return application


def apply_chunk(*, application_id, lo, hi) -> dict | None:
    """Apply the rules to the members lo <= id < hi for one application, in
    one transaction with the record of the chunk; a chunk already done (a
    task delivered twice) or an application no longer running does nothing.
    Stops the application if the rules changed since its preview."""
    try:
        with transaction.atomic(durable=True):
            summary = _apply_chunk(application_id=application_id, lo=lo, hi=hi)
    except IntegrityError:
        return None  # the same chunk finished in another worker meanwhile
    application = RulesApplication.objects.get(pk=application_id)
    if application.is_running and application.chunks.count() >= len(application.ranges):
        _finish(application)
    return summary


def apply_all_chunks(*, application_id, workers=1):
    """Apply every chunk of an application here, as without a broker. On
    PostgreSQL `workers` threads share them, each with its own connection,
    as Celery workers would; inside a caller's transaction (whose writes
    another connection would not see) they run in order."""
    ranges = RulesApplication.objects.get(pk=application_id).ranges
    if (
        workers <= 1
        or len(ranges) <= 1
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
    ):
        for lo, hi in ranges:
            apply_chunk(application_id=application_id, lo=lo, hi=hi)
        return
    language = translation.get_language()  # the history's reasons are written in it
    waiting, taking = iter(ranges), threading.Lock()

    def apply_in_thread():
        try:
            with translation.override(language):
                while True:
                    with taking:
                        chunk = next(waiting, None)
                    if chunk is None:
                        return
                    apply_chunk(application_id=application_id, lo=chunk[0], hi=chunk[1])
        finally:
            connection.close()  # this thread's own, kept for all its chunks

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tiers") as pool:
        for worker in [pool.submit(apply_in_thread) for _worker in range(workers)]:
            worker.result()


def _apply_chunk(*, application_id, lo, hi):
    application = RulesApplication.objects.select_related("by").get(pk=application_id)
    if not application.is_running or application.chunks.filter(lo=lo).exists():
        return None
    as_of = application.as_of
    ladder = services.active_ladder()
    programme = TierProgramme.current()
    by_rank = {tier.rank: tier for tier in ladder}
    decisions = _decisions(ladder=ladder, programme=programme, as_of=as_of, lo=lo, hi=hi)
    # The token after the rules were read: the same token means the same rules.
    if rules_version() != (application.rules_version or None):
        RulesApplication.objects.filter(pk=application.pk, status=application.status).update(
            status=RulesApplication.Status.STOPPED,
            finished_at=timezone.now(),
            note=_("Stopped: the rules changed while they were being applied."),
        )
        return None
    moving = {pk: d for pk, d in decisions.items() if d[1] != KEPT}
    reasons = {kind: reason() for kind, reason in _REASONS.items()}
    moved = set(
        services.write_decisions(
            moving, by_rank=by_rank, at=timezone.now(), by=application.by, reasons=reasons
        )
        if moving
        else []
    )
    done = [d for pk, d in decisions.items() if pk in moved or d[1] == KEPT]
    plan = _count(Plan(as_of=as_of.isoformat()), done, by_rank)
    RulesApplicationChunk.objects.create(
        application=application, lo=lo, hi=hi, summary=plan.as_dict(), done_at=timezone.now()
    )
    return plan.as_dict()


def _finish(application):
    RulesApplication.objects.filter(
        pk=application.pk, status=RulesApplication.Status.RUNNING
    ).update(status=RulesApplication.Status.DONE, finished_at=timezone.now())


_REASONS = {
    TierChange.Kind.UPGRADE: lambda: _("Qualified when the rules were applied"),
    TierChange.Kind.GRACE_STARTED: lambda: _("Short of the tier when the rules were applied"),
    TierChange.Kind.GRACE_CLEARED: lambda: _("Keeps the tier under the rules applied"),
    TierChange.Kind.DOWNGRADE: lambda: _("Still short when the grace period ended"),
}


def application_outcome(application) -> Plan:
    """What an application has done so far: its chunks' shares added up."""
    plan = Plan(as_of=application.as_of.isoformat(), rules_version=application.rules_version)
    for summary in application.chunks.values_list("summary", flat=True):
        plan.add(summary)
    return plan


def application_progress(application) -> dict:
    """Chunks done of how many, and the share done in percent."""
    total = len(application.ranges)
    done = application.chunks.count()
    return {"done": done, "total": total, "percent": round(100 * done / total) if total else 100}
