"""Joining by QR: phone, the code sent to it, name; one member per phone,
even when the form is sent twice."""

from django.urls import reverse

from members.models import Member, OutboundMessage
from points.models import LedgerEntry
from portal.links import referral_code
from portal.models import MemberSession, PortalSettings
from tests.factories import BehaviourRuleFactory
from tests.portal.conftest import last_code

PHONE = "+886933111222"


def _start(client, phone="0933-111-222"):
    return client.post(reverse("portal_join:join"), {"phone": phone})


def _details(client, **fields):
    data = {
        "phone": PHONE,
        "key": "j" * 32,
        "code": last_code(PHONE),
        "name": "王小明",
        "birthday": "",
        "email": "",
        "referral": "",
        **fields,
    }
    return client.post(reverse("portal_join:details"), data)


def test_it_works(client, tiers):
    BehaviourRuleFactory(action="join", code="join", points=100)
    assert client.get(reverse("portal_join:join")).status_code == 200
    response = _start(client)
    assert response["Location"] == reverse("portal_join:details")
    assert OutboundMessage.objects.get().member is None  # the code went to a phone, no member yet
    response = _details(client, birthday="1990-05-06", email="ming@example.com")
    assert response["Location"] == reverse("portal:home")
    member = Member.objects.get(phone=PHONE)
    assert (member.name, member.tier) == ("王小明", tiers["member"])
    assert member.email == "ming@example.com"
    assert member.birthday.isoformat() == "1990-05-06"
    assert LedgerEntry.objects.get(member=member).points == 100  # the joining points
    assert MemberSession.objects.get().via == "join"
    body = client.get(reverse("portal:home")).content.decode()
    assert "Welcome, 王小明!" in body


def test_a_double_submit_creates_one_member(client, tiers):
    _start(client)
    first = _details(client)
    second = _details(client)  # the same form (same key) again
    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("portal:home")
    assert Member.objects.filter(phone=PHONE).count() == 1


def test_a_phone_already_a_member_is_offered_sign_in(client, member):
    response = _start(client, "0912 345 678")
    body = response.content.decode()
    assert response.status_code == 400
    assert "This phone is already a member." in body
    assert "data-sign-in-instead" in body
    assert not OutboundMessage.objects.exists()


def test_a_wrong_name_costs_no_code(client, tiers):
    _start(client)
    response = _details(client, name="   ")
    assert response.status_code == 400
    assert not Member.objects.exists()
    assert _details(client).status_code == 302


def test_a_wrong_code_creates_no_member(client, tiers):
    _start(client)
    code = last_code(PHONE)
    response = _details(client, code="000000" if code != "000000" else "111111")
    assert response.status_code == 400
    assert "not the code we sent" in response.content.decode()
    assert not Member.objects.exists()


def test_the_referral_link_fills_the_referral_code(client, member):
    code = referral_code(member)
    client.get(reverse("portal_join:join") + f"?ref={code}")
    _start(client)
    page = client.get(reverse("portal_join:details")).content.decode()
    assert f'value="{code}"' in page
    _details(client, referral=code.lower())
    assert Member.objects.get(phone=PHONE).referred_by == member


def test_a_friends_member_number_works_as_referral_code(client, member):
    _start(client)
    _details(client, referral=member.member_number)
    assert Member.objects.get(phone=PHONE).referred_by == member


def test_an_unknown_referral_code_is_refused(client, member):
    _start(client)
    response = _details(client, referral="ZZZZZZ")
    assert response.status_code == 400
    assert "No member has this referral code" in response.content.decode()
    assert not Member.objects.filter(phone=PHONE).exists()


def test_the_owner_can_close_joining(client, tiers):
    PortalSettings.objects.create(pk=1, join_open=False)
    response = client.get(reverse("portal_join:join"))
    assert response.status_code == 403
    assert "closed" in response.content.decode()
    assert _start(client).status_code == 403


def test_the_details_step_needs_a_phone_first(client, db):
    assert client.get(reverse("portal_join:details"))["Location"] == reverse("portal_join:join")


def test_join_answers_only_get_and_post(client, db):
    assert client.put(reverse("portal_join:join")).status_code == 405
