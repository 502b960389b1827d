"""The dashboard's shared member pass and its short cache (issue: 64 s on the
1M-member bench shop)."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from members import dashboard_selectors as figures
from tests.factories import MemberFactory
from tests.members.dashboard_shop import PERIOD, build_shop

URL = "/dashboard/"
PERIOD_QUERY = {"start": "2026-01-01", "end": "2026-03-31"}


@pytest.fixture
def shop(tiers):
    return build_shop(tiers)


@pytest.fixture
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def _same(rows, other):
    return [vars(row) for row in rows] == [vars(row) for row in other]


def test_one_member_pass_gives_the_same_figures_as_each_selector_alone(shop, tiers):
    counts = figures.member_counts(period=PERIOD)
    alone = figures.tier_distribution()
    shared = figures.tier_distribution(counts)
    assert [(row.tier, row.members) for row in shared.rows] == [
        (row.tier, row.members) for row in alone.rows
    ]
    assert shared.total == alone.total
    for tier in (None, *tiers.values()):
        alone = figures.tier_performance(period=PERIOD, tier=tier)
        shared = figures.tier_performance(period=PERIOD, tier=tier, counts=counts)
        for one, other in zip(alone, shared, strict=True):
            assert vars(one.now) == vars(other.now)
            assert vars(one.before) == vars(other.before)
        assert _same(
            figures.lifecycle_counts(tier=tier),
            figures.lifecycle_counts(tier=tier, counts=counts),
        )


@override_settings(DASHBOARD_CACHE_SECONDS=300)
def test_the_page_reuses_its_figures_for_a_few_minutes(
    owner_client, shop, clean_cache, django_assert_max_num_queries
):
    first = owner_client.get(URL, PERIOD_QUERY)
    assert first.status_code == 200
    MemberFactory.create_batch(2)
    with django_assert_max_num_queries(8):  # session, user, form's tiers: no figures
        again = owner_client.get(URL, PERIOD_QUERY)
    assert again.status_code == 200
    assert "NT$137.50" in again.content.decode()
    # Another range is another entry.
    other = owner_client.get(URL, {"start": "2026-02-01", "end": "2026-03-31"})
    assert "From 2026-02-01 to 2026-03-31" in other.content.decode()


def test_tests_run_without_the_cache(settings):
    assert settings.DASHBOARD_CACHE_SECONDS == 0
