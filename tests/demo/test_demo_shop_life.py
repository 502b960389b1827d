"""The demo shop looks like a year in a real shop: sales in opening hours
with the week's rhythm and the 18th's campaign, points that expired last New
Year, redemptions in every state, follow-ups due."""

from collections import Counter
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from config.clock import shop_today
from demo.sales import CLOSING_HOUR, OPENING_HOUR
from demo.shop import load_demo_shop
from members.models import FollowUp
from points.models import LedgerEntry, Purchase
from rewards.models import Coupon, RewardRedemption


@pytest.fixture
def demo(db):
    return load_demo_shop(members=60)


def test_sales_fall_in_opening_hours_and_the_weekend_is_busier(demo):
    # The coupon used at the counter is used now, open or not (demo.activity).
    times = Purchase.objects.filter(coupon_code="").values_list("created_at", flat=True)
    moments = [timezone.localtime(at) for at in times]
    assert len(moments) > 150
    assert all(OPENING_HOUR <= moment.hour < CLOSING_HOUR for moment in moments)
    per_weekday = Counter(moment.weekday() for moment in moments)
    assert per_weekday[5] + per_weekday[6] > per_weekday[0] + per_weekday[1]


def test_the_campaign_on_the_18th_has_results(demo, owner_client):
    campaign = Campaign.objects.get(month_days=[18])
    on_the_18th = Purchase.objects.filter(
        pk__in=[p.pk for p in Purchase.objects.all() if timezone.localtime(p.created_at).day == 18]
    )
    assert on_the_18th.filter(created_at__date__gte=campaign.starts_on).exists()
    page = owner_client.get(reverse("campaigns:results", args=[campaign.pk]))
    assert page.status_code == 200


def test_points_expired_on_new_years_day(demo):
    expired = LedgerEntry.objects.filter(kind="expiry")
    assert expired.exists()
    days = {timezone.localtime(entry.created_at).date() for entry in expired}
    assert date(shop_today().year, 1, 1) in days


def test_redemptions_in_every_state_and_follow_ups_due(demo):
    states = set(RewardRedemption.objects.values_list("status", flat=True))
    assert states == {"pending", "fulfilled", "cancelled"}
    assert Coupon.objects.filter(used_at__isnull=False).exists()
    assert Coupon.objects.filter(used_at__isnull=True, voided_at__isnull=True).exists()
    assert FollowUp.objects.filter(done_at__isnull=True).exists()


def test_loading_again_changes_nothing(demo, capsys):
    counts = (Purchase.objects.count(), LedgerEntry.objects.count(), FollowUp.objects.count())
    load_demo_shop(members=60)
    assert (
        Purchase.objects.count(),
        LedgerEntry.objects.count(),
        FollowUp.objects.count(),
    ) == counts
    call_command("check_ledger")
    assert "Ledger OK" in capsys.readouterr().out
