"""Points that are not a sale's: owner adjustments, behaviour points
(joining, a completed profile, a birthday, a referral, owner-defined
actions), each within its per-member cap, and the referrer's reward on a
referred member's first sale."""

from django.db import transaction
from django.utils.translation import gettext as _

from config.clock import shop_date, shop_today
from config.errors import LoyaltyError
from config.roles import is_owner
from config.text import clean_text
from points import ledger
from points.ledger import Kind
from points.models import BehaviourRule, LedgerEntry


@transaction.atomic(durable=True)
def adjust_points(*, member, points, reason, idempotency_key, by) -> LedgerEntry:
    """An owner adds (points > 0) or removes (points < 0) points, with a reason."""
    if not is_owner(by):
        raise LoyaltyError(_("Only an owner can adjust points."), code="not_owner")
    reason = clean_text(reason)
    if not reason:
        raise LoyaltyError(
            _("Give a reason for the adjustment."), field="reason", code="reason_missing"
        )
    points = int(points)
    if points == 0:
        raise LoyaltyError(
            _("Enter a number of points other than zero."), field="points", code="points_zero"
        )
    member = ledger.lock_member(member)
    service = ledger.grant_points if points > 0 else ledger.spend_points
    try:
        return service(
            member=member,
            points=abs(points),
            kind=Kind.ADJUSTMENT,
            idempotency_key=idempotency_key,
            reason=reason,
            by=by,
        )
    except LoyaltyError as error:
        error.field = "points" if error.code == "insufficient_points" else error.field
        raise


def _behaviour_rule(action):
    rules = BehaviourRule.objects.filter(is_active=True)
    rule = rules.filter(code=action).first() or rules.filter(action=action).first()
    if rule is None:
        raise LoyaltyError(
            _("No active behaviour reward “%(action)s” is set up.") % {"action": action},
            code="no_rule",
        )
    return rule


@transaction.atomic(durable=True)
def award_behaviour_points(*, member, action, idempotency_key, by=None) -> LedgerEntry:
    """Points for joining, a completed profile, a birthday, a referral or an
    owner-defined action (`action` is a BehaviourRule code or action).

    Scheduled jobs pass deterministic keys (e.g. birthday:<member>:<year>), so
    a redelivered task returns the first entry. Refused (LoyaltyError) for a
    blocked member, a missing rule, or a member at the rule's cap.
    """
    return grant_behaviour_points(
        member=ledger.lock_member(member), action=action, idempotency_key=idempotency_key, by=by
    )


def grant_behaviour_points(
    *, member, action, idempotency_key, by=None, if_set_up=False, store_id=None
) -> LedgerEntry | None:
    """Composable core of award_behaviour_points (member already locked).

    With `if_set_up`, a missing rule, a blocked member or a reached cap give
    nothing instead of an error: enrolment and profile updates use this, so
    a shop without such a reward enrols as before.
    """
    existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        if existing.member_id != member.pk or existing.kind != Kind.BEHAVIOUR_EARN:
            raise ledger.key_conflict(idempotency_key)
        return existing
    try:
        ledger.refuse_blocked(member)
        rule = _behaviour_rule(action)
        refusal = _behaviour_refusal(member, rule)
        if refusal:
            raise refusal
    except LoyaltyError:
        if if_set_up:
            return None
        raise
    return ledger.grant_points(
        member=member,
        points=rule.points,
        kind=Kind.BEHAVIOUR_EARN,
        idempotency_key=idempotency_key,
        reason=rule.name,
        by=by,
        behaviour_rule=rule,
        store_id=store_id,
    )


def _behaviour_refusal(member, rule) -> LoyaltyError | None:
    """Why `member` cannot have `rule`'s points again (its cap), or None."""
    earned = LedgerEntry.objects.filter(member=member, behaviour_rule=rule)
    if rule.action == BehaviourRule.Action.BIRTHDAY:
        this_year = shop_today().year
        earned_at = earned.values_list("created_at", flat=True)
        if any(shop_date(at).year == this_year for at in earned_at):
            return LoyaltyError(
                _("Birthday points were already given this year."), code="cap_reached"
            )
    if rule.per_member_cap is not None and earned.count() >= rule.per_member_cap:
        return LoyaltyError(
            _("%(name)s already has “%(rule)s” the most times allowed (%(cap)d).")
            % {"name": member.name, "rule": rule.name, "cap": rule.per_member_cap},
            code="cap_reached",
        )
    return None


def reward_referrer(*, buyer, by, at):
    """On a referred member's first sale, the referrer earns the referral reward
    (if one is active, they are not blocked and not at its cap). Never refuses
    the sale: a referrer who cannot earn simply gets nothing."""
    rule = BehaviourRule.objects.filter(
        is_active=True, action=BehaviourRule.Action.REFERRAL
    ).first()
    if rule is None:
        return None
    # Second member lock, always buyer then referrer (the tier engine does the same).
    referrer = ledger.lock_member(buyer.referred_by_id)
    if referrer.is_blocked or _behaviour_refusal(referrer, rule):
        return None
    return ledger.grant_points(
        member=referrer,
        points=rule.points,
        kind=Kind.BEHAVIOUR_EARN,
        idempotency_key=f"referral:{buyer.pk}",
        reason=_("%(rule)s: %(name)s") % {"rule": rule.name, "name": buyer.name},
        by=by,
        at=at,
        behaviour_rule=rule,
    )
