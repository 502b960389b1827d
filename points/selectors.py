"""Reads of the ledger shared by the member page, check_ledger and the dashboard."""

from datetime import timedelta

from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from config.clock import shop_day_bounds, shop_today
from members.models import Member
from points.models import LedgerEntry, LotDraw


def _sum_of(queryset, group_by, column):
    return Coalesce(
        Subquery(
            queryset.values(group_by).annotate(total=Sum(column)).values("total")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def ledger_mismatches(member_ids=None):
    """Members whose cached balance differs from the ledger sum or from the
    sum of their lots' remainders, annotated with `ledger_sum` and `lots_sum`."""
    members = (
        Member.objects.all() if member_ids is None else Member.objects.filter(pk__in=member_ids)
    )
    return (
        members.annotate(
            ledger_sum=_sum_of(
                LedgerEntry.objects.filter(member=OuterRef("pk")), "member", "points"
            ),
            lots_sum=_sum_of(
                LedgerEntry.objects.filter(member=OuterRef("pk"), remaining__isnull=False),
                "member",
                "remaining",
            ),
        )
        .filter(~Q(points_balance=F("ledger_sum")) | ~Q(points_balance=F("lots_sum")))
        .order_by("pk")
    )


def lot_mismatches(member_ids=None):
    """Lots whose remaining count differs from their points less what spends
    drew plus what returns gave back, annotated with `expected`."""
    lots = LedgerEntry.objects.filter(remaining__isnull=False)
    if member_ids is not None:
        lots = lots.filter(member_id__in=member_ids)
    draws = LotDraw.objects.filter(lot=OuterRef("pk"))
    return (
        lots.annotate(
            expected=F("points")
            - _sum_of(draws.filter(entry__points__lt=0), "lot", "points")
            + _sum_of(draws.filter(entry__points__gt=0), "lot", "points")
        )
        .exclude(remaining=F("expected"))
        .order_by("pk")
    )


def member_ledger(member, *, kind=None, since=None, until=None):
    """A member's ledger, newest first, optionally of one kind and between two shop days."""
    entries = LedgerEntry.objects.filter(member=member).select_related("by", "purchase")
    if kind:
        entries = entries.filter(kind=kind)
    if since:
        entries = entries.filter(created_at__gte=shop_day_bounds(since)[0])
    if until:
        entries = entries.filter(created_at__lt=shop_day_bounds(until)[1])
    return entries.order_by("-created_at", "-id")


def expiring_soon(member, *, days=30, today=None):
    """The member's lots with points left whose last day falls in the next `days` days."""
    today = today or shop_today()
    return (
        LedgerEntry.objects.filter(
            member=member,
            remaining__gt=0,
            expires_on__gte=today,
            expires_on__lt=today + timedelta(days=days),
        )
        .order_by("expires_on", "id")
        .only("id", "remaining", "expires_on", "kind", "created_at")
    )
