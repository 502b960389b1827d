"""Quiet hours: no SMS to a segment between the message's quiet_from and
quiet_until (shop time; 21:00 to 09:00 by default). Read when the message is
queued (its SMS are due at the end of the quiet hours) and again by the
outbox before each send (a retry that falls in them waits)."""

from datetime import datetime, timedelta

from django.utils import timezone

from members.models import MessageTemplate
from segments.models import SegmentMessage

PURPOSE = MessageTemplate.Purpose.SEGMENT


def in_quiet_hours(moment, quiet_from, quiet_until) -> bool:
    """Whether `moment` falls in the quiet hours (shop time); equal ends mean none."""
    if quiet_from == quiet_until:
        return False
    now = timezone.localtime(moment).time()
    if quiet_from < quiet_until:
        return quiet_from <= now < quiet_until
    return now >= quiet_from or now < quiet_until


def next_allowed(moment, quiet_from, quiet_until):
    """`moment`, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(moment, quiet_from, quiet_until):
        return moment
    local = timezone.localtime(moment)
    day = local.date()
    if quiet_from > quiet_until and local.time() >= quiet_from:
        day += timedelta(days=1)  # the quiet hours end tomorrow morning
    return timezone.make_aware(datetime.combine(day, quiet_until))


def sms_quiet_until(outbound) -> datetime | None:
    """For the outbox: when an SMS to a segment may go out, if not now."""
    if outbound.purpose != PURPOSE or outbound.channel != "sms":
        return None
    try:
        message_id = int(outbound.dedup_key.split(":")[1])
    except (IndexError, ValueError):
        return None
    message = SegmentMessage.objects.filter(pk=message_id).only("quiet_from", "quiet_until").first()
    if message is None:
        return None
    now = timezone.now()
    allowed = next_allowed(now, message.quiet_from, message.quiet_until)
    return allowed if allowed > now else None
