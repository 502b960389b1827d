"""The points section of the member page: balance, expiring soon, the ledger."""

import uuid

from django import template
from django.core.paginator import Paginator

from config.clock import shop_today
from points.forms import LedgerFilterForm, hand_given_rules
from points.ledger import points_value
from points.models import ProgrammeRules
from points.selectors import expiring_soon, member_ledger

register = template.Library()

LEDGER_PAGE_SIZE = 25
EXPIRING_DAYS = 30


@register.inclusion_tag("points/partials/member_points_section.html", takes_context=True)
def member_points_section(context, member):
    request = context["request"]
    form = LedgerFilterForm(request.GET or None, prefix="ledger")
    filters = form.cleaned_data if form.is_valid() else {}
    entries = member_ledger(
        member,
        kind=filters.get("kind"),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    page = Paginator(entries, LEDGER_PAGE_SIZE).get_page(request.GET.get("ledger-page"))
    query = request.GET.copy()
    query.pop("ledger-page", None)
    expiring = list(expiring_soon(member, days=EXPIRING_DAYS, today=shop_today()))
    return {
        "member": member,
        "request": request,
        "user_is_owner": context.get("user_is_owner"),
        "balance_value": points_value(rules=ProgrammeRules.current(), points=member.points_balance),
        "expiring": expiring,
        "expiring_total": sum(lot.remaining for lot in expiring),
        "expiring_days": EXPIRING_DAYS,
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "award_rules": list(hand_given_rules()),
        "award_key": uuid.uuid4().hex,
        "csrf_token": context.get("csrf_token"),
    }
