"""Members in grace show when it ends and what keeps the tier, on the member
page and the counter card, counted over the window the grace is settled on."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import translation

from config.clock import shop_today
from tests.factories import MemberFactory
from tests.tiers.conftest import at, buy
from tiers.models import TierProgramme
from tiers.progress import tier_progress


def _in_grace(salon, *, days=40, spent="1700", spent_days_ago=3):
    member = MemberFactory(tier=salon["gold"], tier_grace_until=shop_today() + timedelta(days=days))
    buy(member, spent, at(shop_today() - timedelta(days=spent_days_ago)), evaluate=False)
    return member


def test_counter_card_shows_the_grace_end_and_what_keeps_the_tier(staff_client, salon):
    member = _in_grace(salon)
    end = member.tier_grace_until.isoformat()
    page = staff_client.get(reverse("counter:card", args=[member.pk])).content.decode()
    assert f"in grace until {end}" in page
    assert f"Spend NT$300 more by {end} to keep Gold." in page


def test_member_page_shows_the_grace_end_and_what_keeps_the_tier(staff_client, salon):
    member = _in_grace(salon)
    end = member.tier_grace_until.isoformat()
    page = staff_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert f"in grace until {end}" in page
    assert f"Spend NT$300 more by {end} to keep Gold." in page


def test_a_card_out_of_grace_says_nothing_of_grace(staff_client, salon):
    member = MemberFactory(tier=salon["gold"])
    page = staff_client.get(reverse("counter:card", args=[member.pk])).content.decode()
    assert "in grace until" not in page


def test_sales_that_leave_the_window_before_grace_ends_do_not_count(salon):
    # 1,700 spent 11 months ago: gone from the 12 months when the grace ends.
    member = _in_grace(salon, days=60, spent_days_ago=335)
    with translation.override("en"):
        progress = tier_progress(member)
    assert progress.sentence.startswith("Spend NT$2,000 more by")


def test_calendar_year_counts_the_year_the_grace_ends_in(salon):
    programme = TierProgramme.current()
    programme.window = TierProgramme.Window.CALENDAR_YEAR
    programme.save()
    year_end = date(shop_today().year, 12, 31)
    member = _in_grace(salon, days=(year_end - shop_today()).days + 31, spent_days_ago=1)
    with translation.override("en"):
        progress = tier_progress(member)
    # Settled on a day of next year, on next year's spend only.
    assert progress.sentence.startswith("Spend NT$2,000 more by")
