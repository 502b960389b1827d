"""Doors that change the ladder and the programme settings.

Each change is checked against the whole ladder it would produce and leaves a
TierSettingsAudit row (who, when, old and new values), so any past tier
decision can be explained by the rules in force at the time.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from config import locks
from config.audit import record_settings_change, settings_snapshot
from config.clock import shop_today
from config.errors import LoyaltyError
from config.text import clean_text
from members.models import Member
from rewards.models import Reward
from tiers import rules
from tiers.models import (
    QUALIFICATION_FIELDS,
    RETENTION_FIELDS,
    Tier,
    TierChange,
    TierProgramme,
    TierSettingsAudit,
)

TIER_FIELDS = [
    "name",
    "name_zh_hant",
    "name_zh_hans",
    "rank",
    "is_active",
    "colour",
    "retail_discount",
    "wholesale_discount",
    "points_multiplier",
    "benefits",
    *QUALIFICATION_FIELDS,
    *RETENTION_FIELDS,
    "upgrade_bonus_points",
    "upgrade_reward",
]
PROGRAMME_FIELDS = [
    "window",
    "window_months",
    "frequency",
    "grace_days",
    "downgrade",
    "short_on_apply",
    "top_min",
    "top_max",
    "middle_min",
    "middle_max",
    "base_min",
    "base_max",
]


def _json(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value


def _diff(old, new, fields):
    return {
        name: [_json(getattr(old, name)) if old else None, _json(getattr(new, name))]
        for name in fields
        if old is None or getattr(old, name) != getattr(new, name)
    }


def _threshold_label(field_name):
    return str(Tier._meta.get_field(field_name).verbose_name)


def validate_ladder(tiers, *, edited=None):
    """Raise LoyaltyError for the first rule the ladder breaks.

    `tiers` is every tier as it would be after the change (unsaved objects
    allowed); `edited` is the one being changed, to point errors at its fields.
    """
    ranks = [tier.rank for tier in tiers]
    for tier in tiers:
        if ranks.count(tier.rank) > 1:
            raise LoyaltyError(
                _("Rank %(rank)s is taken by another tier; each tier needs its own rank.")
                % {"rank": tier.rank},
                field="rank",
                code="rank_taken",
            )
        for name in ("retail_discount", "wholesale_discount"):
            value = getattr(tier, name)
            if value is None or not 0 <= value <= 100:
                raise LoyaltyError(
                    _("A discount must be between 0 and 100 percent."), field=name, code="discount"
                )
    active = sorted((t for t in tiers if t.is_active), key=lambda t: t.rank)
    if not active:
        raise LoyaltyError(
            _("At least one tier must stay active: new members join the lowest one."),
            field="is_active",
            code="no_active_tier",
        )
    entry = active[0]
    if entry.qualification():
        field = next(f for f in QUALIFICATION_FIELDS if getattr(entry, f) is not None)
        raise LoyaltyError(
            _(
                "%(tier)s is the lowest active tier, which every member holds from the start: "
                "clear its qualification thresholds."
            )
            % {"tier": entry.display_name},
            field=field if entry is edited else None,
            code="entry_threshold",
        )
    for tier in active[1:]:
        if not tier.qualification():
            raise LoyaltyError(
                _(
                    "%(tier)s needs at least one qualification threshold, "
                    "or every member would qualify for it."
                )
                % {"tier": tier.display_name},
                field="qualify_lifetime_spend" if tier is edited else None,
                code="no_threshold",
            )
    for lower, higher in zip(active, active[1:], strict=False):
        for field in QUALIFICATION_FIELDS:
            low, high = getattr(lower, field), getattr(higher, field)
            if low is not None and high is not None and high <= low:
                raise LoyaltyError(
                    _(
                        "%(higher)s would be easier to reach than %(lower)s: its “%(what)s” "
                        "(%(high)s) must be above %(lower)s's (%(low)s)."
                    )
                    % {
                        "higher": higher.display_name,
                        "lower": lower.display_name,
                        "what": _threshold_label(field),
                        "high": _json(high),
                        "low": _json(low),
                    },
                    field=field if edited in (lower, higher) else None,
                    code="ladder_order",
                )


def _check_fields(tier):
    """The model's own field checks (colour, ranges), as a LoyaltyError."""
    try:
        tier.clean_fields(exclude=["rank"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise LoyaltyError(messages[0], field=field, code="invalid") from None


def _check_upgrade_rewards(tiers, *, edited):
    """Each tier's upgrade reward must be open to that tier: a reward whose
    minimum tier ranks above would be refused to every member reaching it.
    Ranks are read from `tiers` (the ladder as it would be)."""
    tiers = [tier for tier in tiers if tier.is_active]  # no one reaches the others
    rank_of = {tier.pk: tier.rank for tier in tiers if tier.pk}
    rewards = Reward.objects.filter(
        pk__in={tier.upgrade_reward_id for tier in tiers if tier.upgrade_reward_id},
        min_tier__isnull=False,
    ).select_related("min_tier")
    rewards = {reward.pk: reward for reward in rewards}
    for tier in sorted(tiers, key=lambda t: t is not edited):
        reward = rewards.get(tier.upgrade_reward_id)
        if reward is None or rank_of.get(reward.min_tier_id, reward.min_tier.rank) <= tier.rank:
            continue
        raise LoyaltyError(
            _(
                "The upgrade reward of %(tier)s, “%(reward)s”, is for %(min_tier)s members "
                "and above, so members reaching %(tier)s would not get it. Choose a "
                "reward open to %(tier)s, or lower its minimum tier in the reward catalogue."
            )
            % {
                "tier": tier.display_name,
                "reward": reward.display_name,
                "min_tier": reward.min_tier.display_name,
            },
            field="upgrade_reward" if tier is edited else None,
            code="upgrade_reward_tier",
        )


def _ladder_with(tier):
    others = list(Tier.objects.exclude(pk=tier.pk)) if tier.pk else list(Tier.objects.all())
    return [*others, tier]


@transaction.atomic(durable=True)
def save_tier(*, tier=None, by=None, **values) -> Tier:
    """Create a tier or change one; the ladder is checked as a whole first."""
    unknown = set(values) - set(TIER_FIELDS)
    if unknown:
        raise TypeError(f"save_tier cannot set {sorted(unknown)}")
    old = locks.lock_settings(Tier.objects, pk=tier.pk) if tier and tier.pk else None
    new = Tier(**{name: getattr(old, name) for name in TIER_FIELDS}) if old else Tier()
    new.pk = old.pk if old else None
    for name, value in values.items():
        setattr(new, name, value)
    new.name = clean_text(new.name)
    new.benefits = clean_text(new.benefits, multiline=True)
    if not new.name:
        raise LoyaltyError(_("Give the tier a name."), field="name", code="name_missing")
    if old and old.is_active and not new.is_active:
        holders = Member.objects.filter(tier=old).count()
        if holders:
            raise LoyaltyError(
                _(
                    "%(count)s members hold this tier: use “Deactivate” to see where "
                    "they would move first."
                )
                % {"count": holders},
                field="is_active",
                code="tier_held",
            )
    _check_fields(new)
    ladder = _ladder_with(new)
    validate_ladder(ladder, edited=new)
    _check_upgrade_rewards(ladder, edited=new)
    new.save()
    changes = _diff(old, new, TIER_FIELDS)
    if changes:
        TierSettingsAudit.objects.create(
            subject=TierSettingsAudit.Subject.TIER,
            tier=new,
            label=new.name,
            changes=changes,
            at=timezone.now(),
            by=by,
        )
        before = settings_snapshot(old, TIER_FIELDS) if old else None
        record_settings_change(obj=new, before=before, fields=TIER_FIELDS, by=by)
    return new


@transaction.atomic(durable=True)
def save_thresholds(*, thresholds, by=None):
    """Change several tiers' thresholds at once: {tier pk: {field: value}}."""
    # FOR NO KEY UPDATE (config.locks): sales referencing these tiers go on.
    locked = locks.lock_settings_rows(Tier.objects.all())
    tiers = {tier.pk: tier for tier in sorted(locked, key=lambda tier: (tier.rank, tier.pk))}
    old = {pk: Tier(**{f: getattr(t, f) for f in TIER_FIELDS}) for pk, t in tiers.items()}
    for pk, values in thresholds.items():
        for name, value in values.items():
            if name not in QUALIFICATION_FIELDS and name not in RETENTION_FIELDS:
                raise TypeError(f"save_thresholds cannot set {name}")
            setattr(tiers[pk], name, value)
    validate_ladder(list(tiers.values()))
    now = timezone.now()
    for pk, tier in tiers.items():
        changes = _diff(old[pk], tier, [*QUALIFICATION_FIELDS, *RETENTION_FIELDS])
        if changes:
            tier.save()
            TierSettingsAudit.objects.create(
                subject=TierSettingsAudit.Subject.TIER,
                tier=tier,
                label=tier.name,
                changes=changes,
                at=now,
                by=by,
            )
            fields = [*QUALIFICATION_FIELDS, *RETENTION_FIELDS]
            before = settings_snapshot(old[pk], fields)
            record_settings_change(obj=tier, before=before, fields=fields, by=by)
    return list(tiers.values())


def _check_programme(programme):
    if programme.window == TierProgramme.Window.ROLLING and not 1 <= programme.window_months <= 36:
        raise LoyaltyError(
            _("The window is 1 to 36 months long."), field="window_months", code="window"
        )
    for band in ("top", "middle", "base"):
        low, high = getattr(programme, f"{band}_min"), getattr(programme, f"{band}_max")
        if not 0 <= low <= high <= 100:
            raise LoyaltyError(
                _("Each target band runs from a lower to a higher share between 0 and 100 %."),
                field=f"{band}_min",
                code="band",
            )


@transaction.atomic(durable=True)
def save_programme(*, by=None, **values) -> TierProgramme:
    """Change the programme settings (window, review, grace, downgrade, pyramid)."""
    unknown = set(values) - set(PROGRAMME_FIELDS)
    if unknown:
        raise TypeError(f"save_programme cannot set {sorted(unknown)}")
    TierProgramme.current()
    programme = locks.lock_settings(TierProgramme.objects, pk=1)
    old = TierProgramme(**{name: getattr(programme, name) for name in PROGRAMME_FIELDS})
    for name, value in values.items():
        setattr(programme, name, value)
    _check_programme(programme)
    changes = _diff(old, programme, PROGRAMME_FIELDS)
    if changes:
        programme.updated_by = by
        programme.save()
        TierSettingsAudit.objects.create(
            subject=TierSettingsAudit.Subject.PROGRAMME,
            label=str(programme),
            changes=changes,
            at=timezone.now(),
            by=by,
        )
        before = settings_snapshot(old, PROGRAMME_FIELDS)
        record_settings_change(obj=programme, before=before, fields=PROGRAMME_FIELDS, by=by)
    return programme


def _deactivation_targets(tier):
    """(remaining active ladder, CASE giving each holder's new rank)."""
    remaining = [t for t in Tier.objects.active().order_by("rank") if t.pk != tier.pk]
    if not remaining:
        raise LoyaltyError(
            _("This is the only active tier: new members need one to join."),
            code="last_tier",
        )
    validate_ladder(remaining)
    below = [t for t in remaining if t.rank < tier.rank] or remaining[:1]
    return remaining, rules.qualified_rank(below)


def deactivation_moves(*, tier, as_of=None):
    """[(target tier, member count)] for the members who hold `tier` now."""
    remaining, target_rank = _deactivation_targets(tier)
    window = rules.window_for(as_of or shop_today())
    by_rank = {t.rank: t for t in remaining}
    rows = (
        Member.objects.filter(tier=tier)
        .annotate(**rules.figure_expressions(window, rules.criteria_used(remaining)))
        .annotate(target_rank=target_rank)
        .values("target_rank")
        .annotate(n=Count("pk"))
        .order_by("-target_rank")
    )
    return [(by_rank[row["target_rank"]], row["n"]) for row in rows]


@transaction.atomic(durable=True)
def deactivate_tier(*, tier, by=None) -> dict:
    """Close a tier: its holders move to the highest lower tier they qualify
    for (the entry tier at worst), each with a history row. Returns
    {target tier: count}."""
    # The tier FOR NO KEY UPDATE, which a sale's KEY SHARE (its foreign key
    # to the tier, taken at commit while it holds its member) never waits
    # for; then the holders in config.locks' member order. A FOR UPDATE here
    # deadlocked with a sale holding a member this moves.
    tier = locks.lock_settings(Tier.objects, pk=tier.pk)
    if not tier.is_active:
        raise LoyaltyError(_("This tier is already inactive."), code="inactive")
    remaining, target_rank = _deactivation_targets(tier)
    window = rules.window_for(shop_today())
    by_rank = {t.rank: t for t in remaining}
    holders = locks.lock_members(
        Member.objects.filter(tier=tier)
        .annotate(**rules.figure_expressions(window, rules.criteria_used(remaining)))
        .annotate(target_rank=target_rank)
        .values_list("pk", "target_rank")
    )
    now = timezone.now()
    reason = _("%(tier)s was deactivated") % {"tier": tier.display_name}
    moved = {}
    for rank in {rank for _pk, rank in holders}:
        pks = [pk for pk, r in holders if r == rank]
        Member.objects.filter(pk__in=pks).update(
            tier=by_rank[rank], tier_since=now, tier_grace_until=None, updated_at=now
        )
        moved[by_rank[rank]] = len(pks)
    TierChange.objects.bulk_create(
        [
            TierChange(
                member_id=pk,
                kind=TierChange.Kind.TIER_CLOSED,
                from_tier=tier,
                to_tier=by_rank[rank],
                reason=reason,
                at=now,
                by=by,
            )
            for pk, rank in holders
        ],
        batch_size=1000,
    )
    tier.is_active = False
    tier.save(update_fields=["is_active", "updated_at"])
    TierSettingsAudit.objects.create(
        subject=TierSettingsAudit.Subject.TIER,
        tier=tier,
        label=tier.name,
        changes={"is_active": [True, False], "members_moved": len(holders)},
        at=now,
        by=by,
    )
    record_settings_change(obj=tier, before={"is_active": True}, fields=["is_active"], by=by)
    return moved
