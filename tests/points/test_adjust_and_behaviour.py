from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from config.errors import LoyaltyError
from loyalty.sale import record_purchase
from members.models import Member
from points.behaviour import adjust_points, award_behaviour_points
from points.models import LedgerEntry
from tests.factories import BehaviourRuleFactory, MemberFactory, give_points


@pytest.fixture
def member(tiers):
    return MemberFactory(tier=tiers["member"])


def test_owner_adds_and_removes_points_with_a_reason(member, owner):
    entry = adjust_points(
        member=member, points=120, reason="  goodwill  ", idempotency_key="a", by=owner
    )
    assert (entry.kind, entry.points, entry.reason, entry.by) == (
        "adjustment",
        120,
        "goodwill",
        owner,
    )
    adjust_points(member=member, points=-20, reason="typo", idempotency_key="b", by=owner)
    member.refresh_from_db()
    assert member.points_balance == 100


def test_adjustment_refusals(member, owner, staff):
    with pytest.raises(LoyaltyError) as error:
        adjust_points(member=member, points=10, reason="x", idempotency_key="a", by=staff)
    assert error.value.code == "not_owner"
    with pytest.raises(LoyaltyError) as error:
        adjust_points(member=member, points=10, reason=" ", idempotency_key="a", by=owner)
    assert error.value.field == "reason"
    with pytest.raises(LoyaltyError) as error:
        adjust_points(member=member, points=0, reason="x", idempotency_key="a", by=owner)
    assert error.value.field == "points"
    with pytest.raises(LoyaltyError) as error:
        adjust_points(member=member, points=-1, reason="x", idempotency_key="a", by=owner)
    assert (error.value.code, error.value.field) == ("insufficient_points", "points")
    assert not LedgerEntry.objects.exists()


def test_adjustment_key_replays_and_refuses_other_figures(member, owner):
    first = adjust_points(member=member, points=10, reason="x", idempotency_key="a", by=owner)
    again = adjust_points(member=member, points=10, reason="x", idempotency_key="a", by=owner)
    assert again.pk == first.pk
    with pytest.raises(LoyaltyError) as error:
        adjust_points(member=member, points=11, reason="x", idempotency_key="a", by=owner)
    assert error.value.code == "idempotency_conflict"
    member.refresh_from_db()
    assert member.points_balance == 10


def test_behaviour_points_respect_the_cap(member):
    BehaviourRuleFactory(code="review", points=30, per_member_cap=2)
    award_behaviour_points(member=member, action="review", idempotency_key="r1")
    award_behaviour_points(member=member, action="review", idempotency_key="r1")  # replay
    award_behaviour_points(member=member, action="review", idempotency_key="r2")
    with pytest.raises(LoyaltyError) as error:
        award_behaviour_points(member=member, action="review", idempotency_key="r3")
    assert error.value.code == "cap_reached"
    member.refresh_from_db()
    assert member.points_balance == 60


def test_behaviour_points_by_action_and_once_a_year_for_birthdays(member):
    BehaviourRuleFactory(code="bday", action="birthday", points=100)
    entry = award_behaviour_points(member=member, action="birthday", idempotency_key="b:1:2026")
    assert entry.behaviour_rule.code == "bday"
    with pytest.raises(LoyaltyError) as error:
        award_behaviour_points(member=member, action="birthday", idempotency_key="b:1:2026x")
    assert error.value.code == "cap_reached"


def test_behaviour_points_refused_without_rule_or_for_blocked(member):
    with pytest.raises(LoyaltyError) as error:
        award_behaviour_points(member=member, action="join", idempotency_key="j")
    assert error.value.code == "no_rule"
    BehaviourRuleFactory(code="join", action="join")
    Member.objects.filter(pk=member.pk).update(status=Member.Status.BLOCKED)
    with pytest.raises(LoyaltyError) as error:
        award_behaviour_points(member=member, action="join", idempotency_key="j")
    assert error.value.code == "blocked"


def test_check_ledger_passes_on_a_sound_ledger(member, capsys):
    give_points(member, 100)
    call_command("check_ledger")
    assert "Ledger OK" in capsys.readouterr().out


def test_check_ledger_lists_members_that_do_not_add_up(member, capsys):
    give_points(member, 100)
    Member.objects.filter(pk=member.pk).update(points_balance=90)
    with pytest.raises(CommandError):
        call_command("check_ledger")
    err = capsys.readouterr().err
    assert member.member_number in err
    assert "ledger sum 100" in err


def test_a_referred_members_first_sale_rewards_the_referrer_once(tiers):
    BehaviourRuleFactory(code="referral", action="referral", points=200, per_member_cap=1)
    referrer = MemberFactory()
    friend = MemberFactory(referred_by=referrer)
    other_friend = MemberFactory(referred_by=referrer)
    record_purchase(member=friend, amount=Decimal("100"), idempotency_key="s1")
    record_purchase(member=friend, amount=Decimal("100"), idempotency_key="s2")
    record_purchase(member=other_friend, amount=Decimal("100"), idempotency_key="s3")  # cap 1
    referrer.refresh_from_db()
    assert referrer.points_balance == 200
    entry = LedgerEntry.objects.get(member=referrer)
    assert (entry.kind, entry.idempotency_key) == ("behaviour_earn", f"referral:{friend.pk}")
    call_command("check_ledger")


def test_a_blocked_referrer_gets_nothing_and_the_sale_still_goes_through(tiers):
    BehaviourRuleFactory(code="referral", action="referral", points=200)
    referrer = MemberFactory(status=Member.Status.BLOCKED)
    friend = MemberFactory(referred_by=referrer)
    sale = record_purchase(member=friend, amount=Decimal("100"), idempotency_key="s1")
    assert sale.points_earned == 95
    assert not LedgerEntry.objects.filter(member=referrer).exists()
