"""A grace is settled on the day after it ends, whatever the review schedule."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from automation.jobs import run_job
from config.clock import shop_day_start
from members.models import Member
from tests.factories import MemberFactory
from tests.tiers.conftest import at, buy
from tiers.grace import settle_graces
from tiers.models import TierChange, TierProgramme

GRACE_ENDS = date(2027, 3, 14)  # the day after is no review day under any schedule
FREQUENCIES = ["monthly", "quarterly", "yearly"]


def _programme(**values):
    programme = TierProgramme.current()
    for name, value in values.items():
        setattr(programme, name, value)
    programme.save()
    return programme


def _gold_in_grace(salon, *, grace_until=GRACE_ENDS):
    """A Gold member short of Gold's 2,000 a year, with 2,500 lifetime from
    long ago: they keep Silver (2,000 lifetime)."""
    member = MemberFactory(tier=salon["gold"], tier_grace_until=grace_until)
    buy(member, "2500", at(date(2024, 5, 1)), evaluate=False)
    return member


@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_short_member_drops_the_day_after_grace_ends(salon, frequency):
    _programme(frequency=frequency)
    member = _gold_in_grace(salon)

    on_last_day = run_job(job="tier_review", day=GRACE_ENDS)
    member.refresh_from_db()
    assert (member.tier, member.tier_grace_until) == (salon["gold"], GRACE_ENDS)
    assert on_last_day.summary["graces_settled"] == 0

    run = run_job(job="tier_review", day=GRACE_ENDS + timedelta(days=1))
    member.refresh_from_db()
    assert member.tier == salon["silver"]
    assert member.tier_grace_until is None
    change = member.tier_changes.get()
    assert change.kind == TierChange.Kind.DOWNGRADE
    assert change.at == shop_day_start(GRACE_ENDS + timedelta(days=1))
    assert change.reason == "Still short when the grace period ended"
    assert change.figures["window_spend"] == "0.00"
    assert run.summary["due"] is False
    assert run.summary["graces_settled"] == 1
    assert run.summary["downgraded"] == 1
    assert run.summary["moves"] == {"Gold → Silver": 1}


@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_member_who_now_keeps_the_tier_leaves_grace(salon, frequency):
    _programme(frequency=frequency)
    member = _gold_in_grace(salon)
    buy(member, "2100", at(GRACE_ENDS - timedelta(days=20)), evaluate=False)  # 2,000 a year

    run = run_job(job="tier_review", day=GRACE_ENDS + timedelta(days=1))

    member.refresh_from_db()
    assert member.tier == salon["gold"]
    assert member.tier_grace_until is None
    change = member.tier_changes.get()
    assert change.kind == TierChange.Kind.GRACE_CLEARED
    assert change.figures["window_spend"] == "2100.00"
    assert (run.summary["grace_cleared"], run.summary["downgraded"]) == (1, 0)


def test_a_sale_on_the_last_day_of_grace_still_counts(salon):
    member = _gold_in_grace(salon)
    buy(member, "2000", at(GRACE_ENDS, hour=21), evaluate=False)
    settle_graces(as_of=GRACE_ENDS + timedelta(days=1))
    member.refresh_from_db()
    assert (member.tier, member.tier_grace_until) == (salon["gold"], None)


def test_settling_twice_changes_nothing_more(salon):
    members = [_gold_in_grace(salon) for _ in range(3)]
    day = GRACE_ENDS + timedelta(days=1)
    first = settle_graces(as_of=day, chunk_size=2)
    assert (first.members, first.downgraded) == (3, 3)
    second = settle_graces(as_of=day, chunk_size=2)
    assert (second.members, second.downgraded, second.grace_cleared) == (0, 0, 0)
    assert TierChange.objects.count() == 3
    assert {m.tier_id for m in Member.objects.filter(pk__in=[m.pk for m in members])} == {
        salon["silver"].pk
    }


def test_one_step_down_when_the_programme_says_so(salon):
    _programme(downgrade=TierProgramme.Downgrade.ONE_STEP)
    member = MemberFactory(tier=salon["gold"], tier_grace_until=GRACE_ENDS)  # bought nothing
    settle_graces(as_of=GRACE_ENDS + timedelta(days=1))
    member.refresh_from_db()
    assert member.tier == salon["silver"]


def test_straight_to_the_tier_they_qualify_for_by_default(salon):
    member = MemberFactory(tier=salon["gold"], tier_grace_until=GRACE_ENDS)  # bought nothing
    settle_graces(as_of=GRACE_ENDS + timedelta(days=1))
    member.refresh_from_db()
    assert member.tier == salon["member"]


def test_a_pin_set_by_hand_holds_the_tier(salon, owner):
    member = _gold_in_grace(salon)
    TierChange.objects.create(
        member=member,
        kind=TierChange.Kind.MANUAL,
        from_tier=salon["silver"],
        to_tier=salon["gold"],
        reason="VIP",
        at=at(date(2027, 1, 5)),
        pinned_until=date(2027, 12, 31),
        by=owner,
    )
    Member.objects.filter(pk=member.pk).update(tier_pinned_until=date(2027, 12, 31))
    settle_graces(as_of=GRACE_ENDS + timedelta(days=1))
    member.refresh_from_db()
    assert (member.tier, member.tier_grace_until) == (salon["gold"], None)


def test_monthly_review_with_90_days_drops_on_day_91(salon):
    """The issue's case: the drop came about 120 days in; now the day after."""
    _programme(frequency="monthly", grace_days=90)
    member = MemberFactory(tier=salon["gold"])
    buy(member, "2500", at(date(2024, 5, 1)), evaluate=False)

    run_job(job="tier_review", day=date(2026, 11, 1))
    member.refresh_from_db()
    assert member.tier_grace_until == date(2027, 1, 30)

    run_job(job="tier_review", day=date(2027, 1, 30))
    member.refresh_from_db()
    assert member.tier == salon["gold"]
    run_job(job="tier_review", day=date(2027, 1, 31))
    member.refresh_from_db()
    assert member.tier == salon["silver"]


