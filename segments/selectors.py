"""Who is in a segment: the member list's filters, plus points expiring soon.

A segment's criteria are the member list's filter values as the list's
query string carries them ({"tier": "3", "tags": ["1", "4"], ...}), read
by the list's own FilterSet, so a segment and the list it links to always
agree; `expiring_days` adds "points expiring within N days" (the ledger's
lots, which the member list does not know about).
"""

from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.utils.translation import gettext as _

from config.clock import shop_today
from config.errors import LoyaltyError
from members.filters import MemberFilter
from members.models import Member, Tag
from points.models import LedgerEntry

# The member list's filters a segment keeps (not the search box).
FILTER_FIELDS = (
    "tier",
    "stage",
    "tags",
    "spend_min",
    "spend_max",
    "visits_min",
    "visits_max",
    "birthday_month",
    "last_purchase_from",
    "last_purchase_to",
    "balance_min",
    "balance_max",
    "joined_from",
    "joined_to",
    "status",
    "home_store",
)
EXPIRING = "expiring_days"
MAX_EXPIRING_DAYS = 3650
SAMPLE_SIZE = 10


def as_query(criteria) -> QueryDict:
    """The criteria as the member list's query string (tags still on file only)."""
    query = QueryDict(mutable=True)
    for name in FILTER_FIELDS:
        value = criteria.get(name)
        if value in (None, "", []):
            continue
        if name == "tags":
            known = Tag.objects.filter(pk__in=[v for v in value if str(v).isdigit()])
            query.setlist(name, [str(pk) for pk in known.values_list("pk", flat=True)])
        else:
            query[name] = str(value)
    return query


def clean_criteria(data) -> dict:
    """The criteria in `data` (a QueryDict or dict), checked by the member
    list's filter form; LoyaltyError (field-level) when one is wrong."""
    query = QueryDict(mutable=True)
    for name in FILTER_FIELDS:
        values = data.getlist(name) if hasattr(data, "getlist") else _as_list(data.get(name))
        values = [str(v).strip() for v in values if str(v).strip()]
        if values:
            query.setlist(name, values)
    member_filter = MemberFilter(query, queryset=Member.objects.none())
    if not member_filter.is_valid():
        field, errors = next(iter(member_filter.form.errors.items()))
        raise LoyaltyError(errors[0], field=None if field == "__all__" else field, code="criteria")
    criteria = {
        name: (query.getlist(name) if name == "tags" else query[name])
        for name in FILTER_FIELDS
        if name in query
    }
    days = str(data.get(EXPIRING) or "").strip()
    if days:
        if not days.isdigit() or not 1 <= int(days) <= MAX_EXPIRING_DAYS:
            raise LoyaltyError(
                _("Points expiring within: a whole number of days from 1 to 3650."),
                field=EXPIRING,
                code="criteria",
            )
        criteria[EXPIRING] = int(days)
    return criteria


def _as_list(value):
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]


def segment_members(criteria, *, today=None):
    """The members `criteria` keep, as one queryset (nothing is read yet)."""
    member_filter = MemberFilter(as_query(criteria), queryset=Member.objects.all())
    queryset = member_filter.qs
    days = criteria.get(EXPIRING)
    if days:
        today = today or shop_today()
        expiring = LedgerEntry.objects.filter(
            member_id=OuterRef("pk"),
            remaining__gt=0,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=int(days)),
        )
        queryset = queryset.filter(Exists(expiring))
    return queryset


def segment_preview(criteria):
    """(count, the first SAMPLE_SIZE members by name) for the edit page."""
    queryset = segment_members(criteria)
    sample = list(queryset.select_related("tier").order_by("name", "pk")[:SAMPLE_SIZE])
    return queryset.count(), sample


def list_link_query(criteria) -> str:
    """The member list's query string for the segment, or "" when the list
    cannot show it (points expiring is not one of the list's filters)."""
    if criteria.get(EXPIRING):
        return ""
    return as_query(criteria).urlencode()
