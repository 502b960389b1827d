"""Members leaving marketing messages without signing in: the unsubscribe
link at the foot of every email to a segment, and a reply keyword to an SMS.

The link carries the member's id signed with SECRET_KEY (django.core.signing,
its own salt), so it works without a log-in and cannot be made for someone
else. Both doors record the choice on the member (sms_opt_out,
email_opt_out), the same fields the member's own page sets.
"""

import unicodedata

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from config import locks
from config.errors import LoyaltyError
from members.models import Member
from members.phones import normalize_phone

SALT = "automation.unsubscribe"
# What a member may reply to stop SMS (compared upper-cased, spaces removed).
STOP_WORDS = frozenset({"STOP", "UNSUBSCRIBE", "TD", "T", "退訂", "退订", "取消訂閱", "取消订阅"})
CHANNELS = ("sms", "email")


def unsubscribe_token(member) -> str:
    return signing.Signer(salt=SALT).sign(str(member.pk))


def unsubscribe_url(member) -> str:
    return settings.SITE_URL + reverse("messages:unsubscribe", args=[unsubscribe_token(member)])


def member_for_token(token):
    """The member the link was made for; None for a forged or mangled link."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    return Member.objects.filter(pk=int(value)).first() if value.isdigit() else None


@transaction.atomic(durable=True)
def record_opt_out(*, member, channel) -> Member:
    """The member gets no more marketing messages on `channel`."""
    if channel not in CHANNELS:
        raise ValueError(channel)
    locked = locks.lock_member(Member.objects.all(), member.pk)
    field = f"{channel}_opt_out"
    if not getattr(locked, field):
        setattr(locked, field, True)
        locked.save(update_fields=[field, "updated_at"])
    return locked


def is_stop_word(text) -> bool:
    word = "".join(unicodedata.normalize("NFKC", str(text or "")).split()).upper()
    return word.strip(".!。！") in STOP_WORDS


def handle_sms_reply(*, phone, text):
    """A member's reply to an SMS: a stop word turns their SMS off. Returns
    the member who opted out, or None (another reply, or an unknown phone)."""
    if not is_stop_word(text):
        return None
    try:
        phone = normalize_phone(phone)
    except LoyaltyError:
        return None
    member = Member.objects.filter(phone=phone).first()
    if member is None:
        return None
    return record_opt_out(member=member, channel="sms")
