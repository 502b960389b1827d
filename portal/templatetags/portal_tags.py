"""Codes and panels of the member pages, and the two pieces other pages
include: the receipt's personal-link QR code and the staff member page's
"member's own page" section."""

from django import template
from django.db.models import Count, Max
from django.utils import timezone

from campaigns.models import plain_number
from portal.codes import code128_svg, qr_svg
from portal.links import link_url
from portal.models import MemberSession

register = template.Library()


@register.filter
def plain(value):
    """1.20 as 1.2, 2.00 as 2: a multiplier as people say it."""
    return plain_number(value)


@register.simple_tag
def qr(value, label=""):
    return qr_svg(str(value), label=label)


@register.simple_tag
def barcode(value, label=""):
    return code128_svg(str(value), label=label)


@register.inclusion_tag("portal/partials/receipt_link.html", takes_context=True)
def receipt_link(context, member):
    """The member's personal link as a small QR code for the receipt."""
    request = context.get("request")
    return {"url": link_url(member, request)}


@register.inclusion_tag("portal/partials/staff_member_section.html", takes_context=True)
def member_pages_panel(context, member):
    """For staff on the member page: phones signed in to the member's own
    page, the link to send, the owner's "sign out everywhere"."""
    sessions = MemberSession.objects.filter(
        member=member,
        generation=member.signin_generation,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).aggregate(last_seen=Max("last_seen_at"), phones=Count("pk"))
    return {
        "member": member,
        "phones": sessions["phones"],
        "last_seen": sessions["last_seen"],
        "user_is_owner": context.get("user_is_owner"),
        "csrf_token": context.get("csrf_token"),
    }
