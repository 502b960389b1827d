from datetime import date

import pytest
from django.urls import reverse

from tests.factories import MemberFactory
from tests.reports.dashboard_shop import PERIOD, build_shop

URL = "/dashboard/"
PERIOD_QUERY = {"start": "2026-01-01", "end": "2026-03-31"}


@pytest.fixture
def shop(tiers):
    return build_shop(tiers)


def test_it_works(owner_client, shop):
    response = owner_client.get(URL, PERIOD_QUERY)
    assert response.status_code == 200
    page = response.content.decode()
    assert "From 2026-01-01 to 2026-03-31, compared with 2025-10-03 to 2025-12-31." in page
    assert page.count("<svg") == 6  # pyramid, revenue, points, outstanding, moves, stages
    # Figures from the hand-computed shop (see test_dashboard_selectors).
    assert "NT$157" in page  # average order, Member tier
    assert "(+95.8%)" in page  # against NT$80 before
    assert "(+16.7 pp)" in page  # active-member ratio, Member tier: 66.7 % against 50 %
    assert "NT$520" in page  # revenue made in the Member tier
    assert "NT$610" in page  # 1,220 points outstanding at 100 = 50
    assert "1,220" in page
    assert 'href="/members/?stage=dormant"' in page


def test_it_says_how_refunds_and_tiers_are_counted(owner_client, shop):
    page = owner_client.get(URL, PERIOD_QUERY).content.decode()
    assert "net of refunds in the period the refund is made" in page
    assert "By the tier each member holds today" in page
    assert "Revenue by the tier of the sale" in page
    assert 'href="/tiers/preview/"' in page


def test_the_points_help_defines_the_redemption_rate_as_computed(owner_client, shop):
    """One definition: the help under Points says what the tooltip and
    PointsFlow.redemption_rate compute, a share that cannot pass 100 %."""
    page = owner_client.get(URL, PERIOD_QUERY).content.decode()
    assert "the share they redeemed, so it never passes 100 %" in page
    assert "above 100 %" not in page


def test_the_name_the_navigation_looks_for_opens_it(owner_client, tiers):
    assert reverse("dashboard:index") == URL
    assert owner_client.get("/").url == URL


def test_it_defaults_to_the_last_twelve_months(owner_client, tiers):
    response = owner_client.get(URL)
    assert response.status_code == 200
    assert response.context["period"].days > 300
    assert response.context["period"].end == response.context["form"].default.end


def test_it_warns_when_a_tier_leaves_its_band(owner_client, shop):
    page = owner_client.get(URL).content.decode()
    assert "Gold: 16.7% of members, above the target of 5–10%." in page
    assert "Silver: 16.7% of members, below the target of 20–30%." in page


def test_an_empty_period_shows_dashes(owner_client, shop):
    response = owner_client.get(URL, {"start": "2020-01-01", "end": "2020-01-31"})
    assert response.status_code == 200
    rows = response.context["performance"]
    assert all(row.now.average_order is None for row in rows)
    assert "–" in response.content.decode()


def test_the_tier_filter_narrows_the_figures(owner_client, shop, tiers):
    response = owner_client.get(URL, {**PERIOD_QUERY, "tier": tiers["silver"].pk})
    assert [row.tier for row in response.context["performance"]] == [tiers["silver"]]
    assert f"/members/?stage=new&amp;tier={tiers['silver'].pk}" in response.content.decode()


def test_it_refuses_a_range_that_ends_before_it_starts(owner_client, tiers):
    response = owner_client.get(URL, {"start": "2026-03-01", "end": "2026-02-01"})
    assert response.status_code == 400
    assert "The last day comes before the first day" in response.content.decode()


def test_it_refuses_a_date_it_cannot_read(owner_client, tiers):
    response = owner_client.get(URL, {"start": "yesterday"})
    assert response.status_code == 400


def test_it_answers_only_get(owner_client, tiers):
    assert owner_client.post(URL).status_code == 405


def test_staff_get_403(staff_client, tiers):
    assert staff_client.get(URL).status_code == 403


def test_visitors_must_log_in(client, tiers):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response.url


def test_queries_do_not_grow_with_members(owner_client, shop, django_assert_max_num_queries):
    owner_client.get(URL, PERIOD_QUERY)  # creates the one-row settings
    MemberFactory.create_batch(5)
    # The figures (a single shop's stores compared: one look at the stores),
    # then storing their snapshot; one more look at the stores for the store
    # filter, which a single shop does not show.
    with django_assert_max_num_queries(26):
        owner_client.get(URL, PERIOD_QUERY)


def test_period_helper_matches_the_form(owner_client, shop):
    response = owner_client.get(URL, PERIOD_QUERY)
    assert response.context["period"] == PERIOD
    assert response.context["period"].start == date(2026, 1, 1)


def test_it_lists_the_campaigns_that_ran(owner_client, shop):
    from tests.factories import CampaignFactory

    campaign = CampaignFactory(
        name="Spring ×2", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 7)
    )
    page = owner_client.get(URL, PERIOD_QUERY).content.decode()
    assert f'href="/campaigns/{campaign.pk}/results/">Spring ×2</a>' in page
