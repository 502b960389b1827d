"""The personal link: a signed, expiring token for one member, printed as a
QR code on receipts and sent in "see your points" messages.

The token carries the member's id and sign-in generation, signed with the
installation's SECRET_KEY and stamped with its time (django.core.signing).
It stops working after the owner's period (PortalSettings.sign_in_days) and
as soon as the member's generation moves on ("sign out everywhere").
"""

import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import salted_hmac

from members.models import Member
from members.services import is_valid_member_number

LINK_SALT = "portal.member-link"


def link_token(member) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign(f"{member.pk}.{member.signin_generation}")


def link_path(member) -> str:
    return reverse("portal:link", args=[link_token(member)])


def link_url(member, request=None) -> str:
    """The absolute link: on the address the request came in on (a receipt
    printed at the till), else SITE_URL (a message sent by a job)."""
    path = link_path(member)
    return request.build_absolute_uri(path) if request is not None else settings.SITE_URL + path


@dataclass(frozen=True)
class LinkHolder:
    member_id: int
    generation: int


class LinkRefused(Exception):
    """The link is forged, expired or no longer valid; `expired` says which."""

    def __init__(self, *, expired=False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def read_link_token(token, *, max_age_days) -> LinkHolder:
    """Whose link `token` is; LinkRefused when it is not one of ours or is
    older than `max_age_days`. The generation is checked by the caller
    against the member row it loads anyway."""
    signer = signing.TimestampSigner(salt=LINK_SALT)
    try:
        value = signer.unsign(token, max_age=timedelta(days=max_age_days))
    except signing.SignatureExpired:
        raise LinkRefused(expired=True) from None
    except signing.BadSignature:
        raise LinkRefused() from None
    member_id, _dot, generation = value.partition(".")
    if not (member_id.isdigit() and generation.isdigit()):
        raise LinkRefused()
    return LinkHolder(int(member_id), int(generation))


# Referral codes --------------------------------------------------------------
# A short code a member gives friends; it names the member only to us (a
# keyed check), so it can neither be guessed nor walked to other members.

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CHECK_LENGTH = 4


def _check(body: str) -> str:
    digest = salted_hmac("portal.referral", body).digest()
    return "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:CHECK_LENGTH])


def referral_code(member) -> str:
    number, body = member.pk, ""
    while True:
        number, digit = divmod(number, len(ALPHABET))
        body = ALPHABET[digit] + body
        if not number:
            break
    return body + _check(body)


def referrer_for_code(text):
    """The member a referral code (or, as friends say it, a member number)
    names, or None."""
    text = unicodedata.normalize("NFKC", str(text or "")).upper()
    text = "".join(ch for ch in text if ch.isascii() and ch.isalnum())
    if is_valid_member_number(text):
        return Member.objects.filter(member_number=text).first()
    body, check = text[:-CHECK_LENGTH], text[-CHECK_LENGTH:]
    if not body or any(ch not in ALPHABET for ch in text) or _check(body) != check:
        return None
    pk = 0
    for ch in body:
        pk = pk * len(ALPHABET) + ALPHABET.index(ch)
    return Member.objects.filter(pk=pk).first()
