"""How the dashboard writes its figures; None (nothing to divide by) is a dash."""

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

register = template.Library()

DASH = "–"


@register.filter
def percent(fraction):
    """0.125 -> 12.5%"""
    if fraction is None:
        return DASH
    return f"{Decimal(fraction) * 100:.1f}%"


@register.filter
def relative_change(fraction):
    """Change against the previous period: 0.1 -> +10.0%"""
    if fraction is None:
        return DASH
    return f"{Decimal(fraction) * 100:+.1f}%"


@register.filter
def point_change(difference):
    """The change of a ratio, in percentage points: 0.032 -> +3.2 pp"""
    if difference is None:
        return DASH
    return _("%(value)s pp") % {"value": f"{Decimal(difference) * 100:+.1f}"}


@register.filter
def figure(value, places=0):
    """A count or a rate with `places` decimals, thousands separated."""
    if value is None:
        return DASH
    return f"{Decimal(value):,.{int(places)}f}"


@register.filter
def trend(change):
    """A CSS class for a change: up, down or flat."""
    if change is None or change == 0:
        return "flat"
    return "up" if change > 0 else "down"
