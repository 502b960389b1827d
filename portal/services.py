"""Writes of the members' own pages: sessions, sign-in codes, joining,
the profile, the link sent by staff.

Sign-in codes: six digits, valid CODE_MINUTES, stored as an HMAC keyed with
SECRET_KEY (a code is worth ten minutes; a slow password hash would cost
the sign-in its speed and buy nothing). At most CODES_PER_PHONE codes per
phone in WINDOW_MINUTES, and settings.MEMBER_CODES_PER_ADDRESS per address
(Django's cache); MAX_TRIES wrong tries lock the phone for LOCK_MINUTES.
"""

import ipaddress
import secrets
import unicodedata
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from automation.messaging import queue_message
from config import locks
from config.errors import LoyaltyError
from config.shop import shop_settings
from members.models import Member, MessageTemplate
from members.phones import normalize_phone
from members.services import clean_member_fields, enrol_member, update_member
from portal.models import MemberSession, PortalSettings, SignInCode

CODE_MINUTES = 10
MAX_TRIES = 5
LOCK_MINUTES = 15
WINDOW_MINUTES = 15
CODES_PER_PHONE = 3


# Sessions ---------------------------------------------------------------------


def start_session(*, member, via, device="") -> MemberSession:
    now = timezone.now()
    days = PortalSettings.current().sign_in_days
    # The member's sessions over for a month go (the table never grows
    # past what members use; the phones list shows the live ones).
    MemberSession.objects.filter(member=member, expires_at__lt=now - timedelta(days=30)).delete()
    return MemberSession.objects.create(
        id=secrets.token_urlsafe(32),
        member=member,
        generation=member.signin_generation,
        via=via,
        device=device[:200],
        last_seen_at=now,
        expires_at=now + timedelta(days=days),
    )


