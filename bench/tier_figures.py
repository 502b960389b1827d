"""The tier figures: the scheduled review over every member, and applying a
new ladder at once (bench/figures.py lists them)."""

import time
from datetime import date
from decimal import Decimal

from django.db import connection, connections, transaction

from bench.harness import Result, has, not_yet, sample_members, under
from config.clock import shop_today
from tiers.models import Tier


def evaluate_tiers(ctx):
    """The scheduled tier review over every member; baseline: evaluate_member
    in a per-member loop over a sample, scaled to all members. Both move
    members between tiers for real (the review is not undone)."""
    name, target = "evaluate_tiers over all members", "< 30 s"
    if not has("tiers.services", "evaluate_tiers"):
        return not_yet(name, target, "tiers.services.evaluate_tiers")
    from django.db import transaction

    from points.ledger import lock_member
    from tiers.services import evaluate_member
    from tiers.services import evaluate_tiers as review

    today = shop_today()
    ids = [m.pk for m in sample_members(ctx.tier_sample, ctx.seed + 1)]
    started = time.perf_counter()
    for member_id in ids:
        with transaction.atomic():
            evaluate_member(member=lock_member(member_id), as_of=today, reason="benchmark")
    baseline = (time.perf_counter() - started) / len(ids) * ctx.dataset["members"]
    started = time.perf_counter()
    summary = review(as_of=today)
    seconds = time.perf_counter() - started
    return under(
        name,
        round(seconds, 1),
        "s",
        30,
        baseline_name=f"per-member loop, {len(ids):,} scaled",
        baseline=round(baseline, 1),
        ratio=seconds / baseline,
        note=f"{summary.members:,} members: {summary.upgraded} up, {summary.grace_started} "
        f"into grace, {summary.downgraded} down",
    )


# The owner's new ladder for the synthetic shop: spend in the last 12 months
# instead of lifetime spend, to reach and to keep, so active members move up
# and those who stopped buying start a grace period.
NEW_LADDER = [  # rank, spend in the window to reach, to keep
    (2, 3_000, 1_500),
    (3, 10_000, 5_000),
    (4, 25_000, 12_500),
]


def apply_new_ladder(ctx):
    """The owner saves a new ladder and applies it now: the preview
    (`plan_rules_now`), then `start_rules_apply`, whose chunk tasks run here
    one after the other as they do without a broker, their progress printed
    as the owner's page polls it. Then everything is put back."""
    name, target = "apply a new ladder now", "< 60 s"
    if not has("tiers.rules_now", "start_rules_apply"):
        return not_yet(name, target, "tiers.rules_now.start_rules_apply")
    from tiers import rules_now
    from tiers.programme import save_thresholds

    if Tier.objects.filter(is_active=True, upgrade_bonus_points__gt=0).exists() or (
        Tier.objects.filter(is_active=True, upgrade_reward__isnull=False).exists()
    ):
        return not_yet(name, target, "the ladder gives upgrade rewards, which cannot be undone")
    by_rank = {tier.rank: tier.pk for tier in Tier.objects.all()}
    thresholds = {
        by_rank[rank]: {
            "qualify_lifetime_spend": None,
            "qualify_window_spend": Decimal(reach),
            "retain_window_spend": Decimal(keep),
        }
        for rank, reach, keep in NEW_LADDER
        if rank in by_rank
    }
    with _undo_ladder() as undo:
        save_thresholds(thresholds=thresholds)
        started = time.perf_counter()
        plan = rules_now.plan_rules_now()
        preview_seconds = time.perf_counter() - started
        with _ChunkProgress(undo.applications_after) as progress:
            started = time.perf_counter()
            application = rules_now.start_rules_apply(
                rules_version_seen=plan.rules_version,
                as_of=date.fromisoformat(plan.as_of),
                by=None,
            )
            seconds = time.perf_counter() - started
        application.refresh_from_db()
        outcome = rules_now.application_outcome(application)
    same = outcome.tiers == plan.tiers and application.status == "done"
    counts = (
        f"{outcome.upgraded:,} up, {outcome.grace_started:,} into grace, "
        f"{outcome.grace_cleared:,} out of grace, {outcome.downgraded:,} down"
    )
    # The target is for a million members: a smaller shop's time is scaled.
    members = ctx.dataset["members"]
    scale = max(1_000_000 / members, 1) if members else 1
    scaled = f"; {seconds:.1f} s at {members:,} members, scaled to 1M" if scale > 1 else ""
    return [
        Result(
            f"{name}: the preview",
            round(preview_seconds * scale, 1),
            "s",
            note=f"plan_rules_now, {preview_seconds:.1f} s at {members:,} members"
            + (", scaled to 1M" if scale > 1 else ""),
        ),
        under(
            name,
            round(seconds * scale, 1),
            "s",
            60,
            note=f"{counts}; {len(application.ranges)} chunks, {progress.summary()}; "
            f"{'as previewed' if same else 'NOT AS PREVIEWED'}{scaled}; "
            f"undone in {undo.seconds:.0f} s",
            extra={"chunks_done_at_s": progress.marks, "measured_s": round(seconds, 2)},
        ),
    ]


