"""Every input bounded where it is read: dates in 1900-2200, digits ASCII or
full-width only, numbers within their columns, model limits on forms, and
admin refusals shown on the form."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from config import inputs
from config.clock import shop_today
from config.errors import LoyaltyError
from members import values
from points.models import Purchase
from tests.factories import LedgerEntryFactory, MemberFactory, RewardFactory, TierFactory
from tiers.models import Tier, TierProgramme


def test_plain_number_reads_ascii_and_full_width_digits_only():
    assert inputs.plain_number("１,２００．５") == "1200.5"
    assert inputs.plain_number(" 300 ") == "300"
    for foreign in ("٣", "²", "፩", "𐩀", "३"):
        with pytest.raises(ValidationError):
            inputs.plain_number(f"1{foreign}")


def test_check_date_keeps_to_the_years_the_product_represents():
    assert inputs.check_date(date(1900, 1, 1)) == date(1900, 1, 1)
    assert inputs.check_date(date(2200, 12, 31)) == date(2200, 12, 31)
    for wrong in (date(1, 1, 1), date(1899, 12, 31), date(2201, 1, 1), date(9999, 12, 31)):
        with pytest.raises(LoyaltyError):
            inputs.check_date(wrong, field="starts_on")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_dashboard_and_its_export_refuse_a_date_out_of_range(owner_client, tiers, english, day):
    response = owner_client.get(reverse("dashboard:index"), {"start": day, "end": "2026-01-31"})
    assert response.status_code == 400
    assert "Enter a date between 1900-01-01 and 2200-12-31." in response.content.decode()
    export = reverse("dashboard:export", args=["campaigns"])
    assert owner_client.get(export, {"start": "2026-01-01", "end": day}).status_code == 400


def test_a_campaign_dated_year_one_is_refused(owner_client, tiers, english):
    response = owner_client.post(
        reverse("campaigns:create"),
        {
            "name": "Far",
            "starts_on": "0001-01-01",
            "ends_on": "9999-12-31",
            "schedule": "every_day",
            "segment": "all",
            "multiplier": "2",
        },
    )
    assert response.status_code == 400
    assert "starts_on" in response.context["form"].errors
    assert "ends_on" in response.context["form"].errors


def test_campaign_service_refuses_dates_out_of_range(tiers, owner):
    from campaigns.services import create_campaign

    with pytest.raises(LoyaltyError) as refused:
        create_campaign(
            by=owner, name="x", starts_on=date(1, 1, 1), ends_on=shop_today(), multiplier=2
        )
    assert refused.value.field == "starts_on"


@pytest.mark.parametrize(
    ("field", "value"),
    [("bonus_points", "3000000000"), ("month_days", "²"), ("priority", "99999999999")],
)
def test_campaign_numbers_out_of_range_are_field_errors(owner_client, tiers, english, field, value):
    today = shop_today()
    form = {
        "name": "Bonus",
        "starts_on": f"{today:%Y-%m-%d}",
        "ends_on": f"{today + timedelta(days=2):%Y-%m-%d}",
        "schedule": "month_days" if field == "month_days" else "every_day",
        "segment": "all",
        "multiplier": "2",
        field: value,
    }
    response = owner_client.post(reverse("campaigns:create"), form)
    assert response.status_code == 400
    assert field in response.context["form"].errors


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("grace_days", "731"),
        ("grace_days", "99999"),
        ("window_months", "40000"),
        ("grace_days", "٣"),
    ],
)
def test_programme_form_holds_the_model_limits(owner_client, tiers, english, field, value):
    programme = TierProgramme.current()
    form = {
        "window": programme.window,
        "window_months": programme.window_months,
        "frequency": programme.frequency,
        "grace_days": programme.grace_days,
        "downgrade": programme.downgrade,
        "short_on_apply": programme.short_on_apply,
        "top_min": programme.top_min,
        "top_max": programme.top_max,
        "middle_min": programme.middle_min,
        "middle_max": programme.middle_max,
        "base_min": programme.base_min,
        "base_max": programme.base_max,
        field: value,
    }
    response = owner_client.post(reverse("tiers:programme"), form)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert TierProgramme.current().grace_days == programme.grace_days


def test_tier_discount_nan_is_a_field_error(owner_client, tiers, english):
    gold = tiers["gold"]
    response = owner_client.post(
        reverse("tiers:edit", args=[gold.pk]),
        {"rank": gold.rank, "name": gold.name, "retail_discount": "NaN", "wholesale_discount": "0"},
    )
    assert response.status_code == 400
    assert "retail_discount" in response.context["form"].errors


@pytest.mark.parametrize("typed", ["፩", "𐩀", "²", "99999999999"])
def test_points_to_redeem_in_foreign_digits_is_a_field_error(staff_client, tiers, typed):
    member = MemberFactory(points_balance=500)
    response = staff_client.post(
        reverse("counter:sale", args=[member.pk]),
        {"amount": "100", "points_to_redeem": typed, "idempotency_key": f"k-{typed}"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert not Purchase.objects.exists()


def test_points_to_redeem_in_full_width_digits_are_read(staff_client, tiers, english):
    member = MemberFactory(points_balance=500)
    LedgerEntryFactory(member=member, points=500, remaining=500)
    response = staff_client.post(
        reverse("counter:sale", args=[member.pk]),
        {"amount": "１０００", "points_to_redeem": "１００", "idempotency_key": "k-fw"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert Purchase.objects.get().points_redeemed == 100


def test_a_sale_earning_more_points_than_a_balance_holds_is_refused(staff_client, tiers, english):
    from points.models import ProgrammeRules

    rules = ProgrammeRules.current()
    rules.earn_points, rules.earn_per_amount = 1000, Decimal("1")
    rules.save()
    member = MemberFactory()
    response = staff_client.post(
        reverse("counter:sale", args=[member.pk]),
        {"amount": "9999999999", "idempotency_key": "k-big"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "past the most it can hold" in response.content.decode()
    assert not Purchase.objects.exists()


def test_a_coupon_valid_for_billions_of_days_is_refused(owner):
    from rewards.services import check_reward_terms

    with pytest.raises(LoyaltyError) as refused:
        check_reward_terms(kind="coupon", coupon_value=Decimal("10"), coupon_valid_days=2147483647)
    assert refused.value.field == "coupon_valid_days"


def test_imported_dates_are_bounded_and_digits_checked():
    assert values.parse_date("１９９０-０１-０２") == date(1990, 1, 2)
    for wrong in ("0001-01-01", "9999-12-31", "²²²²²", "١٩٩٠٠١٠٢"):
        with pytest.raises(LoyaltyError):
            values.parse_date(wrong)


def test_an_admin_refusal_shows_on_the_form(owner_client, english):
    """A refusal only the service sees (members hold the tier) is a message
    on the admin's form, not a server error, and nothing changes."""
    TierFactory(rank=1, name="Member")
    gold = TierFactory(rank=2, name="Gold", qualify_lifetime_spend=Decimal("1000"))
    MemberFactory(tier=gold)
    url = reverse("admin:tiers_tier_change", args=[gold.pk])
    page = owner_client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data["is_active"] = ""
    data.update(retail_discount="20", wholesale_discount="0")
    response = owner_client.post(url, data)
    assert response.status_code == 200
    assert "members hold this tier" in response.content.decode()
    assert Tier.objects.get(pk=gold.pk).is_active


