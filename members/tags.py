"""Tags on members: the owner's labels ("VIP", "wholesale"), named in each
script, set on a member by staff or on many members at once by an owner."""

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config.errors import LoyaltyError
from config.roles import is_staff_member, require_owner
from config.text import clean_text
from members.models import Member, Tag

NAME_FIELDS = ("name", "name_zh_hant", "name_zh_hans")


def _names(names) -> dict:
    cleaned = {field: clean_text(names.get(field) or "") for field in NAME_FIELDS}
    if not cleaned["name"]:
        raise LoyaltyError(_("Give the tag a name."), field="name", code="tag_name")
    for field, value in cleaned.items():
        if len(value) > Tag._meta.get_field(field).max_length:
            raise LoyaltyError(
                _("A tag's name is at most 40 characters."), field=field, code="tag_name"
            )
    return cleaned


@transaction.atomic(durable=True)
def save_tag(*, tag=None, names, by) -> Tag:
    """Create a tag (`tag` None) or rename one; owners only. A name already
    taken is refused."""
    require_owner(by)
    cleaned = _names(names)
    duplicate = Tag.objects.filter(name__iexact=cleaned["name"])
    if tag is not None:
        duplicate = duplicate.exclude(pk=tag.pk)
    if duplicate.exists():
        raise LoyaltyError(_("There is already a tag with this name."), field="name", code="taken")
    tag = tag or Tag()
    for field, value in cleaned.items():
        setattr(tag, field, value)
    try:
        with transaction.atomic():
            tag.save()
    except IntegrityError:
        raise LoyaltyError(
            _("There is already a tag with this name."), field="name", code="taken"
        ) from None
    return tag


@transaction.atomic(durable=True)
def delete_tag(*, tag, by) -> None:
    """Remove a tag from the shop and from every member who had it; owners only."""
    require_owner(by)
    tag.delete()


@transaction.atomic(durable=True)
def set_member_tags(*, member, tags, by) -> Member:
    """The member's tags become exactly `tags` (staff and owners)."""
    if not is_staff_member(by):
        raise LoyaltyError(_("Only staff can change a member's tags."), code="not_staff")
    member.tags.set(tags)
    return member


def add_tag_to_members(*, tag, member_ids) -> int:
    """Give `tag` to each of `member_ids` who has not got it; returns how
    many got it. Inside the caller's transaction (the bulk change's chunk);
    running it twice gives nobody the tag twice."""
    through = Member.tags.through
    having = set(
        through.objects.filter(tag=tag, member_id__in=member_ids).values_list(
            "member_id", flat=True
        )
    )
    rows = [through(member_id=pk, tag_id=tag.pk) for pk in member_ids if pk not in having]
    through.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def remove_tag_from_members(*, tag, member_ids) -> int:
    """Take `tag` off each of `member_ids`; returns how many had it."""
    deleted, _by_model = Member.tags.through.objects.filter(
        tag=tag, member_id__in=member_ids
    ).delete()
    return deleted


TAG_SEPARATORS = re.compile(r"[,，、;；|｜/]+")


def tag_names_in(text) -> list[str]:
    """The tag names a cell of an import lists ("VIP, perm client",
    "VIP、燙髮"), each once, in order, at most 40 characters."""
    names = []
    for part in TAG_SEPARATORS.split(clean_text(text or "")):
        name = part.strip()[: Tag._meta.get_field("name").max_length]
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return names


def tags_named(names) -> dict:
    """{name as written: Tag} for `names`: the shop's tag with that name in
    any script (case aside), else a new one. Inside the caller's
    transaction (the import's: the tags go if it rolls back)."""
    known = {}
    for tag in Tag.objects.all():
        for field in NAME_FIELDS:
            value = getattr(tag, field)
            if value:
                known.setdefault(value.casefold(), tag)
    found = {}
    for name in names:
        tag = known.get(name.casefold())
        if tag is None:
            tag = Tag.objects.create(name=name)
            known[name.casefold()] = tag
        found[name] = tag
    return found


def give_tags(*, member_tags) -> int:
    """Give each member the tags listed for them ({member id: [Tag]}), keeping
    those they have; returns how many tags were given. Inside the caller's
    transaction."""
    through = Member.tags.through
    wanted = {(pk, tag.pk) for pk, tags in member_tags.items() for tag in tags}
    if not wanted:
        return 0
    having = set(
        through.objects.filter(member_id__in=list(member_tags)).values_list("member_id", "tag_id")
    )
    rows = [through(member_id=pk, tag_id=tag_id) for pk, tag_id in sorted(wanted - having)]
    through.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)
