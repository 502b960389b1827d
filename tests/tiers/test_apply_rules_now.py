"""Apply the rules now: what the preview counts is what applying does."""

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest

from config.clock import shop_today
from config.errors import LoyaltyError
from members.models import Member
from tests.factories import MemberFactory
from tests.tiers.conftest import _spent, salon_ladder
from tiers import rules_now
from tiers.models import (
    RulesApplication,
    Tier,
    TierChange,
    TierProgramme,
    UpgradeReward,
)
from tiers.programme import save_tier
from tiers.services import set_tier


def _apply(plan, by, capture):
    with capture(execute=True):
        application = rules_now.start_rules_apply(
            rules_version_seen=plan.rules_version, as_of=date_of(plan), by=by
        )
    application.refresh_from_db()
    return application


def date_of(plan):
    return date.fromisoformat(plan.as_of)


def _per_tier():
    return Counter(Member.objects.values_list("tier__name", flat=True))


def test_preview_counts_the_salon_ladder(shop, tiers):
    salon_ladder(tiers)
    plan = rules_now.plan_rules_now()
    assert (plan.upgraded, plan.grace_started, plan.grace_cleared, plan.downgraded) == (4, 1, 1, 1)
    rows = {row.tier.name: row for row in rules_now.plan_rows(plan)}
    assert (rows["Member"].now, rows["Member"].moving_in, rows["Member"].moving_out) == (4, 1, 3)
    assert (rows["Silver"].now, rows["Silver"].moving_in, rows["Silver"].moving_out) == (3, 1, 1)
    assert (rows["Gold"].now, rows["Gold"].moving_in, rows["Gold"].moving_out) == (4, 3, 1)
    assert [rows[n].after for n in ("Member", "Silver", "Gold")] == [2, 3, 6]
    assert (rows["Gold"].grace_started, rows["Gold"].grace_cleared) == (1, 1)
    assert plan.grace_until == (shop_today() + timedelta(days=90)).isoformat()


def test_applying_moves_exactly_what_the_preview_counted(
    shop, tiers, owner, django_capture_on_commit_callbacks
):
    salon_ladder(tiers)
    plan = rules_now.plan_rules_now(chunk_size=3)
    rows = rules_now.plan_rows(plan)
    application = _apply(plan, owner, django_capture_on_commit_callbacks)

    assert application.status == RulesApplication.Status.DONE
    assert _per_tier() == {row.tier.name: row.after for row in rows}
    outcome = rules_now.application_outcome(application)
    assert outcome.tiers == plan.tiers
    kinds = Counter(TierChange.objects.values_list("kind", flat=True))
    assert kinds == {
        "upgrade": plan.upgraded,
        "grace_started": plan.grace_started,
        "grace_cleared": plan.grace_cleared,
        "downgrade": plan.downgraded,
    }
    eve, ann = Member.objects.get(pk=shop["eve"].pk), Member.objects.get(pk=shop["ann"].pk)
    assert eve.tier == tiers["gold"]
    assert eve.tier_grace_until == shop_today() + timedelta(days=90)
    upgrade = ann.tier_changes.get()
    assert (upgrade.from_tier, upgrade.to_tier, upgrade.by) == (
        tiers["member"],
        tiers["gold"],
        owner,
    )
    assert upgrade.reason == "Qualified when the rules were applied"
    assert upgrade.figures["lifetime_spend"] == "10590.00"
    # Nothing is left to apply.
    again = rules_now.plan_rules_now()
    assert again.changes == 0


def test_nobody_drops_a_tier_at_once(shop, tiers, owner, django_capture_on_commit_callbacks):
    salon_ladder(tiers)
    _apply(rules_now.plan_rules_now(), owner, django_capture_on_commit_callbacks)
    downgrades = TierChange.objects.filter(kind=TierChange.Kind.DOWNGRADE)
    # Only the grace that had already ended is settled.
    assert list(downgrades.values_list("member", flat=True)) == [shop["kim"].pk]
    ivy = Member.objects.get(pk=shop["ivy"].pk)
    assert ivy.tier == tiers["gold"] and ivy.tier_grace_until == shop_today() + timedelta(days=10)


def test_short_members_keep_the_tier_until_the_review_if_the_programme_says_so(
    shop, tiers, owner, django_capture_on_commit_callbacks
):
    programme = TierProgramme.current()
    programme.short_on_apply = TierProgramme.ShortOnApply.KEEP
    programme.save()
    salon_ladder(tiers)
    plan = rules_now.plan_rules_now()
    assert (plan.grace_started, plan.kept) == (0, 1)
    _apply(plan, owner, django_capture_on_commit_callbacks)
    eve = Member.objects.get(pk=shop["eve"].pk)
    assert (eve.tier, eve.tier_grace_until) == (tiers["gold"], None)
    assert not eve.tier_changes.exists()