def end_session(*, session) -> None:
    MemberSession.objects.filter(pk=session.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def member_for_phone(phone):
    """The member a phone signs in to; a record merged into another leads
    to the member it was merged into."""
    member = Member.objects.filter(phone=phone).select_related("merged_into__kept").first()
    seen = set()
    while member is not None and hasattr(member, "merged_into") and member.pk not in seen:
        seen.add(member.pk)
        member = Member.objects.select_related("merged_into__kept").get(
            pk=member.merged_into.kept_id
        )
    return member


# Sign-in codes ----------------------------------------------------------------


def _code_hash(phone, code) -> str:
    return salted_hmac("portal.sign-in-code", f"{phone}:{code}").hexdigest()


def _at(moment) -> str:
    return time_format(timezone.localtime(moment), "H:i")


def _locked(phone, now):
    return (
        SignInCode.objects.filter(phone=phone, locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )


def _locked_error(until):
    return LoyaltyError(
        _("Too many wrong codes for this phone. Try again after %(time)s.") % {"time": _at(until)},
        field="code",
        code="phone_locked",
    )


def _take_address_slot(address) -> bool:
    """Count one code for `address` in its 15-minute window; False when it
    has had its share. A fixed window in the shared cache."""
    if not address:
        return True
    key = f"portal:codes:{address}"
    cache.add(key, 0, timeout=WINDOW_MINUTES * 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_MINUTES * 60)
        count = 1
    return count <= settings.MEMBER_CODES_PER_ADDRESS


def _ip(address):
    """The address as the database stores it, or None when it is not one."""
    try:
        return str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        return None


def clean_phone(phone) -> str:
    return normalize_phone(phone)


@transaction.atomic(durable=True)
def send_sign_in_code(*, phone, member=None, address=None, language=None) -> SignInCode:
    """Send a new code to `phone` (E.164) by SMS, through the outbox, at
    once. `member`: the member it signs in to, None for a phone joining."""
    now = timezone.now()
    until = _locked(phone, now)
    if until:
        raise _locked_error(until)
    recent = list(
        SignInCode.objects.filter(
            phone=phone, created_at__gt=now - timedelta(minutes=WINDOW_MINUTES)
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(recent) >= CODES_PER_PHONE:
        raise LoyaltyError(
            _(
                "We sent %(count)d codes to this phone in the last %(minutes)d minutes. "
                "Use the last one, or ask for a new one after %(time)s."
            )
            % {
                "count": len(recent),
                "minutes": WINDOW_MINUTES,
                "time": _at(recent[-CODES_PER_PHONE] + timedelta(minutes=WINDOW_MINUTES)),
            },
            field="phone",
            code="too_many_codes",
        )
    address = _ip(address)
    if not _take_address_slot(address):
        raise LoyaltyError(
            _("Too many codes were asked for from this network. Try again in %(minutes)d minutes.")
            % {"minutes": WINDOW_MINUTES},
            field="phone",
            code="too_many_codes_address",
        )
    # This phone's codes from before yesterday have done their work.
    SignInCode.objects.filter(phone=phone, created_at__lt=now - timedelta(days=1)).delete()
    code = f"{secrets.randbelow(10**6):06d}"
    row = SignInCode.objects.create(
        phone=phone,
        code_hash=_code_hash(phone, code),
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
        address=address,
    )
    queue_message(
        member=member,
        phone=phone,
        purpose=MessageTemplate.Purpose.MEMBER_CODE,
        context={"code": code, "minutes": CODE_MINUTES},
        dedup_key=f"code:{row.pk}",
        language=language,
        channels=("sms",),
        default_sms=_("%(shop)s: your code is %(code)s. It works for %(minutes)d minutes.")
        % {"shop": shop_settings().name, "code": code, "minutes": CODE_MINUTES},
        send_now=True,
    )
    return row


def _plain_code(code) -> str:
    code = unicodedata.normalize("NFKC", str(code or ""))
    return "".join(ch for ch in code if not ch.isspace() and ch != "-")


def check_sign_in_code(*, phone, code, key="") -> None:
    """Accept the latest code sent to `phone`, or raise LoyaltyError saying
    why not. A wrong code counts as a try (the count is kept even though
    the check fails); the fifth locks the phone. The same form sent again
    (`key`) after its code was accepted is accepted again."""
    with transaction.atomic(durable=True):
        refusal = _check_code(phone=phone, code=code, key=key)
    if refusal is not None:
        raise refusal


def _check_code(*, phone, code, key):
    now = timezone.now()
    latest = (
        SignInCode.objects.filter(phone=phone)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if latest is None:
        return LoyaltyError(_("Ask for a code first."), field="code", code="no_code")
    row = locks.lock_job(SignInCode.objects, pk=latest)
    if key and row.used_key == key:
        return None  # the same form again: accepted the first time
    until = _locked(phone, now)
    if until:
        return _locked_error(until)
    if row.used_at is not None:
        return LoyaltyError(
            _("That code was used already. Ask for a new one."), field="code", code="code_used"
        )
    if row.expires_at <= now:
        return LoyaltyError(
            _("That code has expired (codes work for %(minutes)d minutes). Ask for a new one.")
            % {"minutes": CODE_MINUTES},
            field="code",
            code="code_expired",
        )
    plain = _plain_code(code)
    if not (len(plain) == 6 and plain.isascii() and plain.isdigit()):
        return LoyaltyError(
            _("Enter the 6 digits of the code we sent."), field="code", code="code_format"
        )
    if constant_time_compare(row.code_hash, _code_hash(phone, plain)):
        row.used_at, row.used_key = now, key or ""
        row.save(update_fields=["used_at", "used_key"])
        return None
    row.attempts += 1
    fields = ["attempts"]
    if row.attempts >= MAX_TRIES:
        row.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        fields.append("locked_until")
    row.save(update_fields=fields)
    if row.locked_until:
        return _locked_error(row.locked_until)
    left = MAX_TRIES - row.attempts
    return LoyaltyError(
        ngettext(
            "That is not the code we sent. %(left)d try left.",
            "That is not the code we sent. %(left)d tries left.",
            left,
        )
        % {"left": left},
        field="code",
        code="code_wrong",
    )


# Joining ------------------------------------------------------------------------


def check_join_open():
    if not PortalSettings.current().join_open:
        raise LoyaltyError(
            _("Joining on the phone is closed. Ask at the counter to join."), code="join_closed"
        )


def join(*, phone, code, name, email="", birthday=None, referrer=None, key):
    """A walk-in joins with the code sent to their phone: (member, created).

    The details are checked before the code is spent, so a typo in the name
    costs no code. Then the code is accepted and the member enrolled, each
    by its own door (enrol_member is a transaction of its own). A phone that
    became a member meanwhile (the same form sent twice, or a second phone
    joining with the same number) is not enrolled again: having just proved
    the phone is theirs, the person signs in to that member."""
    check_join_open()
    cleaned = clean_member_fields(phone=phone, name=name, email=email, birthday=birthday)
    check_sign_in_code(phone=cleaned["phone"], code=code, key=key)
    try:
        member = enrol_member(
            phone=cleaned["phone"],
            name=cleaned["name"],
            email=cleaned["email"],
            birthday=cleaned["birthday"],
            referred_by=referrer,
        )
    except LoyaltyError as error:
        existing = getattr(error, "existing_member", None)
        if error.code != "phone_taken" or existing is None:
            raise
        return existing, False
    return member, True


# The profile ---------------------------------------------------------------------


def update_profile(*, member, name, email, birthday, sms, email_messages, language) -> Member:
    """The member's own edit: name, email, a birthday once, and which
    messages they want. Turning a channel on lifts a "no marketing
    messages" the shop noted; turning both off sets it."""
    changes = {
        "name": name,
        "email": email,
        "sms_opt_out": not sms,
        "email_opt_out": not email_messages,
        "language": language,
    }
    if sms or email_messages:
        changes["messages_opt_out"] = False
    else:
        changes["messages_opt_out"] = True
    if birthday is not None:
        changes["birthday"] = birthday
    return update_member(member=member, birthday_once=True, **changes)


# The link, sent on request ---------------------------------------------------------


@transaction.atomic(durable=True)
def send_member_link(*, member) -> list:
    """Send the member the link to their page (SMS, and email when they have
    one) through the outbox, at once; the member asked for it, so it goes
    even when they opted out of messages."""
    return queue_message(
        member=member,
        purpose=MessageTemplate.Purpose.MEMBER_LINK,
        context={},
        dedup_key=f"link:{member.pk}:{uuid.uuid4().hex}",
        send_now=True,
    )


def member_for_id(member_id):
    member = Member.objects.select_related("tier").filter(pk=member_id).first()
    return member
