"""Enrolling and editing members: the only doors that write a Member's identity."""

import secrets
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config import locks
from config.clock import shop_today
from config.errors import LoyaltyError
from config.roles import is_owner, require_owner
from config.text import clean_text
from members.models import Member, MemberMerge
from members.names import name_search_key
from members.phones import normalize_phone
from members.selectors import entry_tier
from members.signals import (
    member_enrolled,
    member_signed_out_everywhere,
    members_merged,
    profile_completed,
)
from stores.selectors import store_id_of

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
    return (
        len(number) == 10
        and number.isascii()
        and number.isdigit()
        and luhn_check_digit(number[:-1]) == number[-1]
    )


def clean_name(name) -> str:
    # NFC, without bidi overrides, zero-width or control characters, which
    # would let one name pass for another on a card or receipt.
    name = clean_text(name)
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


def clean_birthday(birthday, today=None):
    if birthday is None or birthday == "":
        return None
    if not isinstance(birthday, date):
        raise LoyaltyError(_("Enter the birthday as a date."), field="birthday")
    today = today or shop_today()
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


GENDERS = frozenset(Member.Gender.values)


def _clean_gender(gender) -> str:
    gender = gender or ""
    if gender not in GENDERS:
        raise LoyaltyError(
            _("“%(gender)s” is not a gender we record: use f, m, o or leave it empty.")
            % {"gender": gender},
            field="gender",
            code="gender_invalid",
        )
    return gender


def clean_member_fields(
    *,
    phone,
    name,
    email="",
    birthday=None,
    gender="",
    region=None,
    also_regions=None,
    today=None,
    errors=None,
) -> dict:
    """The identity rules every member passes, whether enrolled at the counter
    or imported from a file: one set of rules and no queries, so the import
    can call it for a million rows and check phones against the database in bulk.

    `region` and `also_regions` read a phone typed without its country code
    (default: the shop settings'; see members.phones.normalize_phone).
    Raises LoyaltyError for the first field to fix; given an `errors` list it
    appends every field's error there instead and leaves that field out.
    """
    steps = (
        ("phone", lambda: normalize_phone(phone, region=region, also=also_regions)),
        ("name", lambda: clean_name(name)),
        ("email", lambda: clean_email(email)),
        ("birthday", lambda: clean_birthday(birthday, today)),
        ("gender", lambda: _clean_gender(gender)),
    )
    cleaned = {}
    for field, clean in steps:
        try:
            cleaned[field] = clean()
        except LoyaltyError as error:
            if errors is None:
                raise
            errors.append(error)
    return cleaned


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
    store=None,
) -> Member:
    """Enrol a member in the lowest active tier, with a fresh member number,
    at `store` (a Store or its id), which becomes their home store."""
    cleaned = clean_member_fields(
        phone=phone, name=name, email=email, birthday=birthday, gender=gender
    )
    phone, name, email = cleaned["phone"], cleaned["name"], cleaned["email"]
    birthday, gender = cleaned["birthday"], cleaned["gender"]
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
        notes=clean_text(notes, multiline=True),
        joined_on=joined_on or shop_today(),
        tier=tier,
        tier_since=timezone.now(),
        created_by=by if by and by.is_authenticated else None,
        home_store_id=store_id_of(store),
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
    member_enrolled.send(sender=Member, member=member, by=_acting(by))
    _announce_completed_profile(member, by=by)
    return member


def _acting(by):
    return by if by and by.is_authenticated else None


def _announce_completed_profile(member, *, by):
    # "Complete" is what the programme can use: an email and a birthday.
    if member.email and member.birthday:
        profile_completed.send(sender=Member, member=member, by=_acting(by))


CONTACT_FIELDS = (
    "phone",
    "name",
    "email",
    "birthday",
    "gender",
    "notes",
    "messages_opt_out",
    "sms_opt_out",
    "email_opt_out",
    "language",
)
LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def _referral_chain_reaches(start_pk, target_pk) -> bool:
    """Whether following referrers up from `start_pk` reaches `target_pk`
    (one query a step; chains are short, and a loop already stored ends it)."""
    seen = set()
    current = start_pk
    while current is not None and current not in seen:
        if current == target_pk:
            return True
        seen.add(current)
        current = Member.objects.filter(pk=current).values_list("referred_by_id", flat=True).first()
    return False


def referrer_locked(*, member, by=None):
    """Why `by` may not change who referred `member` at all, or None: only
    owners may, and only before the member's first sale."""
    if by is None or not is_owner(by):
        return _("Only an owner can change who referred a member; it is set at enrolment.")
    if member.purchase_count or member.last_purchase_at:
        return _(
            "%(name)s has already bought something, so who referred them can no longer be changed."
        ) % {"name": member.name}
    return None


