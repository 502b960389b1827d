"""The tier engine's part in what members' own services announce
(members.signals): a merged member may now qualify for a higher tier."""

from django.utils import timezone

from members.signals import members_merged
from tiers.services import evaluate_member


def evaluate_merged_member(sender, *, keep, absorb, by, **kwargs):
    evaluate_member(member=keep, as_of=timezone.now(), reason="merge", by=by)


def connect():
    members_merged.connect(evaluate_merged_member, dispatch_uid="tiers.evaluate_merged")
