"""What a message to a segment did: messages sent, failed and not sent,
and the sales of its recipients in the days after against the holdout."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Sum

from members.models import MessageTemplate, OutboundMessage
from points.models import Purchase, Refund
from segments.models import SegmentRecipient

UPLIFT_DAYS = 14
CENT = Decimal("0.01")


@dataclass
class Group:
    members: int = 0
    sales: Decimal = Decimal(0)
    buyers: int = 0

    @property
    def per_member(self):
        return (self.sales / self.members).quantize(CENT) if self.members else Decimal(0)


@dataclass
class Results:
    outcomes: dict = field(default_factory=dict)
    sent: int = 0
    failed: int = 0
    waiting: int = 0
    opted_out: int = 0
    messaged: Group = field(default_factory=Group)
    held_out: Group = field(default_factory=Group)
    window_end: object = None

    @property
    def uplift(self):
        """Sales per messaged member minus sales per held-out member."""
        return self.messaged.per_member - self.held_out.per_member

    @property
    def uplift_percent(self):
        if not self.held_out.per_member:
            return None
        return (Decimal(100) * self.uplift / self.held_out.per_member).quantize(Decimal("0.1"))


def _group(message, outcome, start, end) -> Group:
    members = SegmentRecipient.objects.filter(message=message, outcome=outcome).values("member_id")
    group = Group(members=members.count())
    sales = Purchase.objects.filter(
        member_id__in=members, created_at__gte=start, created_at__lt=end
    ).aggregate(total=Sum("amount_paid"), buyers=Count("member_id", distinct=True))
    refunds = Refund.objects.filter(
        purchase__member_id__in=members, created_at__gte=start, created_at__lt=end
    ).aggregate(total=Sum("amount"))
    group.sales = (sales["total"] or Decimal(0)) - (refunds["total"] or Decimal(0))
    group.buyers = sales["buyers"]
    return group


def message_results(message) -> Results:
    """The message's figures. Sales are what members paid in the UPLIFT_DAYS
    days from the send time, net of refunds made in those days."""
    results = Results()
    outcomes = dict(
        SegmentRecipient.objects.filter(message=message)
        .values_list("outcome")
        .annotate(n=Count("pk"))
    )
    results.outcomes = {choice: outcomes.get(choice, 0) for choice in SegmentRecipient.Outcome}
    # Through the messaged members (the recipients' index, then the outbox's
    # member index): a LIKE on the key alone would read the whole outbox.
    messaged = SegmentRecipient.objects.filter(
        message=message, outcome=SegmentRecipient.Outcome.MESSAGED
    ).values("member_id")
    statuses = dict(
        OutboundMessage.objects.filter(
            member_id__in=messaged,
            purpose=MessageTemplate.Purpose.SEGMENT,
            dedup_key__startswith=f"segment:{message.pk}:",
        )
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    Status = OutboundMessage.Status
    results.sent = statuses.get(Status.SENT, 0)
    results.failed = statuses.get(Status.FAILED, 0)
    results.waiting = statuses.get(Status.QUEUED, 0)
    # Opted out when it was scheduled, or turned the channel off before it went.
    results.opted_out = results.outcomes[SegmentRecipient.Outcome.OPTED_OUT] + statuses.get(
        Status.SKIPPED, 0
    )
    start = message.send_at
    results.window_end = end = start + timedelta(days=UPLIFT_DAYS)
    results.messaged = _group(message, SegmentRecipient.Outcome.MESSAGED, start, end)
    results.held_out = _group(message, SegmentRecipient.Outcome.HELD_OUT, start, end)
    return results
