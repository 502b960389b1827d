"""The outbox: queue a message for a member, send what is due, retry failures."""

import logging
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone, translation

from automation.channels import ChannelError, deliver
from automation.quiet_hours import sms_quiet_until
from config import locks
from config.shop import shop_settings
from members.models import Member, MessageTemplate, OutboundMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5

Purpose = MessageTemplate.Purpose
# Messages the member asked for right then (their sign-in code, the link to
# their page): sent whatever their marketing and channel choices say.
REQUESTED_PURPOSES = frozenset({Purpose.MEMBER_CODE, Purpose.MEMBER_LINK})
# Kept in the outbox only until they are sent (or given up): a sign-in code
# is stored hashed, never readable in the admin.
SECRET_PURPOSES = frozenset({Purpose.MEMBER_CODE})
_SECRET_DIGITS = re.compile(r"\d{6}")

# member: extra placeholders for a message to that member; each receiver
# returns a dict (the member pages add {link}, the personal link).
message_context = Signal()


class _Defaults(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def render(template_text, context):
    return template_text.format_map(_Defaults(context))


def member_language(member):
    return member.language or shop_settings().language


def channel_open(member, channel, purpose) -> bool:
    """Whether `member` may get a message of `purpose` on `channel`: never
    after opting out of messages or of that channel, unless they asked for it."""
    if purpose in REQUESTED_PURPOSES or member is None:
        return True
    if member.messages_opt_out:
        return False
    return not getattr(member, f"{channel}_opt_out", False)


def _templates(purpose, language):
    templates = MessageTemplate.objects.filter(purpose=purpose, is_active=True)
    by_channel = {}
    for template in templates:
        if template.language == language or template.channel not in by_channel:
            by_channel[template.channel] = template
    return by_channel


def queue_message(
    *,
    member=None,
    purpose,
    context,
    dedup_key,
    phone=None,
    language=None,
    channels=None,
    default_sms="",
    send_now=False,
):
    """Queue one message per channel the member can be reached on.

    Members who opted out (of messages, or of a channel) get nothing there,
    unless the purpose is one they asked for (REQUESTED_PURPOSES). Without a
    member, `phone` gets an SMS (a sign-in code to a phone that is joining).
    `channels` limits the channels; `default_sms` is the text when the owner
    has no active SMS template for the purpose. `send_now`: sent as soon as
    the caller's transaction commits, not at the next outbox run.

    Runs inside the caller's transaction; a dedup_key already queued is left
    alone, so a job run twice sends once. Returns the messages created.
    """
    if member is not None and member.messages_opt_out and purpose not in REQUESTED_PURPOSES:
        return []
    language = language or (member_language(member) if member else shop_settings().language)
    by_channel = {
        channel: (template.subject, template.body)
        for channel, template in _templates(purpose, language).items()
    }
    if default_sms and "sms" not in by_channel:
        by_channel["sms"] = ("", default_sms)
    if member is not None:
        addresses = {"sms": member.phone, "email": member.email}
        base = {"name": member.name, "member_number": member.member_number}
        for _receiver, extra in message_context.send(sender=Member, member=member):
            base.update(extra or {})
    else:
        addresses, base = {"sms": phone}, {}
    base["shop"] = shop_settings().name
    created = []
    with translation.override(language):
        for channel, (subject, body) in sorted(by_channel.items()):
            if channels is not None and channel not in channels:
                continue
            if not addresses.get(channel) or not channel_open(member, channel, purpose):
                continue
            key = f"{dedup_key}:{channel}"
            if OutboundMessage.objects.filter(dedup_key=key).exists():
                continue
            try:
                with transaction.atomic():
                    created.append(
                        OutboundMessage.objects.create(
                            member=member,
                            purpose=purpose,
                            channel=channel,
                            address=addresses[channel],
                            subject=render(subject, {**base, **context}),
                            text=render(body, {**base, **context}),
                            dedup_key=key,
                            next_attempt_at=timezone.now(),
                        )
                    )
            except IntegrityError:
                continue  # queued meanwhile by a redelivered task
    if send_now and created:
        from automation.tasks import send_message_task

        for message in created:
            transaction.on_commit(lambda pk=message.pk: send_message_task.delay(pk))
    return created


def retry_delay(attempts):
    """Back off: 1, 4, 16, 64 minutes."""
    return timedelta(minutes=4 ** (attempts - 1))


def send_due_messages(*, limit=500):
    """Send queued messages that are due. Each is claimed under a row lock,
    so two workers never send the same message. Returns counts."""
    now = timezone.now()
    due_ids = list(
        OutboundMessage.objects.filter(
            status=OutboundMessage.Status.QUEUED, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    counts = {"sent": 0, "retrying": 0, "failed": 0, "skipped": 0, "postponed": 0}
    for message_id in due_ids:
        outcome = send_message(message_id)
        if outcome:
            counts[outcome] += 1
    for optional in ("skipped", "postponed"):
        if not counts[optional]:
            del counts[optional]
    return counts


def send_message(message_id):
    """Send one queued message now (under its row lock, so never twice):
    "sent", "retrying", "failed", "skipped" (the member turned that channel
    off since it was queued), "postponed" (an SMS to a segment in its quiet
    hours: due again at their end), or None when another worker has it or it is
    no longer queued."""
    with transaction.atomic():
        message = locks.claim_job(
            OutboundMessage.objects.filter(pk=message_id, status=OutboundMessage.Status.QUEUED)
        )
        if message is None:
            return None
        if not _still_wanted(message):
            message.status = OutboundMessage.Status.SKIPPED
            message.save(update_fields=["status"])
            return "skipped"
        later = sms_quiet_until(message)
        if later is not None:
            # An SMS to a segment never goes out in its quiet hours.
            message.next_attempt_at = later
            message.save(update_fields=["next_attempt_at"])
            return "postponed"
        message.attempts += 1
        try:
            # In a savepoint: a provider library that fails in the database
            # leaves this transaction usable to record the failed attempt.
            with transaction.atomic():
                deliver(message)
        except Exception as error:
            # Any failure of a channel (its own ChannelError, or a provider's
            # library raising something else, a database error included) is a
            # failed attempt of this message only: recorded, retried later,
            # and the run goes on.
            if not isinstance(error, ChannelError):
                logger.exception("sending message %s failed", message.pk)
            message.last_error = _error_text(error)[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboundMessage.Status.FAILED
                outcome = "failed"
            else:
                message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
                outcome = "retrying"
        else:
            message.status = OutboundMessage.Status.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
            outcome = "sent"
        fields = ["attempts", "status", "last_error", "next_attempt_at", "sent_at"]
        if message.purpose in SECRET_PURPOSES and message.status != OutboundMessage.Status.QUEUED:
            message.text = _SECRET_DIGITS.sub("••••••", message.text)
            fields.append("text")
        message.save(update_fields=fields)
    return outcome


def _still_wanted(message) -> bool:
    """The member's choices as they are now: a marketing message queued
    before the member turned its channel off is not sent."""
    if message.member_id is None or message.purpose in REQUESTED_PURPOSES:
        return True
    member = (
        Member.objects.filter(pk=message.member_id)
        .only("messages_opt_out", "sms_opt_out", "email_opt_out")
        .first()
    )
    return member is not None and channel_open(member, message.channel, message.purpose)


def _error_text(error) -> str:
    """The error as staff read it on the message; an unexpected one names its type."""
    if isinstance(error, ChannelError):
        return str(error)
    return f"{type(error).__name__}: {error}"
