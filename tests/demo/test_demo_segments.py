"""The demo shop shows the segment features with data: tags on members,
saved segments with members in them, a message to a segment sent ten days
ago with its results, a coupon with a minimum bill and the welcome offer."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation

from automation.segment_results import message_results
from campaigns.models import Campaign
from config.clock import shop_date, shop_today
from config.errors import LoyaltyError
from demo.activity import VALUE_CAMPAIGN_NAME
from demo.segments import MESSAGE_DAYS_AGO, MESSAGE_NAME, ensure_demo_message
from demo.shop import load_demo_shop
from loyalty.sale import quote_purchase, record_purchase
from members.models import Member, OutboundMessage, Tag
from members.services import enrol_member
from points.models import LedgerEntry, Purchase
from rewards.models import Coupon, Reward, RewardRedemption
from rewards.services import redeem_reward
from segments.models import Segment, SegmentMessage, SegmentRecipient
from segments.selectors import segment_members


@pytest.fixture
def demo(db):
    return load_demo_shop(members=60)


def test_members_carry_the_shops_tags_in_each_script(demo):
    members = Member.objects.count()
    tags = {tag.name: tag for tag in Tag.objects.all()}
    assert len(tags) >= 3
    with translation.override("zh-hans"):
        assert {"贵宾", "烫发客", "批发"} <= {tag.display_name for tag in tags.values()}
    with translation.override("zh-hant"):
        assert {"貴賓", "燙髮客", "批發"} <= {tag.display_name for tag in tags.values()}
    for tag in tags.values():
        assert 0 < tag.members.count() < members / 2
    # The top of the ladder is far more often VIP than the base.
    vips = tags["VIP"].members

    def vip_share(members):
        return vips.filter(pk__in=members).count() / members.count()

    top = Member.objects.filter(tier__rank__gte=3)
    assert vip_share(top) > 3 * vip_share(Member.objects.filter(tier__rank=1))


def test_saved_segments_have_members_and_their_pages_open(demo, owner_client):
    segments = list(Segment.objects.all())
    assert len(segments) >= 2
    for segment in segments:
        assert segment_members(segment.criteria).exists(), segment.name
    page = owner_client.get(reverse("segments:list"))
    assert page.status_code == 200
    for segment in segments:
        assert segment.name in page.text
        assert owner_client.get(reverse("segments:edit", args=[segment.pk])).status_code == 200


def test_the_message_went_out_ten_days_ago_and_has_results(demo, owner_client):
    message = SegmentMessage.objects.get(name=MESSAGE_NAME)
    assert message.status == SegmentMessage.Status.SCHEDULED
    assert shop_date(message.send_at) == shop_today() - timedelta(days=MESSAGE_DAYS_AGO)
    results = message_results(message)
    assert results.sent == results.messaged.members > 0
    assert results.held_out.members > 0
    assert results.waiting == 0
    assert results.messaged.sales > 0 and results.messaged.buyers > 0
    # Nobody held out was texted.
    held_out = SegmentRecipient.objects.filter(
        message=message, outcome=SegmentRecipient.Outcome.HELD_OUT
    ).values("member_id")
    assert not OutboundMessage.objects.filter(
        member_id__in=held_out, dedup_key__startswith=f"segment:{message.pk}:"
    ).exists()
    page = owner_client.get(reverse("automation:segment_message_results", args=[message.pk]))
    assert page.status_code == 200


def test_the_replies_came_after_the_message_in_opening_hours(demo):
    message = SegmentMessage.objects.get(name=MESSAGE_NAME)
    replies = Purchase.objects.filter(idempotency_key__startswith="demo-reply-")
    assert replies.exists()
    today = shop_today()
    for purchase in replies:
        assert message.send_at < purchase.created_at
        assert shop_date(purchase.created_at) < today


def test_a_coupon_with_a_minimum_bill_and_the_welcome_offer(demo):
    reward = Reward.objects.get(coupon_min_spend=Decimal("1000"))
    assert reward.kind == "coupon" and reward.coupon_value == 100
    owner = get_user_model().objects.get(username="owner")
    member = enrol_member(phone="+886912000111", name="新會員", by=owner)
    welcome = RewardRedemption.objects.get(member=member, reward=reward)
    code = Coupon.objects.get(redemption=welcome).code
    with pytest.raises(LoyaltyError) as refused:
        record_purchase(
            member=member, amount=Decimal("800"), coupon_code=code, idempotency_key="small-bill"
        )
    assert refused.value.code == "coupon_below_min_spend"
    sale = record_purchase(
        member=member, amount=Decimal("1200"), coupon_code=code, idempotency_key="big-bill"
    )
    assert sale.coupon_code == code and sale.coupon_discount == 100
    # It is in the catalogue for points too.
    rich = Member.objects.filter(points_balance__gte=reward.points_cost).first()
    assert redeem_reward(member=rich, reward=reward, idempotency_key="demo-test", by=owner)


def test_points_are_worth_double_at_the_counter_this_week(demo):
    campaign = Campaign.objects.get(name=VALUE_CAMPAIGN_NAME)
    assert campaign.starts_on < shop_today() < campaign.ends_on
    member = Member.objects.filter(points_balance__gte=200).first()
    quote = quote_purchase(member=member, amount=Decimal("2000"), points_to_redeem=200)
    assert quote.value_multiplier == 2
    assert quote.redeemed_value == Decimal("200")  # 100 points = NT$50 on other days


def test_loading_again_changes_nothing(demo):
    def counts():
        return (
            Member.tags.through.objects.count(),
            Segment.objects.count(),
            SegmentMessage.objects.count(),
            SegmentRecipient.objects.count(),
            OutboundMessage.objects.count(),
            Purchase.objects.count(),
            LedgerEntry.objects.count(),
            RewardRedemption.objects.count(),
        )

    before = counts()
    send_at = SegmentMessage.objects.get().send_at
    load_demo_shop(members=60)
    assert counts() == before
    assert SegmentMessage.objects.get().send_at == send_at


def test_a_load_cut_short_after_scheduling_finishes_the_message(demo):
    message = SegmentMessage.objects.get(name=MESSAGE_NAME)
    outbox = OutboundMessage.objects.filter(dedup_key__startswith=f"segment:{message.pk}:")
    # As schedule_message leaves it: due now, nothing sent yet.
    now = timezone.now()
    SegmentMessage.objects.filter(pk=message.pk).update(send_at=now, scheduled_at=now)
    outbox.update(status=OutboundMessage.Status.QUEUED, sent_at=None, next_attempt_at=now)
    purchases = Purchase.objects.count()
    assert ensure_demo_message() == 0
    message.refresh_from_db()
    assert shop_date(message.send_at) == shop_today() - timedelta(days=MESSAGE_DAYS_AGO)
    assert not outbox.exclude(status=OutboundMessage.Status.SENT).exists()
    assert Purchase.objects.count() == purchases