class _ChunkProgress:
    """Prints, every second, how many chunks of the application being applied
    are done, read from a connection of its own as the owner's progress bar
    reads them; keeps when each was first seen."""

    def __init__(self, applications_after):
        import threading

        self.after = applications_after
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.marks = []

    def __enter__(self):
        self.started = time.perf_counter()
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        self.thread.join()
        return False

    def _watch(self):
        from tiers.models import RulesApplication, RulesApplicationChunk

        try:
            while not self.stop.wait(1):
                application = RulesApplication.objects.filter(pk__gt=self.after).first()
                if application is None:
                    continue
                done = RulesApplicationChunk.objects.filter(application=application).count()
                elapsed = time.perf_counter() - self.started
                self.marks += [round(elapsed, 1)] * (done - len(self.marks))
                print(f"    applying: {done}/{len(application.ranges)} chunks, {elapsed:.1f} s")
        finally:
            connections.close_all()

    def summary(self):
        if not self.marks:
            return "done within a second"
        return f"half done at {self.marks[len(self.marks) // 2]} s"


class _undo_ladder:
    """Put back what saving a ladder and applying it wrote: the members'
    tiers, grace periods and times (from a copy taken before), the history
    rows, the applications, the tiers' thresholds and their audit rows."""

    def __enter__(self):
        from tiers.models import (
            RulesApplication,
            TierChange,
            TierSettingsAudit,
            UpgradeReward,
        )

        def last(model):
            return model.objects.order_by("-id").values_list("id", flat=True).first() or 0

        self.after = {
            model._meta.db_table: last(model)
            for model in (TierChange, TierSettingsAudit, UpgradeReward)
        }
        self.applications_after = last(RulesApplication)
        self.tiers = list(Tier.objects.values())
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_member_tiers")
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_member_tiers AS SELECT id, tier_id, tier_since,"
                " tier_grace_until, updated_at FROM members_member"
            )
        return self

    def __exit__(self, *exc_info):
        from tiers.models import RulesApplication

        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE members_member AS m SET tier_id = b.tier_id, tier_since = b.tier_since,"
                " tier_grace_until = b.tier_grace_until, updated_at = b.updated_at"
                " FROM bench_member_tiers AS b WHERE m.id = b.id AND (m.tier_id, m.tier_since,"
                " m.tier_grace_until) IS DISTINCT FROM (b.tier_id, b.tier_since,"
                " b.tier_grace_until)"
            )
            # Upgrade rewards first: they point at the history rows.
            for table in ("tiers_upgradereward", "tiers_tierchange", "tiers_tiersettingsaudit"):
                cursor.execute(f"DELETE FROM {table} WHERE id > %s", [self.after[table]])
            RulesApplication.objects.filter(pk__gt=self.applications_after).delete()
            for values in self.tiers:
                Tier.objects.filter(pk=values["id"]).update(
                    **{k: v for k, v in values.items() if k != "id"}
                )
            cursor.execute("DROP TABLE bench_member_tiers")
        self.seconds = time.perf_counter() - started
        return False
