"""Behaviour points for what members' own services announce (members.signals):
joining and a completed profile, when the owner has set such a reward up."""

from members.signals import member_enrolled, profile_completed
from points import behaviour


def _reward(member, action, by):
    behaviour.grant_behaviour_points(
        member=member,
        action=action,
        idempotency_key=f"{action}:{member.pk}",
        by=by,
        if_set_up=True,
        # Points for joining are the home store's (stores' settlement).
        store_id=member.home_store_id if action == "join" else None,
    )


def reward_joining(sender, *, member, by, **kwargs):
    _reward(member, "join", by)


def reward_completed_profile(sender, *, member, by, **kwargs):
    _reward(member, "profile", by)


def connect():
    member_enrolled.connect(reward_joining, dispatch_uid="points.reward_joining")
    profile_completed.connect(reward_completed_profile, dispatch_uid="points.reward_profile")
