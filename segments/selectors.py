"""Who is in a segment: the member list's filters, plus points expiring soon.

A segment's criteria are the member list's filter values as the list's
query string carries them ({"tier": "3", "tags": ["1", "4"], ...}), read
by the list's own FilterSet, so a segment and the list it links to always
agree; `expiring_days` adds "points expiring within N days" (the ledger's
lots, which the member list does not know about).
"""

from datetime import timedelta

from django.db import connection
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.utils.translation import gettext as _

from config.clock import shop_today
from config.errors import LoyaltyError
from members.filters import MemberFilter
from members.models import Member, Tag
from points.models import LedgerEntry
from segments.models import Segment

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
COUNTS_PER_QUERY = 25


def as_query(criteria, *, tags_on_file=None) -> QueryDict:
    """The criteria as the member list's query string (tags still on file
    only; `tags_on_file`: the ids of all tags, in their order, when the
    caller read them once for several segments)."""
    query = QueryDict(mutable=True)
    for name in FILTER_FIELDS:
        value = criteria.get(name)
        if value in (None, "", []):
            continue
        if name == "tags":
            wanted = [v for v in value if str(v).isdigit()]
            if tags_on_file is None:
                known = Tag.objects.filter(pk__in=wanted).values_list("pk", flat=True)
            else:
                chosen = {int(v) for v in wanted}
                known = [pk for pk in tags_on_file if pk in chosen]
            query.setlist(name, [str(pk) for pk in known])
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


def segment_members(criteria, *, today=None, lifecycle_rules=None, tags_on_file=None):
    """The members `criteria` keep, as one queryset (nothing is read yet).
    `today`: the shop day it is asked for (stage, points expiring);
    `lifecycle_rules`: the stage's day counts when the caller has them;
    `tags_on_file`: see as_query."""
    member_filter = MemberFilter(
        as_query(criteria, tags_on_file=tags_on_file),
        queryset=Member.objects.all(),
        today=today,
        lifecycle_rules=lifecycle_rules,
    )
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


def segments_keeping(querysets, *, member_id) -> set:
    """The keys of `querysets` ({key: a segment_members queryset}) whose
    segment keeps the member `member_id` now, asked in one query (an EXISTS
    on the member's primary key per segment)."""
    if not querysets or member_id is None:
        return set()
    checks = {
        f"in_{number}": Exists(queryset.filter(pk=member_id))
        for number, queryset in enumerate(querysets.values())
    }
    row = Member.objects.filter(pk=member_id).values(**checks).first()
    if row is None:
        return set()
    return {key for number, key in enumerate(querysets) if row[f"in_{number}"]}


def segment_preview(criteria):
    """(count, the first SAMPLE_SIZE members by name) for the edit page."""
    queryset = segment_members(criteria)
    sample = list(queryset.select_related("tier").order_by("name", "pk")[:SAMPLE_SIZE])
    return queryset.count(), sample


def list_link_query(criteria, *, tags_on_file=None) -> str:
    """The member list's query string for the segment, or "" when the list
    cannot show it (points expiring is not one of the list's filters)."""
    if criteria.get(EXPIRING):
        return ""
    return as_query(criteria, tags_on_file=tags_on_file).urlencode()


def segments_with_counts() -> list:
    """Every segment with its member_count and list_query (the segments page)."""
    segments = list(Segment.objects.all())
    tags_on_file = list(Tag.objects.values_list("pk", flat=True))
    counts = segment_counts(segments, tags_on_file=tags_on_file)
    for segment in segments:
        segment.member_count = counts[segment.pk]
        segment.list_query = list_link_query(segment.criteria, tags_on_file=tags_on_file)
    return segments


def segment_counts(segments, *, tags_on_file=None) -> dict:
    """{segment pk: segment_members(criteria).count()} for many segments (the
    segments page): the counts of COUNTS_PER_QUERY segments in one statement,
    each its own scalar subquery, which the database plans as it plans that
    segment's count alone; the tags on file read once."""
    segments = list(segments)
    if tags_on_file is None and any(segment.criteria.get("tags") for segment in segments):
        tags_on_file = list(Tag.objects.values_list("pk", flat=True))
    counts = {}
    for start in range(0, len(segments), COUNTS_PER_QUERY):
        batch = segments[start : start + COUNTS_PER_QUERY]
        parts, params = [], []
        for segment in batch:
            members = segment_members(segment.criteria, tags_on_file=tags_on_file)
            sql, member_params = members.order_by().values("pk").query.sql_with_params()
            parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS segment_{len(parts)})")
            params.extend(member_params)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(parts)}", params)
            row = cursor.fetchone()
        counts.update({segment.pk: count for segment, count in zip(batch, row, strict=True)})
    return counts