def test_reward_form_refuses_dates_out_of_range(owner_client, tiers, english):
    reward = RewardFactory()
    response = owner_client.post(
        reverse("rewards:edit", args=[reward.pk]),
        {"name": reward.name, "kind": reward.kind, "points_cost": "100", "valid_to": "9999-12-31"},
    )
    assert response.status_code == 400
    assert "valid_to" in response.context["form"].errors


@pytest.mark.parametrize("cell", ["NaN", "sNaN", "Infinity", "1" * 30, "-5", "²", "٣"])
def test_imported_points_out_of_range_are_refused(cell):
    with pytest.raises(LoyaltyError):
        values.parse_points(cell)


def test_imported_points_in_full_width_digits_are_read():
    assert values.parse_points("１,２００") == 1200
    assert values.parse_points(str(inputs.MAX_POINTS)) == inputs.MAX_POINTS


def test_a_campaign_saved_at_the_ends_of_time_before_the_check_still_shows(
    owner_client, tiers, english
):
    """Rows from before the forms refused such dates: its results page, the
    dashboard and its campaign export answer, active or not, and the counter
    still quotes."""
    from campaigns.models import Campaign
    from loyalty.sale import record_purchase
    from tests.factories import CampaignFactory

    today = shop_today()
    member = MemberFactory(tier=tiers["member"])
    campaign = CampaignFactory(starts_on=today, multiplier=Decimal("2"))
    sale = record_purchase(member=member, amount="1000", idempotency_key="far-1")
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_on=date(1, 1, 1), ends_on=date(9999, 12, 31)
    )
    week = {"start": f"{today - timedelta(days=7):%Y-%m-%d}", "end": f"{today:%Y-%m-%d}"}
    for active in (True, False):
        Campaign.objects.filter(pk=campaign.pk).update(is_active=active)
        response = owner_client.get(reverse("campaigns:results", args=[campaign.pk]))
        assert response.status_code == 200
        assert response.context["results"]["sales_count"] == 1
        assert owner_client.get(reverse("dashboard:index"), week).status_code == 200
        export = reverse("dashboard:export", args=["campaigns"])
        assert owner_client.get(export, week).status_code == 200
    quote = reverse("counter:quote", args=[member.pk])
    assert owner_client.get(quote, {"amount": "100"}).status_code == 200
    assert sale.points_earned > 0
