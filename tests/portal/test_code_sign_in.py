"""Signing in with a code by SMS: 6 digits, 10 minutes, 5 tries, hashed,
rate-limited per phone and per address, sent through the outbox."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from automation.channels import MemorySmsBackend
from members.models import OutboundMessage
from portal.models import MemberSession, SignInCode
from tests.portal.conftest import last_code


def _ask(client, phone="0912-345-678", **extra):
    return client.post(reverse("portal:sign_in"), {"phone": phone}, **extra)


def _enter(client, code, phone="+886912345678"):
    return client.post(
        reverse("portal:sign_in_code"), {"phone": phone, "code": code, "key": "k" * 32}
    )


def test_it_works(client, member):
    response = _ask(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:sign_in_code")
    response = _enter(client, last_code(member.phone))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert MemberSession.objects.get().via == "code"
    assert "陳美玲" in client.get(reverse("portal:home")).content.decode()


def test_the_phone_may_be_written_in_any_form(client, member):
    for phone in ("+886 912 345 678", "912345678", "０９１２３４５６７８"):
        assert _ask(client, phone).status_code == 302
        SignInCode.objects.all().delete()
    assert SignInCode.objects.count() == 0


def test_the_code_goes_out_through_the_outbox_at_once(
    client, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client)
    message = OutboundMessage.objects.get(purpose="member_code")
    assert message.status == "sent"
    ((to, text),) = MemorySmsBackend.sent
    assert to == member.phone
    code = SignInCode.objects.get()
    # Stored hashed: neither the code row nor, once sent, the outbox keeps it.
    digits = re.search(r"\b(\d{6})\b", text).group(1)
    assert digits not in code.code_hash
    assert digits not in message.text
    assert _enter(client, digits).status_code == 302


def test_it_is_sent_even_to_a_member_who_turned_messages_off(client, member):
    member.messages_opt_out = member.sms_opt_out = True
    member.save()
    _ask(client)
    assert OutboundMessage.objects.filter(purpose="member_code").count() == 1


def test_a_phone_that_is_no_member_gets_no_code(client, db, tiers):
    response = _ask(client, "0933 111 222")
    assert response.status_code == 400
    assert "No member has this phone number." in response.content.decode()
    assert not OutboundMessage.objects.exists()


def test_a_wrong_code_says_how_many_tries_are_left(client, member):
    _ask(client)
    wrong = "000000" if last_code(member.phone) != "000000" else "111111"
    response = _enter(client, wrong)
    assert response.status_code == 400
    assert "4 tries left" in response.content.decode()
    assert not MemberSession.objects.exists()


def test_five_wrong_codes_lock_the_phone(client, member):
    _ask(client)
    code = last_code(member.phone)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = _enter(client, wrong)
    assert "Too many wrong codes" in response.content.decode()
    # The right code no longer works, and no new code is sent while locked.
    assert "Too many wrong codes" in _enter(client, code).content.decode()
    response = _ask(client)
    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()
    assert SignInCode.objects.count() == 1
    # After the period, the phone can ask again.
    SignInCode.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert _ask(client).status_code == 302


def test_a_code_works_for_ten_minutes(client, member):
    _ask(client)
    SignInCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _enter(client, last_code(member.phone))
    assert "has expired" in response.content.decode()


def test_a_code_works_once(client, member):
    from django.test import Client

    _ask(client)
    code = last_code(member.phone)
    assert _enter(client, code).status_code == 302
    other = Client()
    response = other.post(
        reverse("portal:sign_in_code"), {"phone": member.phone, "code": code, "key": "x" * 32}
    )
    assert "used already" in response.content.decode()


def test_three_codes_per_phone_in_fifteen_minutes(client, member):
    for _ in range(3):
        assert _ask(client).status_code == 302
    response = _ask(client)
    assert response.status_code == 400
    assert "We sent 3 codes to this phone" in response.content.decode()
    SignInCode.objects.update(created_at=timezone.now() - timedelta(minutes=16))
    assert _ask(client).status_code == 302


def test_codes_per_address_are_limited(client, tiers, settings):
    from tests.factories import MemberFactory

    settings.MEMBER_CODES_PER_ADDRESS = 2
    phones = [MemberFactory().phone for _ in range(3)]
    assert _ask(client, phones[0]).status_code == 302
    assert _ask(client, phones[1]).status_code == 302
    response = _ask(client, phones[2])
    assert response.status_code == 400
    assert "from this network" in response.content.decode()
    # Another address is not held back.
    assert _ask(client, phones[2], REMOTE_ADDR="10.1.2.3").status_code == 302


def test_the_code_step_needs_a_phone_first(client, db):
    assert client.get(reverse("portal:sign_in_code"))["Location"] == reverse("portal:sign_in")


def test_sign_in_answers_only_get_and_post(client, db):
    assert client.put(reverse("portal:sign_in")).status_code == 405


def test_codes_older_than_a_day_are_cleared_when_the_phone_asks_again(client, member):
    _ask(client)
    SignInCode.objects.update(created_at=timezone.now() - timedelta(days=2))
    _ask(client)
    assert SignInCode.objects.count() == 1