def referrer_refusal(*, member, referrer, by=None):
    """Why `by` may not make `referrer` (a Member or None) the referrer of
    `member`, an existing member, as a LoyaltyError; None when they may.

    A referrer is set at enrolment; afterwards only an owner may set or
    change it, and only before the member's first sale (the referral reward
    rides on that sale). Nobody refers themselves, and no referral goes round
    in a circle (A referred by B, B by A, or longer)."""
    if referrer is not None and referrer.pk == member.pk:
        return LoyaltyError(
            _("A member cannot refer themselves."), field="referred_by", code="self_referral"
        )
    locked = referrer_locked(member=member, by=by)
    if locked:
        return LoyaltyError(locked, field="referred_by", code="referrer_locked")
    if referrer is not None and _referral_chain_reaches(referrer.referred_by_id, member.pk):
        return LoyaltyError(
            _(
                "%(referrer)s cannot have referred %(name)s: %(referrer)s was referred by "
                "%(name)s, directly or through other members."
            )
            % {"referrer": referrer.name, "name": member.name},
            field="referred_by",
            code="referral_cycle",
        )
    return None


@transaction.atomic(durable=True)
def update_member(*, member, by=None, birthday_once=False, **changes) -> Member:
    """Change a member's contact details; other fields have their own services.

    `birthday_once`: the member edits their own profile, where a birthday
    is set once; changing one already on file is for staff.
    """
    unknown = set(changes) - set(CONTACT_FIELDS) - {"status", "referred_by"}
    if unknown:
        raise TypeError(f"update_member cannot change {sorted(unknown)}")
    referrer = changes.get("referred_by")
    if referrer is not None:
        # Both rows, in the lock order: two owners linking A to B and B to A
        # at once take turns, and the second sees the circle.
        pair = Member.objects.filter(pk__in={member.pk, referrer.pk})
        rows = {row.pk: row for row in locks.lock_members(pair)}
        member, changes["referred_by"] = rows[member.pk], rows[referrer.pk]
    else:
        member = locks.lock_member(Member.objects, member.pk)
    # Blocking stops earning and spending: an owner's decision, whichever
    # door the change comes through (the member page, the admin).
    status_change = "status" in changes and changes["status"] != member.status
    if status_change and (by is None or not is_owner(by)):
        raise PermissionDenied
    birthday_change = "birthday" in changes and changes["birthday"] != member.birthday
    if birthday_once and member.birthday and birthday_change:
        raise LoyaltyError(
            _("Your birthday is already on file. Ask the shop to correct it."),
            field="birthday",
            code="birthday_set",
        )
    if "language" in changes and (changes["language"] or "") not in LANGUAGE_CODES | {""}:
        raise LoyaltyError(
            _("Choose one of the languages offered."), field="language", code="language_invalid"
        )
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
        if (referrer.pk if referrer else None) != member.referred_by_id:
            refusal = referrer_refusal(member=member, referrer=referrer, by=by)
            if refusal:
                raise refusal
            member.referred_by = referrer
            update_fields.append("referred_by")
    if "notes" in changes:
        member.notes = clean_text(changes["notes"], multiline=True)
        update_fields.append("notes")
    for field in (
        "gender",
        "messages_opt_out",
        "sms_opt_out",
        "email_opt_out",
        "language",
        "status",
    ):
        if field in changes:
            setattr(member, field, changes[field])
            update_fields.append(field)
    if update_fields:
        member.save(update_fields=[*update_fields, "updated_at"])
        _announce_completed_profile(member, by=by)
    return member


@transaction.atomic(durable=True)
def sign_out_everywhere(*, member, by=None) -> Member:
    """End every session of the member's own pages and void every personal
    link issued so far. `by`: the owner who asked at the shop, or None when
    the member did it from their own page."""
    if by is not None:
        require_owner(by)
    member = locks.lock_member(Member.objects, member.pk)
    member.signin_generation += 1
    member.save(update_fields=["signin_generation", "updated_at"])
    member_signed_out_everywhere.send(sender=Member, member=member, by=_acting(by))
    return member


# -- merging two records of one person ------------------------------------------


def _lock_pair(first, second):
    # Both rows, in primary-key order so two merges cannot deadlock.
    rows = locks.lock_members(Member.objects.filter(pk__in=[first.pk, second.pk]))
    locked = {member.pk: member for member in rows}
    return locked[first.pk], locked[second.pk]


