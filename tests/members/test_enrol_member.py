from datetime import timedelta

import pytest

from config.clock import shop_today
from config.errors import LoyaltyError
from members.models import Member
from members.services import enrol_member, is_valid_member_number
from tests.factories import TierFactory


@pytest.mark.parametrize(
    "typed",
    ["0912-345-678", "+886 912 345 678", "912345678", "０９１２３４５６７８", "(0912) 345678"],
)
def test_it_stores_any_local_form_as_e164(tiers, typed):
    member = enrol_member(phone=typed, name="陳美玲")
    assert member.phone == "+886912345678"
    assert member.phone_tail == "5678"


def test_new_member_gets_the_lowest_active_tier(tiers):
    TierFactory(rank=0, name="Retired", is_active=False)
    member = enrol_member(phone="0912345678", name="Lin")
    assert member.tier == tiers["member"]
    assert member.joined_on == shop_today()


def test_member_number_is_ten_digits_with_a_check_digit(tiers):
    member = enrol_member(phone="0912345678", name="Lin")
    assert is_valid_member_number(member.member_number)
    wrong_last_digit = member.member_number[:-1] + str((int(member.member_number[-1]) + 1) % 10)
    assert not is_valid_member_number(wrong_last_digit)


def test_name_key_lets_either_script_find_the_member(tiers):
    member = enrol_member(phone="0912345678", name="陳 美玲")
    assert member.name == "陳 美玲"
    assert member.name_key == "陈 美玲"


def test_duplicate_phone_is_refused_and_names_the_holder(tiers):
    first = enrol_member(phone="0912345678", name="Lin")
    with pytest.raises(LoyaltyError) as caught:
        enrol_member(phone="+886 912 345 678", name="Someone else")
    assert caught.value.field == "phone"
    assert first.member_number in str(caught.value)
    assert caught.value.existing_member == first
    assert Member.objects.count() == 1


@pytest.mark.parametrize("phone", ["12", "0912-345", "hello", ""])
def test_invalid_phone_is_refused(tiers, phone):
    with pytest.raises(LoyaltyError) as caught:
        enrol_member(phone=phone, name="Lin")
    assert caught.value.field == "phone"
    assert not Member.objects.exists()


def test_birthday_in_the_future_is_refused(tiers):
    with pytest.raises(LoyaltyError) as caught:
        enrol_member(phone="0912345678", name="Lin", birthday=shop_today() + timedelta(days=1))
    assert caught.value.field == "birthday"
    assert not Member.objects.exists()


def test_over_long_name_is_refused(tiers):
    with pytest.raises(LoyaltyError) as caught:
        enrol_member(phone="0912345678", name="x" * 101)
    assert caught.value.field == "name"
    assert "101" in str(caught.value)
    assert not Member.objects.exists()


def test_invalid_email_is_refused(tiers):
    with pytest.raises(LoyaltyError) as caught:
        enrol_member(phone="0912345678", name="Lin", email="not-an-email")
    assert caught.value.field == "email"


def test_enrolling_without_any_tier_says_what_to_do(db):
    with pytest.raises(LoyaltyError, match="tier"):
        enrol_member(phone="0912345678", name="Lin")


def test_referrer_is_recorded(tiers):
    referrer = enrol_member(phone="0912345678", name="Lin")
    member = enrol_member(phone="0922345678", name="Wang", referred_by=referrer)
    assert member.referred_by == referrer
    assert list(referrer.referrals.all()) == [member]


def test_joining_and_profile_rewards_are_given_once_when_set_up(tiers):
    from points.models import LedgerEntry
    from tests.factories import BehaviourRuleFactory

    BehaviourRuleFactory(action="join", code="join", points=100, per_member_cap=1)
    BehaviourRuleFactory(action="profile", code="profile", points=50, per_member_cap=1)
    member = enrol_member(phone="0912345678", name="Lin")
    member.refresh_from_db()
    assert member.points_balance == 100

    from members.services import update_member

    update_member(member=member, email="lin@example.com")
    update_member(member=member, birthday=shop_today() - timedelta(days=9000))
    update_member(member=member, notes="likes tea")
    member.refresh_from_db()
    assert member.points_balance == 150
    assert LedgerEntry.objects.filter(member=member).count() == 2


def test_enrolment_without_behaviour_rewards_gives_no_points(tiers):
    member = enrol_member(phone="0912345678", name="Lin", email="a@example.com")
    member.refresh_from_db()
    assert member.points_balance == 0
