"""The outbox: queue a message for a member, send what is due, retry failures."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from automation.channels import ChannelError, deliver
from config import locks
from members.models import MessageTemplate, OutboundMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


class _Defaults(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def render(template_text, context):
    return template_text.format_map(_Defaults(context))


def member_language(member):
    return member.language or settings.LANGUAGE_CODE


def queue_message(*, member, purpose, context, dedup_key):
    """Queue one message per channel the member can be reached on.

    Members who opted out get nothing. Runs inside the caller's transaction;
    a dedup_key already queued is left alone, so a job run twice sends once.
    Returns the messages created.
    """
    if member.messages_opt_out:
        return []
    language = member_language(member)
    templates = MessageTemplate.objects.filter(purpose=purpose, is_active=True)
    by_channel = {}
    for template in templates:
        if template.language == language or template.channel not in by_channel:
            by_channel[template.channel] = template
    addresses = {"sms": member.phone, "email": member.email}
    created = []
    base = {"name": member.name, "member_number": member.member_number, "shop": settings.SHOP_NAME}
    with translation.override(language):
        for channel, template in sorted(by_channel.items()):
            if not addresses.get(channel):
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
                            subject=render(template.subject, {**base, **context}),
                            text=render(template.body, {**base, **context}),
                            dedup_key=key,
                            next_attempt_at=timezone.now(),
                        )
                    )
            except IntegrityError:
                continue  # queued meanwhile by a redelivered task
    return created


def retry_delay(attempts):
    """Back off: 1, 4, 16, 64 minutes."""
    return timedelta(minutes=4 ** (attempts - 1))


def send_due_messages(*, limit=500):
    """Send queued messages that are due. Each is claimed under a row lock,
    so two workers never send the same message. Returns counts."""
    sent = failed = retried = 0
    now = timezone.now()
    due_ids = list(
        OutboundMessage.objects.filter(
            status=OutboundMessage.Status.QUEUED, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    for message_id in due_ids:
        with transaction.atomic():
            message = locks.claim_job(
                OutboundMessage.objects.filter(pk=message_id, status=OutboundMessage.Status.QUEUED)
            )
            if message is None:
                continue
            message.attempts += 1
            try:
                deliver(message)
            except Exception as error:
                # Any failure of a channel (its own ChannelError, or a provider's
                # library raising something else) is a failed attempt of this
                # message only: recorded, retried later, and the run goes on.
                if not isinstance(error, ChannelError):
                    logger.exception("sending message %s failed", message.pk)
                message.last_error = _error_text(error)[:2000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = OutboundMessage.Status.FAILED
                    failed += 1
                else:
                    message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
                    retried += 1
            else:
                message.status = OutboundMessage.Status.SENT
                message.sent_at = timezone.now()
                message.last_error = ""
                sent += 1
            message.save(
                update_fields=["attempts", "status", "last_error", "next_attempt_at", "sent_at"]
            )
    return {"sent": sent, "retrying": retried, "failed": failed}


def _error_text(error) -> str:
    """The error as staff read it on the message; an unexpected one names its type."""
    if isinstance(error, ChannelError):
        return str(error)
    return f"{type(error).__name__}: {error}"