def _move_relations(*, keep, absorb) -> dict:
    """Point every row that belongs to `absorb` (ledger, sales, rewards, tier
    history, referrals, and whatever later apps add) at `keep`."""
    moved = {}
    for relation in Member._meta.related_objects:
        model, field = relation.related_model, relation.field
        if not relation.one_to_many or model is MemberMerge:
            continue
        rows = model._base_manager.filter(**{field.name: absorb})
        if model is Member:
            rows = rows.exclude(pk=keep.pk)
        try:
            with transaction.atomic():
                count = rows.update(**{field.name: keep})
        except IntegrityError:
            raise LoyaltyError(
                _("These members cannot be merged: both have %(things)s that may exist only once.")
                % {"things": model._meta.verbose_name_plural},
                code="merge_conflict",
            ) from None
        if count:
            moved[f"{model._meta.label_lower}.{field.name}"] = count
    return moved


def _merge_opening_figures(keep, absorb):
    """Figures both records brought from an earlier system add up. Window
    figures of two different days take the earlier day: together they stop
    counting when the first of them would."""
    keep.opening_lifetime_spend += absorb.opening_lifetime_spend
    keep.opening_window_spend += absorb.opening_window_spend
    keep.opening_window_purchases += absorb.opening_window_purchases
    dates = [day for day in (keep.opening_as_of, absorb.opening_as_of) if day]
    keep.opening_as_of = min(dates) if dates else None
    keep.opening_purchases += absorb.opening_purchases
    days = [day for day in (keep.opening_last_purchase_on, absorb.opening_last_purchase_on) if day]
    keep.opening_last_purchase_on = max(days) if days else None


@transaction.atomic(durable=True)
def merge_members(*, keep, absorb, by, reason="") -> MemberMerge:
    """Fold `absorb` into `keep`: two records found to be the same person.

    Everything that belongs to `absorb` moves to `keep` (ledger entries with
    their lots and expiry dates, sales, rewards, referrals, tier history);
    points, spend and purchase counts add up, and so do the figures brought
    from an earlier system; blanks in `keep`'s contact
    details are filled from `absorb`. Nothing is deleted: `absorb` stays,
    blocked, with a note and a MemberMerge row saying what moved, so its
    number and phone still lead staff to `keep`.
    """
    if keep.pk == absorb.pk:
        raise LoyaltyError(_("Choose two different members to merge."), code="merge_same")
    keep, absorb = _lock_pair(keep, absorb)
    if MemberMerge.objects.filter(absorbed__in=[keep, absorb]).exists():
        raise LoyaltyError(
            _("One of these records was already merged into another member."),
            code="merge_done",
        )
    points = absorb.points_balance
    moved = _move_relations(keep=keep, absorb=absorb)
    keep.points_balance += absorb.points_balance
    keep.lifetime_spend += absorb.lifetime_spend
    keep.purchase_count += absorb.purchase_count
    _merge_opening_figures(keep, absorb)
    if absorb.last_purchase_at and (
        keep.last_purchase_at is None or absorb.last_purchase_at > keep.last_purchase_at
    ):
        keep.last_purchase_at = absorb.last_purchase_at
    keep.joined_on = min(keep.joined_on, absorb.joined_on)
    if keep.referred_by_id == absorb.pk:
        keep.referred_by_id = None
    if (
        keep.referred_by_id is None
        and absorb.referred_by_id not in (None, keep.pk)
        and not _referral_chain_reaches(absorb.referred_by_id, keep.pk)
    ):
        keep.referred_by_id = absorb.referred_by_id
    for field in ("email", "birthday", "gender"):
        if not getattr(keep, field) and getattr(absorb, field):
            setattr(keep, field, getattr(absorb, field))
    keep.save()
    note = _("Merged into member %(number)s (%(name)s) on %(date)s.") % {
        "number": keep.member_number,
        "name": keep.name,
        "date": shop_today().isoformat(),
    }
    if reason:
        note = f"{note} {reason}"
    absorb.notes = f"{absorb.notes}\n{note}".strip()
    absorb.status = Member.Status.BLOCKED
    absorb.points_balance = 0
    absorb.lifetime_spend = 0
    absorb.purchase_count = 0
    absorb.opening_lifetime_spend = absorb.opening_window_spend = 0
    absorb.opening_window_purchases = 0
    absorb.opening_as_of = None
    absorb.opening_purchases = 0
    absorb.opening_last_purchase_on = None
    absorb.last_purchase_at = None
    absorb.save()
    merge = MemberMerge.objects.create(
        kept=keep,
        absorbed=absorb,
        points=points,
        moved=moved,
        reason=reason[:200],
        by=by if by is not None and by.is_authenticated else None,
    )
    members_merged.send(sender=Member, keep=keep, absorb=absorb, by=by)
    return merge
