"""The demo shop's sales: a year of them (two for the regulars), in opening
hours, with the week's rhythm and the 18th's double-points crowd.

Sales are recorded in the order they happened across all members, so the
year-end expiry can run when the year turns, as the nightly job would have:
points earned two years ago that nobody spent expire on New Year's day of
last year, and later redemptions never draw on them.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils import timezone

from config.clock import shop_day_start, shop_today
from loyalty.sale import quote_purchase, record_purchase
from members.models import Member
from points.expiry import expire_points
from points.models import LedgerEntry
from points.refund import refund_purchase

OPENING_HOUR, CLOSING_HOUR = 10, 21
# Monday ... Sunday: quiet early in the week, busy at the weekend.
WEEKDAY_WEIGHT = (0.6, 0.7, 0.8, 0.9, 1.2, 1.8, 1.5)
# 10:00 ... 20:00: a lunch bump, the afternoon, then after work.
HOUR_WEIGHT = (1, 2, 3, 3, 4, 4, 3, 3, 4, 4, 2)
CAMPAIGN_DAY = 18  # the demo's double-points day draws twice the crowd
REGULARS_SHARE = 0.15  # members whose history goes back past last New Year's day
REGULARS_REACH_DAYS = 800


@dataclass(order=True)
class PlannedSale:
    at: datetime
    member_id: int
    index: int
    amount: Decimal


def day_weight(day: date) -> float:
    weight = WEEKDAY_WEIGHT[day.weekday()]
    return weight * 2 if day.day == CAMPAIGN_DAY else weight


def sale_moment(rng, first_day: date, last_day: date, now: datetime) -> datetime | None:
    """A moment in opening hours on a day drawn by the week's rhythm, or None
    when the member had no such day before `now`."""
    if last_day < first_day:
        return None
    span = (last_day - first_day).days + 1
    top = max(WEEKDAY_WEIGHT) * 2
    for _attempt in range(50):
        day = first_day + timedelta(days=rng.randrange(span))
        if rng.random() * top > day_weight(day):
            continue
        hour = rng.choices(range(OPENING_HOUR, CLOSING_HOUR), weights=HOUR_WEIGHT)[0]
        moment = shop_day_start(day) + timedelta(hours=hour, minutes=rng.randrange(60))
        if moment < now:
            return moment
    return None


def plan_sales(members, *, seed, now):
    """Every demo sale to record, oldest first. Each member's draws are
    seeded by their phone (the demo's phones come from a seeded draw; member
    numbers do not), so a second load plans the same."""
    today = shop_today()
    planned = []
    for member in members:
        rng = random.Random(f"{seed}-{member.phone}")
        regular = rng.random() < REGULARS_SHARE
        if regular:
            # A regular's history starts well over a year back (their join
            # day moves with it), with a first visit in its first two months.
            first_day = today - timedelta(days=REGULARS_REACH_DAYS)
            count = rng.choice([4, 6, 8, 10, 12])
            moments = [sale_moment(rng, first_day, first_day + timedelta(days=60), now)]
        else:
            first_day = max(member.joined_on, today - timedelta(days=365))
            count = rng.choice([0, 1, 2, 2, 3, 4, 5, 6, 8])
            moments = []
        moments += [sale_moment(rng, first_day, today, now) for _ in range(count - len(moments))]
        # Each member spends around a level of their own (e^7.4 is about NT$1,600),
        # so the ladder comes out a pyramid rather than a quarter at the top.
        level = rng.gauss(7.4, 0.45)
        for index, moment in enumerate(sorted(m for m in moments if m is not None)):
            bill = min(max(int(rng.lognormvariate(level, 0.35)), 150), 9000)
            planned.append(PlannedSale(moment, member.pk, index, Decimal(bill // 10 * 10)))
    return sorted(planned)


def record_demo_sales(*, seed=2026):
    """Record the planned sales of members who have none yet, in time order,
    expiring the year's leftovers each New Year's day on the way."""
    staff = get_user_model().objects.get(username="staff")
    now = timezone.now()
    members = {m.pk: m for m in Member.objects.filter(purchase_count=0).order_by("pk")}
    planned = plan_sales(members.values(), seed=seed, now=now)
    # The member row was created today: give the older history its own join day.
    for sale in planned:
        member = members[sale.member_id]
        if sale.at.date() < member.joined_on:
            Member.objects.filter(pk=member.pk).update(joined_on=sale.at.date())
            member.joined_on = sale.at.date()
    next_new_year = date(planned[0].at.year + 1, 1, 1) if planned else None
    for sale in planned:
        while next_new_year and shop_day_start(next_new_year) <= sale.at:
            expire_points(as_of=next_new_year)
            next_new_year = date(next_new_year.year + 1, 1, 1)
        _record(members[sale.member_id], sale, seed=seed, staff=staff)
    if next_new_year and next_new_year <= shop_today():
        expire_points(as_of=next_new_year)
    return len(planned)


def _record(member, planned, *, seed, staff):
    # Seeded by the phone: member numbers are drawn at random on enrolment.
    rng = random.Random(f"{seed}-{member.phone}-{planned.index}")
    member.refresh_from_db(fields=["points_balance", "tier"])
    points = 0
    if member.points_balance >= 200 and rng.random() < 0.35:
        most = quote_purchase(member=member, amount=planned.amount, at=planned.at)
        # Only points the member had by then: the welcome points of a member
        # whose join day moved back are dated the day the demo enrolled them.
        had = LedgerEntry.objects.filter(member=member, created_at__lte=planned.at).aggregate(
            total=Sum("points")
        )["total"]
        points = min(most.max_redeemable_points, had or 0) // 100 * 100
    sale = record_purchase(
        member=member,
        amount=planned.amount,
        points_to_redeem=points if points >= 100 else 0,
        idempotency_key=f"demo-sale-{member.member_number}-{planned.index}",
        by=staff,
        at=planned.at,
    )
    if rng.random() < 0.03:
        # Brought back the same day, before any later visit of the member's
        # is recorded: dated now, points it gave back would look spent
        # before they came back.
        refund_purchase(
            purchase=sale,
            amount=(sale.amount_paid / 2).quantize(Decimal("1")),
            idempotency_key=f"demo-refund-{member.member_number}-{planned.index}",
            by=staff,
            reason="Returned one item",
            at=min(planned.at + timedelta(minutes=30), timezone.now()),
        )
