"""Offers the programme gives by itself: the welcome offer on joining and the
membership anniversary gift.

Both are given once: the welcome offer under the key welcome:<member>, the
anniversary under anniversary:<member>:<year> (points and reward alike), so
a retried enrolment or a job run twice gives nothing more.
"""

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from automation.messaging import member_language, queue_message
from config import heartbeat
from config.errors import LoyaltyError
from members.models import AutomationSettings, Member, MessageTemplate
from points.ledger import grant_points, lock_member
from points.models import LedgerEntry
from rewards.models import RewardRedemption
from rewards.services import issue_reward

logger = logging.getLogger(__name__)
CHUNK = 1000


def _issue_once(*, member, reward, key, reason):
    """Issue `reward` free once for `key`: the redemption (given now or
    before), or None when it cannot be given (inactive, sold out, kept for a
    higher tier): logged, never undoing what the caller does."""
    existing = RewardRedemption.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return issue_reward(member=member, reward=reward, reason=reason, idempotency_key=key)
    except LoyaltyError as error:
        logger.warning("%s not issued to member %s: %s", reward, member.pk, error)
        return None


def give_welcome_offer(*, member, by=None):
    """The owner's welcome offer (AutomationSettings.welcome_reward) to a
    member who just joined, once per member. Runs in the enrolment's
    transaction (members.signals.member_enrolled); a reward that cannot be
    given leaves the enrolment alone. Returns the redemption or None."""
    reward = AutomationSettings.current().welcome_reward
    if reward is None:
        return None
    with translation.override(member_language(member)):
        reason = _("Welcome offer")
    return _issue_once(member=member, reward=reward, key=f"welcome:{member.pk}", reason=reason)


def welcome_new_member(sender, *, member, by=None, **kwargs):
    give_welcome_offer(member=member, by=by)


# The membership anniversary ------------------------------------------------


def _is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def anniversary_members(day):
    """Active members who joined on this day of the month in an earlier year
    (those who joined on 29 February, on 1 March of other years)."""
    condition = Q(joined_on__month=day.month, joined_on__day=day.day)
    if day.month == 3 and day.day == 1 and not _is_leap(day.year):
        condition |= Q(joined_on__month=2, joined_on__day=29)
    return Member.objects.filter(condition, joined_on__year__lt=day.year, status="active")


def anniversary_gifts(day):
    """Each member's anniversary gift of `day`'s year, once: the owner's
    anniversary points and/or reward, and a greeting."""
    settings_row = AutomationSettings.current()
    points, reward = settings_row.anniversary_points, settings_row.anniversary_reward
    counts = dict.fromkeys(("members", "points", "issued", "greeted"), 0)
    if not points and reward is None:
        return {"gift_set": False}
    members = anniversary_members(day)
    last = 0
    while True:
        heartbeat.beat()
        ids = list(members.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not ids:
            break
        last = ids[-1]
        for member in Member.objects.filter(pk__in=ids).order_by("pk"):
            with transaction.atomic():
                _anniversary(member, day=day, settings_row=settings_row, counts=counts)
    return {
        "members_gifted": counts["members"],
        "points_given": counts["points"],
        "rewards_issued": counts["issued"],
        "messages_queued": counts["greeted"],
    }


def _anniversary(member, *, day, settings_row, counts):
    key = f"anniversary:{member.pk}:{day.year}"
    years = day.year - member.joined_on.year
    with translation.override(member_language(member)):
        reason = _("Membership anniversary %(year)s") % {"year": day.year}
    given = []
    points = settings_row.anniversary_points
    if points and not LedgerEntry.objects.filter(idempotency_key=key).exists():
        member = lock_member(member)
        grant_points(
            member=member,
            points=points,
            kind=LedgerEntry.Kind.BEHAVIOUR_EARN,
            idempotency_key=key,
            reason=reason,
        )
        counts["points"] += points
        given.append("points")
    reward = settings_row.anniversary_reward
    if (
        reward is not None
        and not RewardRedemption.objects.filter(idempotency_key=key).exists()
        and _issue_once(member=member, reward=reward, key=key, reason=reason) is not None
    ):
        counts["issued"] += 1
        given.append("reward")
    if not given:
        return  # given by an earlier run (or the reward could not be given)
    counts["members"] += 1
    if settings_row.send_anniversary_greetings:
        with translation.override(member_language(member)):
            gift = _anniversary_gift(points if "points" in given else 0, reward, given)
        counts["greeted"] += len(
            queue_message(
                member=member,
                purpose=MessageTemplate.Purpose.ANNIVERSARY,
                context={"years": years, "points": points, "gift": gift},
                dedup_key=key,
            )
        )


def _anniversary_gift(points, reward, given):
    parts = []
    if points:
        parts.append(_("%(points)s points") % {"points": points})
    if "reward" in given:
        parts.append(reward.display_name)
    if not parts:
        return ""
    return _("Your gift: %(gift)s. ") % {"gift": _(" and ").join(parts)}
