import pytest

from config.errors import LoyaltyError
from members.services import enrol_member, update_member


def test_it_changes_contact_details(tiers):
    member = enrol_member(phone="0912345678", name="Lin")
    update_member(member=member, phone="0922 111 222", name="林 小姐", email="lin@example.com")
    member.refresh_from_db()
    assert member.phone == "+886922111222"
    assert member.phone_tail == "1222"
    assert member.name_key == "林 小姐"
    assert member.email == "lin@example.com"


def test_it_refuses_another_members_phone(tiers):
    enrol_member(phone="0912345678", name="Lin")
    other = enrol_member(phone="0922345678", name="Wang")
    with pytest.raises(LoyaltyError) as caught:
        update_member(member=other, phone="0912345678")
    assert caught.value.field == "phone"
    other.refresh_from_db()
    assert other.phone == "+886922345678"


def test_a_member_cannot_refer_themselves(tiers):
    member = enrol_member(phone="0912345678", name="Lin")
    with pytest.raises(LoyaltyError):
        update_member(member=member, referred_by=member)


def test_it_cannot_touch_balances(tiers):
    member = enrol_member(phone="0912345678", name="Lin")
    with pytest.raises(TypeError):
        update_member(member=member, points_balance=100)


def test_only_an_owner_blocks_a_member_whatever_the_door(tiers, staff, owner):
    from django.core.exceptions import PermissionDenied

    from members.models import Member

    member = enrol_member(phone="0912345678", name="Lin")
    for by in (staff, None):
        with pytest.raises(PermissionDenied):
            update_member(member=member, status=Member.Status.BLOCKED, by=by)
        member.refresh_from_db()
        assert member.status == Member.Status.ACTIVE
    # The status unchanged, as every form sends it, is no change of status.
    update_member(member=member, status=Member.Status.ACTIVE, name="Lin Mei", by=staff)
    update_member(member=member, status=Member.Status.BLOCKED, by=owner)
    member.refresh_from_db()
    assert member.status == Member.Status.BLOCKED
