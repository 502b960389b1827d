"""The owner's earning, redemption and expiry rules (ProgrammeRules)."""

from django.db import transaction
from django.utils.translation import gettext as _

from config import locks
from config.errors import LoyaltyError
from config.roles import is_owner
from points import ledger
from points.models import ProgrammeRules

# What the owner edits: everything a sale reads, plus the reminder lead time.
RULE_FIELDS = (*ProgrammeRules.SALE_FIELDS, "reminder_days")


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
    if not is_owner(by):
        raise LoyaltyError(_("Only an owner can change the points rules."), code="not_owner")
    ProgrammeRules.current()
    rules = locks.lock_settings(ProgrammeRules.objects, pk=1)
    for name, value in changes.items():
        setattr(rules, name, value)
    check_programme_rules(rules)
    rules.updated_by = ledger.acting_user(by)
    rules.save()
    return rules
