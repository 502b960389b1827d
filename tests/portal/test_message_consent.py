"""The outbox honours the member's message choices, per channel, also for
messages queued before they changed their mind; what they ask for goes."""

import re

from django.db import transaction

from automation.channels import MemorySmsBackend
from automation.messaging import queue_message, send_due_messages
from members.models import MessageTemplate, OutboundMessage
from portal.services import update_profile


def _remind(member, key="r-1"):
    with transaction.atomic():
        return queue_message(
            member=member, purpose="expiry_reminder", context={"points": 10}, dedup_key=key
        )


def _turn_sms_off(member):
    update_profile(
        member=member,
        name=member.name,
        email=member.email,
        birthday=None,
        sms=False,
        email_messages=True,
        language="",
    )
    member.refresh_from_db()


def test_sms_off_queues_no_sms(member):
    _turn_sms_off(member)
    assert _remind(member) == []


def test_email_still_goes_when_only_sms_is_off(member):
    MessageTemplate.objects.create(
        purpose="expiry_reminder", channel="email", language="en", body="{points} expire"
    )
    member.email = "mei@example.com"
    member.save()
    _turn_sms_off(member)
    assert [m.channel for m in _remind(member)] == ["email"]


def test_a_message_queued_before_sms_was_turned_off_is_not_sent(member):
    assert len(_remind(member)) == 1
    _turn_sms_off(member)
    assert send_due_messages()["skipped"] == 1
    assert OutboundMessage.objects.get().status == "skipped"
    assert MemorySmsBackend.sent == []


def test_the_members_link_goes_even_with_messages_off(member):
    from portal.services import send_member_link

    member.messages_opt_out = True
    member.save()
    (message,) = send_member_link(member=member)
    assert message.purpose == "member_link"
    assert "/my/in/" in message.text


def test_the_expiry_reminder_carries_the_members_link(member, client):
    from django.urls import reverse

    (message,) = _remind(member)
    link = re.search(r"https?://[^/\s]+(/my/in/\S+/)", message.text).group(1)
    assert client.get(link)["Location"] == reverse("portal:home")
