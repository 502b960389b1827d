"""The owner's earning, redemption and expiry rules (ProgrammeRules) and the
behaviour rewards (BehaviourRule). Every change is recorded (config.audit)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from config import locks
from config.audit import record_settings_change, settings_snapshot
from config.errors import LoyaltyError
from config.roles import is_owner
from points import ledger
from points.models import BehaviourRule, LedgerEntry, ProgrammeRules

# What the owner edits: everything a sale reads, plus the reminder lead time.
RULE_FIELDS = (*ProgrammeRules.SALE_FIELDS, "reminder_days")
BEHAVIOUR_RULE_FIELDS = (
    "action",
    "code",
    "name",
    "name_zh_hant",
    "name_zh_hans",
    "points",
    "per_member_cap",
    "is_active",
)


def check_programme_rules(rules):
    """Refuse rules that cannot work (LoyaltyError naming the field)."""
    if rules.earn_per_amount is None or rules.earn_per_amount <= 0:
        raise LoyaltyError(
            _("Enter an amount above zero."), field="earn_per_amount", code="rate_not_positive"
        )
    for name in ("redeem_points", "redeem_value"):
        value = getattr(rules, name)
        if value is None or value <= 0:
            raise LoyaltyError(
                _("Both sides of the redemption rate must be above zero."),
                field=name,
                code="rate_not_positive",
            )
    if rules.max_bill_share is None or not 0 <= rules.max_bill_share <= 100:
        raise LoyaltyError(
            _("Enter a share between 0 and 100."), field="max_bill_share", code="share_range"
        )
    if rules.expiry_policy == ProgrammeRules.ExpiryPolicy.MONTHS and not rules.expiry_months:
        raise LoyaltyError(
            _("Enter after how many months points expire (1 or more)."),
            field="expiry_months",
            code="expiry_months",
        )


@transaction.atomic(durable=True)
def update_programme_rules(*, by, **changes) -> ProgrammeRules:
    """Change the earning, redemption and expiry rules. New rules apply to
    sales from now on; lots already earned keep their expiry dates."""
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"update_programme_rules cannot change {sorted(unknown)}")
    _require_owner(by)
    ProgrammeRules.current()
    rules = locks.lock_settings(ProgrammeRules.objects, pk=1)
    before = settings_snapshot(rules, RULE_FIELDS)
    for name, value in changes.items():
        setattr(rules, name, value)
    check_programme_rules(rules)
    rules.updated_by = ledger.acting_user(by)
    rules.save()
    record_settings_change(obj=rules, before=before, fields=RULE_FIELDS, by=by)
    return rules


def _require_owner(by):
    if not is_owner(by):
        raise LoyaltyError(_("Only an owner can change the points rules."), code="not_owner")


def _check_behaviour_rule(rule):
    """The model's own field checks (a name, a code, no code twice), as a LoyaltyError."""
    try:
        rule.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise LoyaltyError(messages[0], field=field, code="invalid") from None


@transaction.atomic(durable=True)
def save_behaviour_rule(*, rule, by) -> BehaviourRule:
    """Add a behaviour reward or change one (`rule` carries the new values).
    Points already given stay; the new points and cap count from now on."""
    _require_owner(by)
    before = None
    if rule.pk:
        current = locks.lock_settings(BehaviourRule.objects, pk=rule.pk)
        before = settings_snapshot(current, BEHAVIOUR_RULE_FIELDS)
    _check_behaviour_rule(rule)
    rule.save()
    record_settings_change(obj=rule, before=before, fields=BEHAVIOUR_RULE_FIELDS, by=by)
    return rule


@transaction.atomic(durable=True)
def delete_behaviour_rule(*, rule, by) -> None:
    """Remove a behaviour reward that never gave points. One that did stays,
    named by its ledger entries: untick *active* to stop it instead."""
    _require_owner(by)
    rule = locks.lock_settings(BehaviourRule.objects, pk=rule.pk)
    if LedgerEntry.objects.filter(behaviour_rule=rule).exists():
        raise LoyaltyError(
            _(
                "“%(name)s” has given points, which name it in the ledger: untick “active” "
                "to stop it instead."
            )
            % {"name": rule.name},
            code="rule_used",
        )
    record_settings_change(
        obj=rule,
        before=settings_snapshot(rule, BEHAVIOUR_RULE_FIELDS),
        fields=BEHAVIOUR_RULE_FIELDS,
        by=by,
        deleted=True,
    )
    rule.delete()