def test_yearly_review_with_30_days_drops_on_the_first_of_february(salon):
    """The issue's case: a grace that ended on 2027-01-31 kept Silver until 2028."""
    _programme(frequency="yearly", grace_days=30)
    member = MemberFactory(tier=salon["silver"])  # bought nothing: short of 800 a year

    run_job(job="tier_review", day=date(2027, 1, 1))
    member.refresh_from_db()
    assert member.tier_grace_until == date(2027, 1, 31)

    run = run_job(job="tier_review", day=date(2027, 2, 1))
    member.refresh_from_db()
    assert member.tier == salon["member"]
    assert run.summary["next_review"] == "2028-01-01"


def test_graces_start_only_on_review_days(salon):
    _programme(frequency="quarterly")
    member = MemberFactory(tier=salon["gold"])  # short of Gold
    run_job(job="tier_review", day=date(2027, 2, 1))  # a month's first, not a quarter's
    member.refresh_from_db()
    assert member.tier_grace_until is None
    run_job(job="tier_review", day=date(2027, 4, 1))
    member.refresh_from_db()
    assert member.tier_grace_until == date(2027, 6, 30)


def test_jobs_page_says_what_a_day_without_review_did(owner_client, salon):
    _gold_in_grace(salon)
    run_job(job="tier_review", day=GRACE_ENDS + timedelta(days=1))
    page = owner_client.get(reverse("automation:jobs")).content.decode()
    assert "no review today; next review on</span> 2027-04-01" in page
    assert "graces ended and settled</span> 1" in page
    assert "downgraded</span> 1" in page
    assert "review due today" not in page


@pytest.mark.parametrize(
    ("frequency", "last_day"),
    [
        ("monthly", date(2027, 4, 30)),
        ("quarterly", date(2027, 3, 31)),
        ("yearly", date(2026, 12, 31)),
    ],
)
def test_a_grace_ending_the_eve_of_a_review_drops_at_that_review(salon, frequency, last_day):
    """The day after the grace is a review day: the review settles it, once,
    and starts no new grace for the tier the member drops to."""
    _programme(frequency=frequency)
    member = _gold_in_grace(salon, grace_until=last_day)
    review_day = last_day + timedelta(days=1)

    run = run_job(job="tier_review", day=review_day)

    member.refresh_from_db()
    assert run.summary["due"] is True
    assert (member.tier, member.tier_grace_until) == (salon["silver"], None)
    assert list(member.tier_changes.values_list("kind", flat=True)) == ["downgrade"]
    run_job(job="tier_review", day=review_day + timedelta(days=1))
    member.refresh_from_db()
    assert (member.tier, member.tier_changes.count()) == (salon["silver"], 1)
