from django import template

from rewards import selectors

register = template.Library()


@register.inclusion_tag("rewards/partials/member_rewards.html", takes_context=True)
def member_rewards(context, member):
    """The member page's rewards section: recent redemptions and usable coupons."""
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "member": member,
        "redemptions": selectors.member_redemptions(member=member),
        "coupons": selectors.usable_coupons(member=member),
    }
