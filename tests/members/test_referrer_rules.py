"""Who referred a member: set at enrolment, or by an owner before the
member's first sale; never a circle (A by B and B by A, or longer)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from config.errors import LoyaltyError
from members.models import Member
from members.services import enrol_member, update_member
from tests.factories import MemberFactory


@pytest.fixture
def people(tiers):
    return {name: MemberFactory(name=name, tier=tiers["member"]) for name in "ABCD"}


def test_staff_set_the_referrer_at_enrolment(staff, people):
    member = enrol_member(phone="0922345678", name="New", referred_by=people["A"], by=staff)
    assert member.referred_by == people["A"]


def test_owner_sets_a_referrer_before_the_first_sale(owner, people):
    update_member(member=people["A"], referred_by=people["B"], by=owner)
    assert Member.objects.get(pk=people["A"].pk).referred_by == people["B"]


def test_staff_cannot_change_a_referrer(staff, people):
    with pytest.raises(LoyaltyError) as refused:
        update_member(member=people["A"], referred_by=people["B"], by=staff)
    assert refused.value.code == "referrer_locked"
    assert Member.objects.get(pk=people["A"].pk).referred_by is None


def test_nobody_changes_a_referrer_after_the_first_sale(owner, people):
    Member.objects.filter(pk=people["A"].pk).update(
        purchase_count=1, last_purchase_at=timezone.now()
    )
    with pytest.raises(LoyaltyError) as refused:
        member = Member.objects.get(pk=people["A"].pk)
        update_member(member=member, referred_by=people["B"], by=owner)
    assert "already bought" in refused.value.message


def test_a_two_member_circle_is_refused(owner, people):
    update_member(member=people["A"], referred_by=people["B"], by=owner)
    with pytest.raises(LoyaltyError) as refused:
        update_member(member=people["B"], referred_by=people["A"], by=owner)
    assert refused.value.code == "referral_cycle"
    assert "directly or through other members" in refused.value.message
    assert Member.objects.get(pk=people["B"].pk).referred_by is None


def test_a_longer_circle_is_refused(owner, people):
    update_member(member=people["A"], referred_by=people["B"], by=owner)
    update_member(member=people["B"], referred_by=people["C"], by=owner)
    update_member(member=people["C"], referred_by=people["D"], by=owner)
    with pytest.raises(LoyaltyError):
        update_member(member=people["D"], referred_by=people["A"], by=owner)


def test_a_referrer_saved_again_unchanged_is_no_change(staff, people):
    Member.objects.filter(pk=people["A"].pk).update(referred_by=people["B"])
    member = Member.objects.get(pk=people["A"].pk)
    update_member(member=member, referred_by=people["B"], name="A2", by=staff)
    assert Member.objects.get(pk=member.pk).name == "A2"


def _edit(client, member, **changes):
    data = {"phone": member.phone, "name": member.name, "referrer": ""}
    data.update(changes)
    return client.post(reverse("members:edit", args=[member.pk]), data)


def test_staff_see_the_referrer_locked_on_the_edit_page(staff_client, people):
    response = staff_client.get(reverse("members:edit", args=[people["A"].pk]))
    assert response.status_code == 200
    assert "Only an owner can change who referred a member" in response.content.decode()
    _edit(staff_client, people["A"], referrer=people["B"].member_number)
    assert Member.objects.get(pk=people["A"].pk).referred_by is None


def test_owner_is_told_about_a_circle_on_the_edit_page(owner_client, owner, people):
    update_member(member=people["A"], referred_by=people["B"], by=owner)
    response = _edit(owner_client, people["B"], referrer=people["A"].member_number)
    assert response.status_code == 400
    assert "directly or through other members" in response.content.decode()
    assert Member.objects.get(pk=people["B"].pk).referred_by is None


def test_the_admin_refuses_a_circle(owner_client, owner, people):
    update_member(member=people["A"], referred_by=people["B"], by=owner)
    b = people["B"]
    response = owner_client.post(
        reverse("admin:members_member_change", args=[b.pk]),
        {"phone": b.phone, "name": b.name, "status": "active", "referred_by": people["A"].pk},
    )
    assert response.status_code == 200
    assert "referred_by" in response.context["adminform"].form.errors
    assert Member.objects.get(pk=b.pk).referred_by is None
