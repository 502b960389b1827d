"""Writes of the automation pages."""

from django.db import transaction
from django.utils import timezone

from config import locks
from members.models import FollowUp


@transaction.atomic(durable=True)
def complete_follow_up(*, follow_up, outcome="", by=None):
    """Staff called a churned member: take them off the follow-up list."""
    follow_up = locks.lock_job(FollowUp.objects, pk=follow_up.pk)
    if follow_up.done_at is None:
        follow_up.done_at = timezone.now()
        follow_up.done_by = by if by and by.is_authenticated else None
        follow_up.outcome = outcome
        follow_up.save(update_fields=["done_at", "done_by", "outcome"])
    return follow_up