def test_upgrade_rewards_once_per_tier_and_year(
    shop, tiers, owner, django_capture_on_commit_callbacks
):
    gold = tiers["gold"]
    gold.upgrade_bonus_points = 100
    gold.save()
    salon_ladder(tiers)
    _apply(rules_now.plan_rules_now(), owner, django_capture_on_commit_callbacks)
    ann = Member.objects.get(pk=shop["ann"].pk)
    assert ann.points_balance == 100
    assert UpgradeReward.objects.filter(tier=gold).count() == 3  # ann, ben, jon

    set_tier(member=ann, tier=tiers["member"], reason="Test drop", by=owner)
    plan = rules_now.plan_rules_now()
    assert plan.upgraded == 1
    _apply(plan, owner, django_capture_on_commit_callbacks)
    ann.refresh_from_db()
    assert ann.tier == gold
    assert ann.points_balance == 100
    assert UpgradeReward.objects.filter(member=ann).count() == 1


def test_rules_changed_since_the_preview_are_refused(shop, tiers, owner):
    salon_ladder(tiers)
    plan = rules_now.plan_rules_now()
    save_tier(tier=Tier.objects.get(pk=tiers["gold"].pk), qualify_lifetime_spend=Decimal(8000))
    with pytest.raises(LoyaltyError) as refusal:
        rules_now.start_rules_apply(
            rules_version_seen=plan.rules_version, as_of=date_of(plan), by=owner
        )
    assert refusal.value.code == "rules_changed"
    assert not RulesApplication.objects.exists()
    assert not TierChange.objects.exists()


def test_a_preview_from_another_day_is_refused(shop, tiers, owner):
    salon_ladder(tiers)
    plan = rules_now.plan_rules_now()
    with pytest.raises(LoyaltyError) as refusal:
        rules_now.start_rules_apply(
            rules_version_seen=plan.rules_version,
            as_of=date_of(plan) - timedelta(days=1),
            by=owner,
        )
    assert refusal.value.code == "rules_changed"


def test_rules_changed_while_applying_stop_it(
    shop, tiers, owner, django_capture_on_commit_callbacks
):
    salon_ladder(tiers)
    plan = rules_now.plan_rules_now()
    with django_capture_on_commit_callbacks() as callbacks:
        application = rules_now.start_rules_apply(
            rules_version_seen=plan.rules_version, as_of=date_of(plan), by=owner
        )
    save_tier(tier=Tier.objects.get(pk=tiers["gold"].pk), qualify_lifetime_spend=Decimal(8000))
    for callback in callbacks:
        callback()
    application.refresh_from_db()
    assert application.status == RulesApplication.Status.STOPPED
    assert "rules changed" in application.note
    assert not TierChange.objects.exists()


def test_a_chunk_delivered_twice_is_done_once(
    shop, tiers, owner, django_capture_on_commit_callbacks
):
    salon_ladder(tiers)
    plan = rules_now.plan_rules_now()
    with django_capture_on_commit_callbacks():  # the tasks are not sent
        application = rules_now.start_rules_apply(
            rules_version_seen=plan.rules_version, as_of=date_of(plan), by=owner
        )
    (lo, hi), *_rest = application.ranges
    first = rules_now.apply_chunk(application_id=application.pk, lo=lo, hi=hi)
    assert first["upgraded"] == 4
    assert rules_now.apply_chunk(application_id=application.pk, lo=lo, hi=hi) is None
    application.refresh_from_db()
    assert application.status == RulesApplication.Status.DONE
    assert rules_now.application_outcome(application).upgraded == 4


def test_another_application_running_is_refused(
    shop, tiers, owner, django_capture_on_commit_callbacks
):
    salon_ladder(tiers)
    plan = rules_now.plan_rules_now()
    with django_capture_on_commit_callbacks():
        rules_now.start_rules_apply(
            rules_version_seen=plan.rules_version, as_of=date_of(plan), by=owner
        )
    with pytest.raises(LoyaltyError) as refusal:
        rules_now.start_rules_apply(
            rules_version_seen=plan.rules_version, as_of=date_of(plan), by=owner
        )
    assert refusal.value.code == "running"


def test_an_empty_shop_applies_nothing(tiers, owner):
    plan = rules_now.plan_rules_now()
    application = rules_now.start_rules_apply(
        rules_version_seen=plan.rules_version, as_of=date_of(plan), by=owner
    )
    assert application.status == RulesApplication.Status.DONE


