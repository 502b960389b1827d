from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.money import format_money
from tiers import progress, selectors

register = template.Library()


def _phrase(criterion, value):
    if criterion == "lifetime_spend":
        return _("%(amount)s lifetime") % {"amount": format_money(value)}
    if criterion == "window_spend":
        return _("%(amount)s in the window") % {"amount": format_money(value)}
    if criterion == "window_purchases":
        return ngettext("%(n)s purchase in the window", "%(n)s purchases in the window", value) % {
            "n": value
        }
    if criterion == "referred_buyers":
        return ngettext("%(n)s referred buyer", "%(n)s referred buyers", value) % {"n": value}
    return ngettext(
        "%(n)s point earned in the window", "%(n)s points earned in the window", value
    ) % {"n": value}


@register.filter
def qualification_summary(tier):
    """ "NT$5,000 lifetime or NT$3,000 in the window", or a dash."""
    parts = [_phrase(c, v) for c, v in tier.qualification().items()]
    return _(" or ").join(parts) if parts else "–"


@register.filter
def retention_summary(tier):
    parts = [_phrase(c, v) for c, v in tier.retention().items()]
    return _(" or ").join(parts) if parts else "–"


@register.inclusion_tag("tiers/partials/member_tier.html", takes_context=True)
def member_tier_panel(context, member):
    """Tier since when, grace, pin, progress and history for the member page."""
    return {
        "member": member,
        "progress": progress.tier_progress(member),
        "history": selectors.tier_history(member),
        "user_is_owner": context.get("user_is_owner"),
    }


@register.inclusion_tag("tiers/partials/progress.html")
def tier_progress_line(member):
    """One line for the counter card: what the member needs for the next tier."""
    return {"progress": progress.tier_progress(member), "member": member}
