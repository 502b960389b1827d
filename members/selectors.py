"""Reads of members shared by the member list, the counter and the dashboard."""

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import pgettext_lazy

from config.clock import shop_day_start, shop_today
from config.text import clean_text
from members.models import LifecycleRules, Member, MemberSortKeys
from members.names import name_search_key
from members.phones import try_normalize_phone
from members.sort_keys import NEVER

# A context of their own: "Active" as a stage (活躍) is not the member
# status "Active" (有效).
STAGES = {
    "new": pgettext_lazy("lifecycle stage", "New"),
    "active": pgettext_lazy("lifecycle stage", "Active"),
    "dormant": pgettext_lazy("lifecycle stage", "Dormant"),
    "churned": pgettext_lazy("lifecycle stage", "Churned"),
}


def entry_tier():
    """The tier a new member starts in: the lowest active rank. Read through
    the member's own foreign key: tiers are built on members, so members
    reaches the tier rows without importing that app."""
    return Member.tier.field.related_model.objects.lowest_active()


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def search_members(query, queryset=None, *, number_start=False):
    """Members matching what staff typed: member number or its start (with
    `number_start`), phone in any form, its last digits, or part of a name in
    either Chinese script."""
    queryset = Member.objects.all() if queryset is None else queryset
    # Control characters (a NUL PostgreSQL refuses in any text) name nobody.
    query = clean_text(query)
    if not query:
        return queryset
    digits = _digits(query)
    condition = Q(member_number=query)
    phone = try_normalize_phone(query)
    if phone:
        condition |= Q(phone=phone)
    if digits and len(digits) == len(query.replace(" ", "").replace("-", "")):
        if 3 <= len(digits) < 10:
            condition |= _phone_ends_with(digits)
        condition |= Q(member_number=digits)
        if number_start and len(digits) >= MEMBER_NUMBER_PREFIX:
            # The start of a member number, read off a card: a range of the
            # unique index (its collation is "C", members migration 0015).
            condition |= Q(member_number__startswith=digits)
    else:
        condition |= _name_contains(name_search_key(query))
    return queryset.filter(condition)


# Fewer digits than this are too common a start to list members by.
MEMBER_NUMBER_PREFIX = 4


def _phone_ends_with(digits) -> Q:
    """The phone ends with 3 to 9 `digits`, asked through the phone_tail
    index: three digits are the ten tails that end with them, four are a
    tail, and more name one tail and are rechecked on the phone."""
    if len(digits) == 3:
        return Q(phone_tail__in=[f"{first}{digits}" for first in "0123456789"])
    if len(digits) == 4:
        return Q(phone_tail=digits)
    return Q(phone_tail=digits[-4:], phone__endswith=digits)


class _NameHasPairs(Func):
    """member_name_pairs(name_key) @> ARRAY[pieces]: the condition the GIN
    index member_name_pairs_gin serves (PostgreSQL, members migration 0011)."""

    output_field = BooleanField()

    def __init__(self, pieces):
        super().__init__(F("name_key"), *(Value(piece) for piece in pieces))

    def as_sql(self, compiler, connection, **extra_context):
        (name, name_params), *pieces = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        array = ", ".join(sql for sql, _params in pieces)
        params = [param for _sql, piece_params in pieces for param in piece_params]
        return f"member_name_pairs({name}) @> ARRAY[{array}]::text[]", (*name_params, *params)


def _name_pieces(key) -> list:
    """The key's two-character pieces, each once, in order: 陈美玲 → 陈美, 美玲."""
    return list(dict.fromkeys(key[i : i + 2] for i in range(len(key) - 1)))


def _name_contains(key) -> Q:
    """The name holds `key` anywhere.

    On PostgreSQL a key of two characters or more is looked up through its
    two-character pieces, which the index member_name_pairs_gin serves: a
    name holding the key holds each piece, and the LIKE beside it keeps only
    the names that hold them in a row (as a trigram index's recheck would;
    members migration 0014 dropped that index, dear to every write). For two
    characters the piece is the key itself. One character stays a LIKE: a
    common one (陈) matches a tenth of the members, and reading them through
    an index is no faster.
    """
    if connection.vendor == "postgresql" and len(key) >= 2:
        # Both tests, the LIKE first: when the planner walks the members in
        # list order instead of asking the index (a piece common in Latin
        # names: "my", "ll"), each row costs a LIKE, a seventh of the pieces
        # function's price, and the function runs only on the rows it passes.
        return Q(name_key__contains=key) & Q(_NameHasPairs(_name_pieces(key)))
    return Q(name_key__contains=key)


def single_member(text):
    """The one member a member number or full phone names, or None when the
    text names nobody or several (a bare last-four is never enough)."""
    text = clean_text(text)
    if not text:
        return None
    matches = list(search_members(text).filter(member_number=text)[:1]) or list(
        search_members(text).exclude(phone_tail=text)[:2]
    )
    return matches[0] if len(matches) == 1 else None


def lifecycle_boundaries(today=None, rules=None):
    today = today or shop_today()
    rules = rules or LifecycleRules.current()
    return {
        "new_since": today - timedelta(days=rules.new_days),
        "active_since": shop_day_start(today - timedelta(days=rules.active_days)),
        "active_since_date": today - timedelta(days=rules.active_days),
        "churned_before": shop_day_start(today - timedelta(days=rules.churned_days)),
        "churned_before_date": today - timedelta(days=rules.churned_days),
    }