def test_with_a_broker_each_chunk_is_its_own_task(
    shop, tiers, owner, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from tiers import tasks

    salon_ladder(tiers)
    plan = rules_now.plan_rules_now()
    sent = []
    monkeypatch.setattr(tasks, "group", lambda signatures: _Recorder(sent, list(signatures)))
    with django_capture_on_commit_callbacks() as callbacks:
        application = rules_now.start_rules_apply(
            rules_version_seen=plan.rules_version, as_of=date_of(plan), by=owner, chunk_size=4
        )
    assert len(callbacks) == 1  # sends tasks.apply_rules once committed
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert tasks.apply_rules(application.pk) == {"application": application.pk, "chunks": 3}
    assert [signature.args for signature in sent] == [
        (application.pk, lo, hi) for lo, hi in application.ranges
    ]
    assert len(sent) == 3
    assert sent[0].task == "tiers.apply_rules_chunk"
    assert not TierChange.objects.exists()  # the workers do it


class _Recorder:
    def __init__(self, sent, signatures):
        self.sent, self.signatures = sent, signatures

    def apply_async(self):
        self.sent.extend(self.signatures)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_a_broker_two_connections_share_the_chunks(shop, tiers, owner, monkeypatch):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the shared run is PostgreSQL's")
    salon_ladder(tiers)
    plan = rules_now.plan_rules_now(chunk_size=2)
    threads, apply_chunk = set(), rules_now.apply_chunk
    both_at_work = threading.Barrier(2, timeout=10)

    def spy(**kwargs):
        name = threading.current_thread().name
        if name not in threads:
            threads.add(name)
            both_at_work.wait()  # each worker's first chunk waits for the other's
        return apply_chunk(**kwargs)

    monkeypatch.setattr(rules_now, "apply_chunk", spy)
    application = rules_now.start_rules_apply(
        rules_version_seen=plan.rules_version, as_of=date_of(plan), by=owner, chunk_size=2
    )
    application.refresh_from_db()
    assert len(threads) == 2 and all(name.startswith("tiers") for name in threads)
    assert application.status == RulesApplication.Status.DONE
    assert rules_now.application_outcome(application).tiers == plan.tiers
    assert Counter(Member.objects.values_list("tier__name", flat=True)) == {
        "Member": 2,
        "Silver": 3,
        "Gold": 6,
    }


@pytest.mark.parametrize("short_on_apply", ["grace", "keep"])
def test_a_mixed_shop_moves_exactly_what_its_preview_counted(
    old_ladder, owner, django_capture_on_commit_callbacks, short_on_apply
):
    """Sixty members in every state (any tier, grace ahead, ended or none,
    spend long ago, this year or none, opening figures, a pin), applied in
    chunks of 7: each tier's count after, and each kind of move, are the
    preview's, whichever retention setting the programme has."""

    programme = TierProgramme.current()
    programme.short_on_apply = short_on_apply
    programme.save()
    t = old_ladder
    today = shop_today()
    draw = random.Random(18)
    for i in range(60):
        grace = draw.choice([None, None, today + timedelta(days=5), today - timedelta(days=2)])
        tier = t[draw.choice(["member", "silver", "gold"])]
        opening = Decimal(draw.choice([0, 0, 1500, 6000]))
        member = MemberFactory(
            tier=tier,
            tier_grace_until=grace if tier != t["member"] else None,
            lifetime_spend=opening,
            opening_lifetime_spend=opening,
        )
        for _ in range(draw.randint(0, 2)):
            _spent(member, str(draw.choice([300, 900, 2100, 3200])), draw.choice([30, 400]))
        if i % 17 == 0:
            pin = today + timedelta(days=9)
            set_tier(member=member, tier=t["gold"], reason="Pinned", pinned_until=pin, by=owner)
    salon_ladder(t)
    plan = rules_now.plan_rules_now(chunk_size=7)
    rows = rules_now.plan_rows(plan)
    assert plan.changes > 10
    before = set(TierChange.objects.values_list("pk", flat=True))

    application = _apply(plan, owner, django_capture_on_commit_callbacks)

    assert application.status == RulesApplication.Status.DONE
    assert _per_tier() == {row.tier.name: row.after for row in rows if row.after}
    kinds = Counter(TierChange.objects.exclude(pk__in=before).values_list("kind", flat=True))
    expected = {
        "upgrade": plan.upgraded,
        "grace_started": plan.grace_started,
        "grace_cleared": plan.grace_cleared,
        "downgrade": plan.downgraded,
    }
    assert kinds == {kind: n for kind, n in expected.items() if n}
    assert rules_now.plan_rules_now().changes == 0


def test_figures_brought_by_an_import_count_when_the_rules_are_applied(
    old_ladder, owner, django_capture_on_commit_callbacks
):
    """Imported under the old ladder (Silver at 20,000) with 6,000 brought:
    the salon's ladder puts them in Gold when it is applied."""
    t = old_ladder
    brought = MemberFactory(
        tier=t["member"], lifetime_spend=Decimal(6000), opening_lifetime_spend=Decimal(6000)
    )
    salon_ladder(t)
    plan = rules_now.plan_rules_now()
    assert plan.upgraded == 1
    _apply(plan, owner, django_capture_on_commit_callbacks)
    brought.refresh_from_db()
    assert brought.tier == t["gold"]
    assert brought.tier_changes.get().figures["lifetime_spend"] == "6000.00"
