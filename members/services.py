"""Enrolling and editing members: the only doors that write a Member's identity."""

import secrets
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.clock import shop_today
from config.errors import LoyaltyError
from members.models import Member
from members.names import name_search_key
from members.phones import normalize_phone
from tiers.selectors import entry_tier

NAME_MAX_LENGTH = Member._meta.get_field("name").max_length


def luhn_check_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def new_member_number() -> str:
    """Ten digits, the last a Luhn check digit, so a mistyped number is caught.

    Random rather than sequential: no counter row for concurrent enrolments to
    fight over, and numbers do not reveal how many members a shop has.
    """
    while True:
        body = str(secrets.randbelow(9 * 10**8) + 10**8)
        number = body + luhn_check_digit(body)
        if not Member.objects.filter(member_number=number).exists():
            return number


def is_valid_member_number(number: str) -> bool:
    return len(number) == 10 and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def clean_name(name) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise LoyaltyError(_("Enter the member's name."), field="name", code="name_missing")
    if len(name) > NAME_MAX_LENGTH:
        raise LoyaltyError(
            _("The name is %(length)d characters long; keep it to %(max)d.")
            % {"length": len(name), "max": NAME_MAX_LENGTH},
            field="name",
            code="name_too_long",
        )
    return name


def clean_email(email) -> str:
    email = str(email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise LoyaltyError(
                _("“%(email)s” is not an email address.") % {"email": email},
                field="email",
                code="email_invalid",
            ) from None
    return email


def clean_birthday(birthday):
    if birthday is None or birthday == "":
        return None
    if not isinstance(birthday, date):
        raise LoyaltyError(_("Enter the birthday as a date."), field="birthday")
    today = shop_today()
    if birthday > today:
        raise LoyaltyError(
            _("The birthday %(date)s is in the future.") % {"date": birthday.isoformat()},
            field="birthday",
            code="birthday_future",
        )
    if birthday.year < today.year - 120:
        raise LoyaltyError(
            _("The birthday %(date)s is more than 120 years ago.") % {"date": birthday.isoformat()},
            field="birthday",
            code="birthday_too_old",
        )
    return birthday


def _duplicate_phone_error(phone, existing):
    error = LoyaltyError(
        _("%(phone)s already belongs to member %(name)s (%(number)s).")
        % {"phone": phone, "name": existing.name, "number": existing.member_number},
        field="phone",
        code="phone_taken",
    )
    error.existing_member = existing
    return error


def _ensure_phone_free(phone, *, exclude_pk=None):
    existing = Member.objects.filter(phone=phone).exclude(pk=exclude_pk).first()
    if existing:
        raise _duplicate_phone_error(phone, existing)


@transaction.atomic(durable=True)
def enrol_member(
    *,
    phone,
    name,
    email="",
    birthday=None,
    gender="",
    referred_by=None,
    notes="",
    joined_on=None,
    by=None,
) -> Member:
    """Enrol a member in the lowest active tier, with a fresh member number."""
    phone = normalize_phone(phone)
    name = clean_name(name)
    email = clean_email(email)
    birthday = clean_birthday(birthday)
    tier = entry_tier()
    if tier is None:
        raise LoyaltyError(
            _("No active tier exists yet: an owner must set up the tiers first."),
            code="no_tier",
        )
    _ensure_phone_free(phone)
    member = Member(
        member_number=new_member_number(),
        phone=phone,
        phone_tail=phone[-4:],
        name=name,
        name_key=name_search_key(name),
        email=email,
        birthday=birthday,
        gender=gender or "",
        referred_by=referred_by,
        notes=notes or "",
        joined_on=joined_on or shop_today(),
        tier=tier,
        tier_since=timezone.now(),
        created_by=by if by and by.is_authenticated else None,
    )
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        # Another counter enrolled the same phone between our check and insert.
        existing = Member.objects.filter(phone=phone).first()
        if existing:
            raise _duplicate_phone_error(phone, existing) from None
        raise
    _reward_behaviour(member, "join", by=by)
    _reward_completed_profile(member, by=by)
    return member


def _reward_behaviour(member, action, *, by):
    """Behaviour points the owner has set up (joining, completed profile);
    nothing when no such reward exists."""
    from points.services import grant_behaviour_points

    grant_behaviour_points(
        member=member,
        action=action,
        idempotency_key=f"{action}:{member.pk}",
        by=by if by and by.is_authenticated else None,
        if_set_up=True,
    )


def _reward_completed_profile(member, *, by):
    # "Complete" is what the programme can use: an email and a birthday.
    if member.email and member.birthday:
        _reward_behaviour(member, "profile", by=by)


CONTACT_FIELDS = ("phone", "name", "email", "birthday", "gender", "notes", "messages_opt_out")


@transaction.atomic(durable=True)
def update_member(*, member, by=None, **changes) -> Member:
    """Change a member's contact details; other fields have their own services."""
    unknown = set(changes) - set(CONTACT_FIELDS) - {"status", "referred_by"}
    if unknown:
        raise TypeError(f"update_member cannot change {sorted(unknown)}")
    member = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
    update_fields = []
    if "phone" in changes:
        phone = normalize_phone(changes["phone"])
        if phone != member.phone:
            _ensure_phone_free(phone, exclude_pk=member.pk)
            member.phone, member.phone_tail = phone, phone[-4:]
            update_fields += ["phone", "phone_tail"]
    if "name" in changes:
        member.name = clean_name(changes["name"])
        member.name_key = name_search_key(member.name)
        update_fields += ["name", "name_key"]
    if "email" in changes:
        member.email = clean_email(changes["email"])
        update_fields.append("email")
    if "birthday" in changes:
        member.birthday = clean_birthday(changes["birthday"])
        update_fields.append("birthday")
    if "referred_by" in changes:
        referrer = changes["referred_by"]
        if referrer is not None and referrer.pk == member.pk:
            raise LoyaltyError(
                _("A member cannot refer themselves."), field="referred_by", code="self_referral"
            )
        member.referred_by = referrer
        update_fields.append("referred_by")
    for field in ("gender", "notes", "messages_opt_out", "status"):
        if field in changes:
            setattr(member, field, changes[field])
            update_fields.append(field)
    if update_fields:
        member.save(update_fields=[*update_fields, "updated_at"])
        _reward_completed_profile(member, by=by)
    return member


@transaction.atomic(durable=True)
def complete_follow_up(*, follow_up, outcome="", by=None):
    """Staff called a churned member: take them off the follow-up list."""
    from members.models import FollowUp

    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.done_at is None:
        follow_up.done_at = timezone.now()
        follow_up.done_by = by if by and by.is_authenticated else None
        follow_up.outcome = outcome
        follow_up.save(update_fields=["done_at", "done_by", "outcome"])
    return follow_up
