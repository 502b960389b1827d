from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from automation.messaging import queue_message, send_due_messages
from members.models import MessageTemplate, OutboundMessage
from tests.factories import MemberFactory


@pytest.fixture
def templates(db):
    MessageTemplate.objects.all().delete()
    MessageTemplate.objects.create(
        purpose="birthday", channel="sms", language="en", body="Happy birthday {name}"
    )
    MessageTemplate.objects.create(
        purpose="birthday", channel="sms", language="zh-hant", body="{name} 生日快樂"
    )
    MessageTemplate.objects.create(
        purpose="birthday", channel="email", language="en", subject="Hi {name}", body="Mail {name}"
    )


def test_message_is_rendered_in_the_members_language(tiers, templates):
    member = MemberFactory(name="陳美玲", language="zh-hant")
    [message] = queue_message(member=member, purpose="birthday", context={}, dedup_key="k")
    assert message.channel == "sms"
    assert message.text == "陳美玲 生日快樂"
    assert message.address == member.phone


def test_email_goes_out_when_the_member_has_an_address(tiers, templates):
    member = MemberFactory(name="Lin", email="lin@example.com", language="en")
    queue_message(member=member, purpose="birthday", context={}, dedup_key="k")
    result = send_due_messages()
    assert result["sent"] == 2
    assert mail.outbox[0].subject == "Hi Lin"
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_same_cause_queues_once(tiers, templates):
    member = MemberFactory(language="en")
    queue_message(member=member, purpose="birthday", context={}, dedup_key="k")
    queue_message(member=member, purpose="birthday", context={}, dedup_key="k")
    assert OutboundMessage.objects.count() == 1


def test_opted_out_member_gets_nothing(tiers, templates):
    member = MemberFactory(messages_opt_out=True)
    assert queue_message(member=member, purpose="birthday", context={}, dedup_key="k") == []
    assert not OutboundMessage.objects.exists()


def test_failing_sms_backend_keeps_the_message_queued_with_the_error(tiers, templates, settings):
    settings.SMS_BACKEND = "automation.channels.FailingSmsBackend"
    member = MemberFactory(language="en")
    queue_message(member=member, purpose="birthday", context={}, dedup_key="k")

    assert send_due_messages() == {"sent": 0, "retrying": 1, "failed": 0}
    message = OutboundMessage.objects.get()
    assert message.status == "queued"
    assert message.attempts == 1
    assert "unavailable" in message.last_error
    assert message.next_attempt_at > timezone.now()

    # Not due yet: nothing is tried again.
    assert send_due_messages() == {"sent": 0, "retrying": 0, "failed": 0}

    # The provider is back and the retry time has come: it goes out.
    settings.SMS_BACKEND = "automation.channels.ConsoleSmsBackend"
    OutboundMessage.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert send_due_messages()["sent"] == 1
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.attempts == 2


def test_message_fails_for_good_after_the_last_attempt(tiers, templates, settings):
    settings.SMS_BACKEND = "automation.channels.FailingSmsBackend"
    member = MemberFactory(language="en")
    queue_message(member=member, purpose="birthday", context={}, dedup_key="k")
    for _ in range(5):
        OutboundMessage.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        send_due_messages()
    assert OutboundMessage.objects.get().status == "failed"


def test_a_channel_raising_anything_fails_that_message_and_the_run_goes_on(
    tiers, templates, settings
):
    settings.SMS_BACKEND = "automation.channels.BrokenSmsBackend"
    crashing = MemberFactory(language="en", phone="+886912345670")
    fine = MemberFactory(language="en", phone="+886912345671")
    for member in (crashing, fine):
        queue_message(member=member, purpose="birthday", context={}, dedup_key=f"k{member.pk}")

    assert send_due_messages() == {"sent": 1, "retrying": 1, "failed": 0}
    failed = OutboundMessage.objects.get(member=crashing)
    assert failed.status == "queued"
    assert failed.attempts == 1
    assert failed.last_error == "RuntimeError: provider library crashed"
    assert failed.next_attempt_at > timezone.now()
    assert OutboundMessage.objects.get(member=fine).status == "sent"


def test_a_misconfigured_sms_backend_is_a_failed_attempt(tiers, templates, settings):
    settings.SMS_BACKEND = "shop_sms.NoSuchBackend"
    queue_message(
        member=MemberFactory(language="en"), purpose="birthday", context={}, dedup_key="k"
    )
    assert send_due_messages() == {"sent": 0, "retrying": 1, "failed": 0}
    assert "shop_sms" in OutboundMessage.objects.get().last_error


class QueryingSmsBackend:
    """A provider library that keeps its own records in the shop's database
    and fails there for numbers ending in 0 (a database error, which on
    PostgreSQL spoils the transaction it happens in)."""

    def send(self, *, to, text):
        if to.endswith("0"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM sms_provider_log_that_does_not_exist")


def test_a_channel_failing_in_the_database_fails_that_message_and_the_run_goes_on(
    tiers, templates, settings
):
    settings.SMS_BACKEND = "tests.automation.test_outbox.QueryingSmsBackend"
    crashing = MemberFactory(language="en", phone="+886912345670")
    fine = MemberFactory(language="en", phone="+886912345671")
    for member in (crashing, fine):
        queue_message(member=member, purpose="birthday", context={}, dedup_key=f"k{member.pk}")

    assert send_due_messages() == {"sent": 1, "retrying": 1, "failed": 0}
    failed = OutboundMessage.objects.get(member=crashing)
    assert (failed.status, failed.attempts) == ("queued", 1)
    assert "sms_provider_log_that_does_not_exist" in failed.last_error
    assert OutboundMessage.objects.get(member=fine).status == "sent"
