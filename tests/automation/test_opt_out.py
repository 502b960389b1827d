"""Members leave marketing messages without signing in: the email's
unsubscribe link and a stop word replied to an SMS."""

import pytest
from django.test import override_settings
from django.urls import reverse

from automation import opt_out
from tests.factories import MemberFactory


@pytest.fixture
def member(tiers):
    return MemberFactory(phone="+886912345678", email="amy@example.com")


def test_unsubscribe_link_asks_then_turns_emails_off(client, member):
    url = reverse("messages:unsubscribe", args=[opt_out.unsubscribe_token(member)])
    page = client.get(url)
    assert page.status_code == 200
    member.refresh_from_db()
    assert not member.email_opt_out  # a mail scanner's GET changes nothing
    client.post(url)
    member.refresh_from_db()
    assert member.email_opt_out
    assert not member.sms_opt_out
    assert "no more emails" in client.get(url).content.decode()


def test_a_forged_unsubscribe_link_is_refused(client, member):
    token = opt_out.unsubscribe_token(member)
    other = MemberFactory()
    forged = f"{other.pk}:{token.split(':', 1)[1]}"
    response = client.post(reverse("messages:unsubscribe", args=[forged]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert not other.email_opt_out


@pytest.mark.parametrize("reply", ["STOP", " stop ", "退訂", "退订", "ＳＴＯＰ", "TD"])
def test_stop_word_reply_turns_sms_off(member, reply):
    assert opt_out.handle_sms_reply(phone="0912-345-678", text=reply) == member
    member.refresh_from_db()
    assert member.sms_opt_out
    assert not member.email_opt_out


def test_another_reply_changes_nothing(member):
    assert opt_out.handle_sms_reply(phone="+886912345678", text="Thanks!") is None
    member.refresh_from_db()
    assert not member.sms_opt_out


def test_unknown_or_garbled_phone_is_ignored(member):
    assert opt_out.handle_sms_reply(phone="+886900000000", text="STOP") is None
    assert opt_out.handle_sms_reply(phone="abc", text="STOP") is None


@override_settings(SMS_REPLY_TOKEN="s3cret")
def test_sms_reply_webhook_records_the_opt_out(client, member):
    response = client.post(
        reverse("messages:sms_reply"),
        {"from": "+886912345678", "text": "STOP"},
        headers={"X-Reply-Token": "s3cret"},
    )
    assert response.json() == {"opted_out": True}
    member.refresh_from_db()
    assert member.sms_opt_out


@override_settings(SMS_REPLY_TOKEN="s3cret")
def test_sms_reply_webhook_wants_the_token(client, member):
    response = client.post(reverse("messages:sms_reply"), {"from": "+886912345678", "text": "STOP"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert not member.sms_opt_out


def test_sms_reply_webhook_is_off_without_a_token_setting(client, member):
    response = client.post(
        reverse("messages:sms_reply"),
        {"from": "+886912345678", "text": "STOP"},
        headers={"X-Reply-Token": ""},
    )
    assert response.status_code == 403


def test_sms_reply_webhook_wants_post(client, db):
    assert client.get(reverse("messages:sms_reply")).status_code == 405
