"""Messages the owner writes to a segment: reach, preview, scheduling in
Celery chunks through the outbox, quiet hours for SMS, and the holdout.

Who gets it is settled when the owner schedules it: each member of the
segment then gets one SegmentRecipient row. A member who turned marketing
messages off (or every channel the message uses) is *opted out*; one with
no phone or email for its channels is *no contact*; of the rest, the
holdout share is set aside by a fixed rule on the member's and the
message's ids (the same members every time it is counted or built) and never
messaged; the others get one outbox message per channel they can take. An
SMS is never due inside the quiet hours: it waits for their end.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Mod
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from automation import opt_out, segment_rows
from automation.messaging import member_language, message_context, render
from automation.quiet_hours import next_allowed
from config import locks
from config.errors import LoyaltyError
from config.queue import send_on_commit
from config.roles import require_owner
from config.shop import shop_settings, shop_settings_scope
from config.text import clean_text
from members.models import Member, MessageTemplate
from segments.models import SegmentMessage, SegmentRecipient
from segments.selectors import segment_members
from tiers.models import Tier
from tiers.progress import ProgressBook, tier_progress

CHUNK_SIZE = 1000
# What a chunk reads of its members: the outcome (opt-outs, addresses), the
# language, the placeholders, the personal and unsubscribe links, the
# progress to the next tier. A field left out would cost a query per member
# (tests/automation/test_segment_chunks.py counts them).
CHUNK_FIELDS = (
    "name",
    "member_number",
    "tier",
    "tier_grace_until",
    "points_balance",
    "phone",
    "email",
    "messages_opt_out",
    "sms_opt_out",
    "email_opt_out",
    "language",
    "signin_generation",
)
PURPOSE = MessageTemplate.Purpose.SEGMENT
PLACEHOLDERS = ("name", "tier", "points", "to_next_tier", "member_page_link")
MAX_HOLDOUT = 50
# The holdout rule: (member id × A + message id × B) mod 1000 below ten
# times the percentage. A is prime to 1000, so every thousand consecutive
# member ids hold out exactly the share, and each message a different set.
_A, _B = 7919, 104729
TEXT_FIELDS = [
    f"{kind}{suffix}"
    for kind in ("sms_text", "email_subject", "email_text")
    for suffix in ("", "_zh_hant", "_zh_hans")
]
LANGUAGE_SUFFIX = {"zh-hant": "_zh_hant", "zh-hans": "_zh_hans"}


def message_key(message, member_id, channel) -> str:
    return f"segment:{message.pk}:{member_id}:{channel}"


def key_prefix(message) -> str:
    return f"segment:{message.pk}:"


def channels(message) -> list:
    """The channels the message has a text for."""
    found = []
    if any(getattr(message, f"sms_text{s}") for s in ("", "_zh_hant", "_zh_hans")):
        found.append("sms")
    if any(getattr(message, f"email_text{s}") for s in ("", "_zh_hant", "_zh_hans")):
        found.append("email")
    return found


# --- who is reached ----------------------------------------------------------


def _open_condition(channel) -> Q:
    address = "phone" if channel == "sms" else "email"
    return ~Q(**{address: ""}) & Q(**{f"{channel}_opt_out": False})


def _contact_condition(chosen) -> Q:
    condition = Q()
    for channel in chosen:
        condition |= ~Q(**{"phone" if channel == "sms" else "email": ""})
    return condition


def _holdout_condition(message) -> Q:
    return Q(_holdout_slot__lt=message.holdout_percent * 10)


def _with_slot(queryset, message):
    return queryset.annotate(_holdout_slot=Mod(F("pk") * _A + Value(message.pk * _B), Value(1000)))


def is_held_out(message, member_id) -> bool:
    return (member_id * _A + message.pk * _B) % 1000 < message.holdout_percent * 10


@dataclass
class Reach:
    members: int = 0
    opted_out: int = 0
    no_contact: int = 0
    held_out: int = 0
    will_receive: int = 0


def reach(message) -> Reach:
    """How the segment splits today, counted in one query."""
    chosen = channels(message)
    queryset = segment_members(message.segment.criteria)
    if not chosen:
        return Reach(members=queryset.count())
    open_somewhere = _open_condition(chosen[0])
    for channel in chosen[1:]:
        open_somewhere |= _open_condition(channel)
    reachable = Q(messages_opt_out=False) & open_somewhere
    contact = _contact_condition(chosen)
    queryset = _with_slot(queryset, message)
    figures = queryset.aggregate(
        members=Count("pk"),
        reachable=Count("pk", filter=reachable),
        no_contact=Count("pk", filter=Q(messages_opt_out=False) & ~contact),
        held_out=Count("pk", filter=reachable & _holdout_condition(message)),
    )
    result = Reach(
        members=figures["members"],
        no_contact=figures["no_contact"],
        held_out=figures["held_out"],
    )
    result.opted_out = result.members - figures["reachable"] - result.no_contact
    result.will_receive = figures["reachable"] - result.held_out
    return result


# --- texts ---------------------------------------------------------------------


def _text(message, kind, language):
    """The text in `language`, else the one typed first, else any written."""
    first = LANGUAGE_SUFFIX.get(language, "")
    for suffix in (first, "", "_zh_hant", "_zh_hans"):
        if getattr(message, f"{kind}{suffix}"):
            return getattr(message, f"{kind}{suffix}")
    return ""


def uses_progress(texts) -> bool:
    return any("{to_next_tier}" in text for text in texts)


def member_context(member, texts, *, progress_book=None) -> dict:
    """The placeholders' values for `member` (to_next_tier only when a text
    uses it: from `progress_book` when the chunk read it for all its members)."""
    context = {
        "name": member.name,
        "tier": member.tier.display_name,
        "points": member.points_balance,
        "member_number": member.member_number,
        "shop": shop_settings().name,
    }
    for _receiver, extra in message_context.send(sender=Member, member=member):
        context.update(extra or {})
    context["member_page_link"] = context.get("link", "")
    if uses_progress(texts):
        book = progress_book
        progress = book.progress(member) if book is not None else tier_progress(member)
        context["to_next_tier"] = progress.sentence
    return context


def render_for(message, member) -> dict:
    """{channel: (subject, text)} as `member` would get them, in their language."""
    language = member_language(member)
    with translation.override(language):
        return _render(message, member, language)


def _texts(message, language) -> dict:
    return {
        "sms": ("", _text(message, "sms_text", language)),
        "email": (
            _text(message, "email_subject", language),
            _text(message, "email_text", language),
        ),
    }


def _render(message, member, language, *, progress_book=None) -> dict:
    """render_for with `language` already active (a chunk renders each
    language's members together, with the progress of all read at once)."""
    texts = _texts(message, language)
    context = member_context(
        member, [texts["sms"][1], *texts["email"]], progress_book=progress_book
    )
    rendered = {}
    for channel in channels(message):
        subject, body = texts[channel]
        text = render(body, context)
        if channel == "email":
            text += "\n\n" + _("To stop these emails: %(url)s") % {
                "url": opt_out.unsubscribe_url(member)
            }
        rendered[channel] = (render(subject, context), text)
    return rendered


# --- writing and scheduling ----------------------------------------------------


def _check(message):
    if not channels(message):
        raise LoyaltyError(
            _("Write an SMS or an email text (or both)."), field="sms_text", code="no_text"
        )
    if not 0 <= message.holdout_percent <= MAX_HOLDOUT:
        raise LoyaltyError(
            _("The holdout is a share from 0 to 50 %."), field="holdout_percent", code="holdout"
        )
    for field in TEXT_FIELDS:
        value = getattr(message, field)
        try:
            value.format_map(dict.fromkeys((*PLACEHOLDERS, "shop", "member_number"), ""))
        except (KeyError, ValueError, IndexError, AttributeError):
            raise LoyaltyError(
                _(
                    "Unknown placeholder or stray brace; use {name}, {tier}, {points}, "
                    "{to_next_tier} or {member_page_link}."
                ),
                field=field,
                code="placeholder",
            ) from None


@transaction.atomic(durable=True)
def save_message(*, message=None, segment, fields, by) -> SegmentMessage:
    """Create or change a draft message; owners only. `fields`: the texts,
    name, holdout_percent, send_at, quiet_from, quiet_until."""
    require_owner(by)
    if message is not None and message.status != SegmentMessage.Status.DRAFT:
        raise LoyaltyError(_("This message is already scheduled."), code="scheduled")
    message = message or SegmentMessage(created_by=by)
    message.segment = segment
    message.name = clean_text(fields.get("name") or "")
    if not message.name:
        raise LoyaltyError(_("Give the message a name."), field="name", code="name")
    for field in TEXT_FIELDS:
        setattr(message, field, clean_text(fields.get(field) or "", multiline=True))
    for field in ("holdout_percent", "send_at", "quiet_from", "quiet_until"):
        if fields.get(field) is not None:
            setattr(message, field, fields[field])
    _check(message)
    message.save()
    return message


@transaction.atomic(durable=True)
def schedule_message(*, message, by) -> SegmentMessage:
    """Settle who gets the message (in Celery chunks) and queue it in the
    outbox for its send time; once only."""
    require_owner(by)
    # Two clicks on Schedule: the second waits here, then finds it scheduled.
    message = locks.lock_row(SegmentMessage.objects.select_related("segment"), pk=message.pk)
    if message.status != SegmentMessage.Status.DRAFT:
        raise LoyaltyError(_("This message is already scheduled."), code="scheduled")
    _check(message)
    message.status = SegmentMessage.Status.SCHEDULED
    message.scheduled_at = timezone.now()
    if message.send_at < message.scheduled_at:
        message.send_at = message.scheduled_at
    message.member_count = segment_members(message.segment.criteria).count()
    message.save(update_fields=["status", "scheduled_at", "send_at", "member_count"])
    from automation import tasks

    send_on_commit(tasks.segment_message_build, message.pk)
    return message


def build_message(message_id):
    """Split the segment's members into chunks for the workers."""
    message = SegmentMessage.objects.select_related("segment").get(pk=message_id)
    ids = list(
        segment_members(message.segment.criteria).order_by("pk").values_list("pk", flat=True)
    )
    from automation import tasks
    from config.queue import send

    for start in range(0, len(ids), CHUNK_SIZE):
        send(tasks.segment_message_chunk, message.pk, ids[start : start + CHUNK_SIZE])
    return len(ids)


def _outcome(message, member, chosen):
    if member.messages_opt_out:
        return SegmentRecipient.Outcome.OPTED_OUT, []
    addresses = {"sms": member.phone, "email": member.email}
    with_address = [c for c in chosen if addresses[c]]
    open_channels = [c for c in with_address if not getattr(member, f"{c}_opt_out")]
    if not open_channels:
        if with_address:
            return SegmentRecipient.Outcome.OPTED_OUT, []
        return SegmentRecipient.Outcome.NO_CONTACT, []
    if is_held_out(message, member.pk):
        return SegmentRecipient.Outcome.HELD_OUT, []
    return SegmentRecipient.Outcome.MESSAGED, open_channels


def build_chunk(*, message_id, member_ids) -> int:
    """One chunk: a SegmentRecipient per member and their outbox messages.
    A redelivered chunk finds its rows and adds nothing."""
    # The shop settings (name, default language) read once for the chunk.
    with shop_settings_scope():
        return _build_chunk(message_id, member_ids)


@transaction.atomic(durable=True)
def _build_chunk(message_id, member_ids) -> int:
    message = SegmentMessage.objects.get(pk=message_id)
    done = set(
        SegmentRecipient.objects.filter(message=message, member_id__in=member_ids).values_list(
            "member_id", flat=True
        )
    )
    members = list(
        Member.objects.only(*CHUNK_FIELDS)
        .filter(pk__in=[pk for pk in member_ids if pk not in done])
        .order_by("pk")
    )
    tiers = Tier.objects.in_bulk([member.tier_id for member in members])
    for member in members:
        member.tier = tiers[member.tier_id]
    chosen = channels(message)
    sms_at = next_allowed(message.send_at, message.quiet_from, message.quiet_until)
    due = {"sms": sms_at, "email": message.send_at}
    recipients, outbound = [], []
    by_language = {}
    for member in members:
        outcome, open_channels = _outcome(message, member, chosen)
        recipients.append((member.pk, str(outcome)))
        if open_channels:
            by_language.setdefault(member_language(member), []).append((member, open_channels))
    # {to_next_tier}: the figures of every member who needs it, read at once.
    needing = [
        member
        for language, group in by_language.items()
        if uses_progress([text for pair in _texts(message, language).values() for text in pair])
        for member, _open in group
    ]
    book = ProgressBook(needing) if needing else None
    for language, group in by_language.items():
        with translation.override(language):
            for member, open_channels in group:
                rendered = _render(message, member, language, progress_book=book)
                for channel in open_channels:
                    subject, text = rendered[channel]
                    outbound.append(
                        (
                            member.pk,
                            channel,
                            member.phone if channel == "sms" else member.email,
                            subject[:150],
                            text,
                            message_key(message, member.pk, channel),
                            due[channel],
                        )
                    )
    segment_rows.insert_rows(
        message=message,
        purpose=PURPOSE,
        recipients=recipients,
        outbound=outbound,
        now=timezone.now(),
    )
    return len(recipients)
