"""Reads behind the counter page: finding a member and the member card.

Every read here costs a fixed number of queries whatever the size of the
member list (tests/points/test_counter_queries.py holds us to it).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Min, Sum

from config.clock import shop_today
from config.money import round_money
from members.models import Member
from members.selectors import STAGES, lifecycle_stage, search_members
from points.models import LedgerEntry, ProgrammeRules

# A pick-list longer than this is no help at a counter: ask for more digits.
PICK_LIST_SIZE = 8
EXPIRING_WITHIN_DAYS = 30


@dataclass
class FindResult:
    query: str
    matches: list
    more: bool = False

    @property
    def member(self):
        return self.matches[0] if len(self.matches) == 1 else None


def find_members(query) -> FindResult:
    """What the one box found: one member, a short pick-list, or nobody."""
    query = " ".join(str(query or "").split())
    if not query:
        return FindResult(query="", matches=[])
    found = list(
        search_members(query, Member.objects.select_related("tier")).order_by("name", "id")[
            : PICK_LIST_SIZE + 1
        ]
    )
    exact = [m for m in found if m.member_number == query]
    if exact:
        # A member number is unique: scanning a card never asks to pick.
        return FindResult(query=query, matches=exact)
    return FindResult(query=query, matches=found[:PICK_LIST_SIZE], more=len(found) > PICK_LIST_SIZE)


def counter_member(pk) -> Member:
    return Member.objects.select_related("tier").get(pk=pk)


def points_cash_value(points: int, rules: ProgrammeRules) -> Decimal:
    """What `points` are worth as cash at the owner's redemption rate."""
    return round_money(Decimal(points) * rules.redeem_value / rules.redeem_points)


@dataclass
class Expiring:
    points: int = 0
    first_date: object = None


def expiring_soon(member, *, today=None, within_days=EXPIRING_WITHIN_DAYS) -> Expiring:
    """Points in the member's open lots that expire within `within_days`."""
    today = today or shop_today()
    totals = LedgerEntry.objects.filter(
        member=member,
        remaining__gt=0,
        expires_on__gte=today,
        expires_on__lte=today + timedelta(days=within_days),
    ).aggregate(points=Sum("remaining"), first_date=Min("expires_on"))
    return Expiring(points=totals["points"] or 0, first_date=totals["first_date"])


@dataclass
class MemberCard:
    member: Member
    rules: ProgrammeRules
    cash_value: Decimal
    expiring: Expiring
    stage: str
    stage_label: str
    birthday_this_month: bool
    # Filled by the Campaigns and Tiers issues; the card shows them when present.
    campaigns_today: list = field(default_factory=list)
    next_tier: object = None


def member_card(member, *, today=None) -> MemberCard:
    """Everything the counter shows about a member, in a fixed number of queries."""
    today = today or shop_today()
    rules = ProgrammeRules.current()
    stage = lifecycle_stage(member, today=today)
    return MemberCard(
        member=member,
        rules=rules,
        cash_value=points_cash_value(member.points_balance, rules),
        expiring=expiring_soon(member, today=today),
        stage=stage,
        stage_label=STAGES[stage],
        birthday_this_month=bool(member.birthday and member.birthday.month == today.month),
    )