def stage_condition(stage, today=None, rules=None) -> Q:
    """Q for the members in a lifecycle stage (new, active, dormant, churned).

    New wins over the others while it lasts. After that a member is placed by
    their last purchase: the last sale recorded here, else the last one an
    import brought from the earlier system; one who never bought counts from
    the day they joined and is at best dormant.
    """
    b = lifecycle_boundaries(today, rules)
    is_new = Q(joined_on__gt=b["new_since"])
    if stage == "new":
        return is_new
    brought = Q(last_purchase_at__isnull=True)  # the earlier system's last purchase, if any
    if stage == "active":
        return ~is_new & (
            Q(last_purchase_at__gte=b["active_since"])
            | brought & Q(opening_last_purchase_on__gte=b["active_since_date"])
        )
    never_bought = Q(last_purchase_at__isnull=True, opening_last_purchase_on__isnull=True)
    if stage == "dormant":
        bought_lapsed = Q(
            last_purchase_at__lt=b["active_since"], last_purchase_at__gte=b["churned_before"]
        ) | brought & Q(
            opening_last_purchase_on__lt=b["active_since_date"],
            opening_last_purchase_on__gte=b["churned_before_date"],
        )
        joined_lately = never_bought & Q(joined_on__gte=b["churned_before_date"])
        return ~is_new & (bought_lapsed | joined_lately)
    if stage == "churned":
        bought_long_ago = Q(last_purchase_at__lt=b["churned_before"]) | brought & Q(
            opening_last_purchase_on__lt=b["churned_before_date"]
        )
        joined_long_ago = never_bought & Q(joined_on__lt=b["churned_before_date"])
        return ~is_new & (bought_long_ago | joined_long_ago)
    raise ValueError(f"unknown lifecycle stage {stage!r}")


def lifecycle_stage(member, today=None, rules=None) -> str:
    b = lifecycle_boundaries(today, rules)
    if member.joined_on > b["new_since"]:
        return "new"
    last = member.last_purchase_at
    if last is None and member.opening_last_purchase_on is not None:
        last = shop_day_start(member.opening_last_purchase_on)
    if last is None:
        return "dormant" if member.joined_on >= b["churned_before_date"] else "churned"
    if last >= b["active_since"]:
        return "active"
    if last >= b["churned_before"]:
        return "dormant"
    return "churned"


def member_list(queryset=None):
    queryset = Member.objects.all() if queryset is None else queryset
    return queryset.select_related("tier")


# The member list's sortable columns: the name in the URL, the column(s).
# The name sorts by its search key (one script, lower case), which
# member_name_birthday_idx keeps in order.
SORTS = {
    "name": "name_key",
    "joined": "joined_on",
    "tier": "tier__rank",
    "balance": "points_balance",
    "spend": "lifetime_spend",
    "last_purchase": "last_purchase_at",
}
DEFAULT_SORT = "-joined"


def sort_key(text) -> str:
    """`text` when it names a sortable column (`balance`, `-balance`), else
    the default: newest members first."""
    text = (text or "").strip()
    return text if text.lstrip("-") in SORTS else DEFAULT_SORT


# Within one tier these sort through MemberSortKeys' indexes (tier, the key,
# member), its copy of the member's figures.
SORT_KEYS = {
    "balance": "points_balance",
    "spend": "lifetime_spend",
    "last_purchase": "last_purchase_at",
}


def sorted_members(queryset, sort, *, tier=None):
    """`queryset` in the order `sort` names (see sort_key), ties by id in the
    same direction so pages never overlap. A member who never bought counts
    as having bought longest ago: first from the oldest, last from the newest.

    `tier`: the tier `queryset` is filtered to, if any. The sorts by
    balance, spend and last purchase then read that tier's range of
    MemberSortKeys' index in order and stop at the page. The join makes
    the query's count dearer than the list's own: count `queryset`."""
    sort = sort_key(sort)
    name, descending = sort.lstrip("-"), sort.startswith("-")
    if tier is not None and name in SORT_KEYS:
        # Ordered by member id, which the join makes the index's member_id.
        queryset = queryset.filter(sort_keys__tier=tier)
        key = f"sort_keys__{SORT_KEYS[name]}"
        return queryset.order_by(f"-{key}", "-id") if descending else queryset.order_by(key, "id")
    column = SORTS[name]
    if column == "last_purchase_at":
        if descending:
            return queryset.order_by(F(column).desc(nulls_last=True), "-id")
        return queryset.order_by(F(column).asc(nulls_first=True), "id")
    if descending:
        return queryset.order_by(f"-{column}", "-id")
    return queryset.order_by(column, "id")


def sort_key_mismatches():
    """Members whose MemberSortKeys row is missing or differs from the
    member row (check_ledger: the triggers of members.sort_keys keep them
    equal, so any is a fault)."""
    never = datetime.fromisoformat(NEVER).replace(tzinfo=UTC)
    same = MemberSortKeys.objects.filter(
        member=OuterRef("pk"),
        tier=OuterRef("tier"),
        points_balance=OuterRef("points_balance"),
        lifetime_spend=OuterRef("lifetime_spend"),
        last_purchase_at=Coalesce(OuterRef("last_purchase_at"), Value(never)),
    )
    return Member.objects.exclude(Exists(same)).order_by("pk")


def get_member(pk):
    return Member.objects.select_related("tier", "referred_by", "home_store").get(pk=pk)
