"""The owner's settings behind the dashboard's lifecycle stages."""

from django.db import transaction
from django.utils.translation import gettext as _

from config.errors import LoyaltyError
from members.models import LifecycleRules

MAX_DAYS = 3650


def _check_days(name, value):
    if not 1 <= value <= MAX_DAYS:
        raise LoyaltyError(
            _("Enter a number of days between 1 and %(max)d.") % {"max": MAX_DAYS},
            field=name,
            code="days_out_of_range",
        )


@transaction.atomic(durable=True)
def update_lifecycle_rules(*, new_days, active_days, churned_days, by=None) -> LifecycleRules:
    """Set the day counts of the lifecycle stages (new, active, dormant,
    churned). A member is churned only after they stop being active, so
    churned_days must be more than active_days."""
    for name, value in (
        ("new_days", new_days),
        ("active_days", active_days),
        ("churned_days", churned_days),
    ):
        _check_days(name, value)
    if churned_days <= active_days:
        raise LoyaltyError(
            _(
                "Churned must count more days than active (%(active)d), or no member "
                "would ever be dormant."
            )
            % {"active": active_days},
            field="churned_days",
            code="churn_before_active",
        )
    LifecycleRules.current()  # the row exists before we lock it
    rules = LifecycleRules.objects.select_for_update().get(pk=1)
    rules.new_days, rules.active_days, rules.churned_days = new_days, active_days, churned_days
    rules.save(update_fields=["new_days", "active_days", "churned_days"])
    return rules
