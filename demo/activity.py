"""The demo shop's programme at work: the double-points campaign on the
18th, this week's double-value redemption, redemptions in every state, the
tier review and the follow-ups it leaves for staff (see
demo.shop.load_demo_shop for the order)."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model

from automation.jobs import lifecycle_actions
from campaigns.models import Campaign
from campaigns.services import create_campaign
from config.clock import shop_today
from config.errors import LoyaltyError
from loyalty.sale import record_purchase
from members.models import Member
from rewards.models import Coupon, Reward, RewardRedemption
from rewards.services import cancel_redemption, fulfil_redemption, redeem_reward
from tiers.services import evaluate_tiers

CAMPAIGN_NAME = "每月 18 日雙倍點數"
VALUE_CAMPAIGN_NAME = "年終點數加倍折抵週"


def ensure_demo_campaign():
    """Double points on the 18th, running since a little over a year ago, so
    its results page has a year of 18ths to show."""
    if Campaign.objects.filter(name=CAMPAIGN_NAME).exists():
        return False
    today = shop_today()
    create_campaign(
        name=CAMPAIGN_NAME,
        name_zh_hans="每月 18 日双倍积分",
        description="每月 18 日消費點數加倍。",
        starts_on=today - timedelta(days=400),
        ends_on=today + timedelta(days=365),
        schedule=Campaign.Schedule.MONTH_DAYS,
        month_days=[18],
        multiplier=Decimal("2"),
        bonus_points=0,
    )
    return True


def ensure_demo_value_campaign():
    """A week of double-value redemption (100 points pay NT$100 instead of
    NT$50) that began four days ago: the week's sales that used points show
    it, and the counter says so today."""
    if Campaign.objects.filter(name=VALUE_CAMPAIGN_NAME).exists():
        return False
    today = shop_today()
    create_campaign(
        name=VALUE_CAMPAIGN_NAME,
        name_zh_hans="年终积分加倍抵现周",
        description="活動期間點數折抵現金價值加倍：100 點抵 NT$100。",
        starts_on=today - timedelta(days=4),
        ends_on=today + timedelta(days=3),
        schedule=Campaign.Schedule.EVERY_DAY,
        multiplier=Decimal("1"),
        bonus_points=0,
        redemption_multiplier=Decimal("2"),
    )
    return True


def ensure_demo_redemptions():
    """One redemption in each state a shop sees: waiting to be handed over,
    handed over, cancelled with the points back, a coupon still to use and a
    coupon used on a sale. Members with the points for it, richest first."""
    staff = get_user_model().objects.get(username="staff")
    goods = Reward.objects.get(name_en="Hair mask")
    coupon = Reward.objects.get(name_en="NT$100 voucher")
    plan = [
        ("waiting", goods),
        ("handed-over", goods),
        ("cancelled", goods),
        ("coupon-kept", coupon),
        ("coupon-used", coupon),
    ]
    members = list(
        Member.objects.filter(points_balance__gte=coupon.points_cost, status="active").order_by(
            "-points_balance", "pk"
        )[: len(plan)]
    )
    made = 0
    for member, (state, reward) in zip(members, plan, strict=False):
        key = f"demo-redemption-{state}"
        if RewardRedemption.objects.filter(idempotency_key=key).exists():
            continue
        try:
            redemption = redeem_reward(member=member, reward=reward, idempotency_key=key, by=staff)
        except LoyaltyError:
            continue  # out of stock or over a limit: the demo goes on without it
        made += 1
        if state == "handed-over":
            fulfil_redemption(redemption=redemption, by=staff)
        elif state == "cancelled":
            cancel_redemption(redemption=redemption, by=staff, reason="Changed their mind")
        elif state == "coupon-used":
            code = Coupon.objects.filter(redemption=redemption).values_list("code", flat=True)[0]
            record_purchase(
                member=member,
                amount=Decimal("1200"),
                coupon_code=code,
                idempotency_key=f"demo-coupon-sale-{member.member_number}",
                by=staff,
                # Now: a coupon is good from the day it is issued, which is
                # today even when the shop has closed for the night.
            )
    return made


def run_demo_jobs():
    """Today's tier review (members whose spend fell off keep their tier in
    grace, or move down) and the lifecycle job (follow-ups for the members
    who stopped coming). Both change nothing when run again."""
    today = shop_today()
    evaluate_tiers(as_of=today)
    return lifecycle_actions(today)
