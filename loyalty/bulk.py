"""Changes to many members at once, from the member list: a tier set by hand
or points added, for the members the owner ticked or filtered.

Each member is one transaction of the service that changes one member
(tiers.services.set_tier, points.behaviour.adjust_points), so each gets the
same history line or ledger entry, lock and checks as on their own page. A
selection of more than INLINE_LIMIT members is handed to the Celery workers
in chunks of CHUNK_SIZE. Running the same request again (a double click, a
redelivered chunk) changes nobody twice: points go in under one key per
member and request, and a member already in the tier is left as they are.
"""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from config.errors import LoyaltyError
from config.queue import send
from config.roles import is_owner
from members import tags as member_tags
from members.filters import MemberFilter
from members.models import Member, Tag
from members.selectors import member_list
from points import behaviour
from points.models import LedgerEntry
from tiers import services as tier_services
from tiers.models import Tier

INLINE_LIMIT = 500
CHUNK_SIZE = 500
SET_TIER, ADD_POINTS = "tier", "points"
ADD_TAG, REMOVE_TAG = "add_tag", "remove_tag"
TAG_ACTIONS = (ADD_TAG, REMOVE_TAG)
REFUSALS_SHOWN = 5


@dataclass
class BulkOutcome:
    """What a bulk change did: members changed, left as they were (already
    done), refused (with the first few reasons), or queued for the workers."""

    changed: int = 0
    unchanged: int = 0
    refused: int = 0
    reasons: list = field(default_factory=list)
    queued: int = 0

    def add(self, other):
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.refused += other.refused
        self.reasons = (self.reasons + other.reasons)[:REFUSALS_SHOWN]

    def refuse(self, member, error):
        self.refused += 1
        if len(self.reasons) < REFUSALS_SHOWN:
            self.reasons.append(f"{member.name} ({member.member_number}): {error.message}")

    def as_dict(self):
        return {
            "changed": self.changed,
            "unchanged": self.unchanged,
            "refused": self.refused,
            "reasons": self.reasons,
            "queued": self.queued,
        }


def _refuse(message, field):
    raise LoyaltyError(message, field=field, code="bulk_invalid")


def check_params(action, params) -> dict:
    """The change's parameters, checked once before anyone is touched;
    returned as plain values a Celery message can carry."""
    if action in TAG_ACTIONS:
        tag = Tag.objects.filter(pk=params.get("tag")).first()
        if tag is None:
            _refuse(_("Choose a tag."), "tag")
        return {"tag": tag.pk}
    reason = " ".join(str(params.get("reason") or "").split())
    if not reason:
        _refuse(_("Say why; the reason shows in each member's history."), "reason")
    if action == SET_TIER:
        tier = Tier.objects.filter(pk=params.get("tier"), is_active=True).first()
        if tier is None:
            _refuse(_("Choose an active tier."), "tier")
        pinned = params.get("pinned_until")
        pinned = date.fromisoformat(pinned) if isinstance(pinned, str) and pinned else pinned
        return {
            "tier": tier.pk,
            "reason": reason,
            "pinned_until": pinned.isoformat() if pinned else "",
        }
    if action == ADD_POINTS:
        points = params.get("points")
        if not isinstance(points, int) or points <= 0:
            _refuse(_("Enter a whole number of points above zero."), "points")
        return {"points": points, "reason": reason}
    raise ValueError(f"unknown bulk action {action!r}")


def start_bulk_change(*, action, member_ids, params, key, by) -> BulkOutcome:
    """Apply `action` (SET_TIER or ADD_POINTS) to the members `member_ids`,
    at once up to INLINE_LIMIT members, else in chunks on the workers.

    `key` names the request: the same key again changes nobody twice.
    Refused as a whole (LoyaltyError) for anyone but an owner, or parameters
    that are wrong for every member; a member the change does not suit
    (blocked, say) is counted as refused and the others go ahead.
    """
    if not is_owner(by):
        raise LoyaltyError(_("Only an owner can change members in bulk."), code="not_owner")
    params = check_params(action, params)
    member_ids = sorted(set(member_ids))
    if not member_ids:
        raise LoyaltyError(_("No member is selected."), code="nobody")
    if len(member_ids) <= INLINE_LIMIT:
        return apply_chunk(action=action, member_ids=member_ids, params=params, key=key, by=by)
    # The chunk task lives beside this module and imports it.
    from loyalty import tasks

    for start in range(0, len(member_ids), CHUNK_SIZE):
        chunk = member_ids[start : start + CHUNK_SIZE]
        send(tasks.bulk_chunk, action, chunk, params, key, by.pk)
    return BulkOutcome(queued=len(member_ids))


def apply_chunk(*, action, member_ids, params, key, by) -> BulkOutcome:
    """One chunk of a bulk change, member by member (see the module's
    docstring); `params` as check_params returns them."""
    if isinstance(by, int):
        by = get_user_model().objects.get(pk=by)
    members = Member.objects.select_related("tier").filter(pk__in=member_ids).order_by("pk")
    if action == SET_TIER:
        return _set_tiers(members, params, by)
    if action in TAG_ACTIONS:
        return _change_tag(action, member_ids, params)
    return _add_points(members, params, key, by)


def points_key(key, member_id) -> str:
    return f"bulk:{key}:{member_id}"


def _set_tiers(members, params, by) -> BulkOutcome:
    tier = Tier.objects.get(pk=params["tier"])
    pinned = date.fromisoformat(params["pinned_until"]) if params["pinned_until"] else None
    outcome = BulkOutcome()
    for member in members:
        try:
            tier_services.set_tier(
                member=member, tier=tier, reason=params["reason"], pinned_until=pinned, by=by
            )
        except LoyaltyError as error:
            if error.code == "same_tier":
                outcome.unchanged += 1
            else:
                outcome.refuse(member, error)
        else:
            outcome.changed += 1
    return outcome


def _change_tag(action, member_ids, params) -> BulkOutcome:
    tag = Tag.objects.filter(pk=params["tag"]).first()
    if tag is None:  # deleted since the change was queued
        return BulkOutcome(unchanged=len(member_ids))
    member_ids = list(Member.objects.filter(pk__in=member_ids).values_list("pk", flat=True))
    with transaction.atomic():
        if action == ADD_TAG:
            changed = member_tags.add_tag_to_members(tag=tag, member_ids=member_ids)
        else:
            changed = member_tags.remove_tag_from_members(tag=tag, member_ids=member_ids)
    return BulkOutcome(changed=changed, unchanged=len(member_ids) - changed)


def _add_points(members, params, key, by) -> BulkOutcome:
    members = list(members)
    done = set(
        LedgerEntry.objects.filter(
            idempotency_key__in=[points_key(key, member.pk) for member in members]
        ).values_list("member_id", flat=True)
    )
    outcome = BulkOutcome()
    for member in members:
        if member.pk in done:
            outcome.unchanged += 1
            continue
        try:
            behaviour.adjust_points(
                member=member,
                points=params["points"],
                reason=params["reason"],
                idempotency_key=points_key(key, member.pk),
                by=by,
            )
        except LoyaltyError as error:
            outcome.refuse(member, error)
        else:
            outcome.changed += 1
    return outcome


def selected_members(query):
    """The members a bulk page's selection names: those the member list's
    filters in `query` (a QueryDict) keep, narrowed to the ticked ones
    (`member`) when scope is "ticked"."""
    member_filter = MemberFilter(query, queryset=member_list())
    queryset = member_filter.qs
    if query.get("scope") == "ticked":
        ticked = [int(value) for value in query.getlist("member") if value.isdigit()]
        queryset = queryset.filter(pk__in=ticked)
    return queryset
