"""RFM: quintiles counted in the database; each cell's link shows exactly its members."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from members.filters import MemberFilter
from members.models import Member
from segments.rfm import rfm_grid
from tests.factories import MemberFactory


@pytest.fixture(autouse=True)
def _english(english):
    pass


@pytest.fixture
def buyers(tiers):
    """25 buyers: member n bought n days ago, made (n * 7) % 25 + 1 purchases
    and spent 100 × ((n * 3) % 25 + 1); plus two who never bought."""
    now = timezone.now()
    for n in range(25):
        MemberFactory(
            last_purchase_at=now - timedelta(days=n),
            purchase_count=(n * 7) % 25 + 1,
            lifetime_spend=Decimal(100 * ((n * 3) % 25 + 1)),
        )
    MemberFactory.create_batch(2)


def _by_hand(r, f):
    """Scores by rank: 5 for the 5 most recent (n 0-4), F by purchase counts 1-5 → 1, …"""
    return [n for n in range(25) if 5 - n // 5 == r and ((n * 7) % 25) // 5 + 1 == f]


def test_grid_counts_match_a_hand_computation(buyers):
    grid = rfm_grid()
    assert grid.buyers == 25
    for r, row in grid.rows:
        for cell in row:
            assert cell.count == len(_by_hand(r, cell.frequency)), (r, cell.frequency)
    assert sum(cell.count for _r, row in grid.rows for cell in row) == 25


def test_each_cells_link_lists_exactly_its_members(buyers):
    grid = rfm_grid()
    for _r, row in grid.rows:
        for cell in row:
            if not cell.count:
                continue
            listed = MemberFilter(QueryDict(cell.query), queryset=Member.objects.all())
            assert listed.is_valid(), listed.form.errors
            assert listed.qs.count() == cell.count


def test_money_quintile_narrows_the_grid_and_its_links(buyers):
    grid = rfm_grid(money_score=5)
    assert sum(cell.count for _r, row in grid.rows for cell in row) == 5
    for _r, row in grid.rows:
        for cell in row:
            if cell.count:
                listed = MemberFilter(QueryDict(cell.query), queryset=Member.objects.all())
                assert listed.qs.count() == cell.count
                assert all(m.lifetime_spend >= 2100 for m in listed.qs)


def test_rfm_page_links_cells_to_the_member_list(owner_client, buyers):
    page = owner_client.get(reverse("segments:rfm")).content.decode()
    assert "25 members who bought here" in page
    assert page.count('href="/members/?last_purchase') == sum(
        1 for _r, row in rfm_grid().rows for cell in row if cell.count
    )


def test_rfm_page_with_nobody_who_bought(owner_client, tiers):
    MemberFactory()
    assert (
        "Nobody has bought here yet." in owner_client.get(reverse("segments:rfm")).content.decode()
    )


def test_staff_cannot_open_rfm(staff_client):
    assert staff_client.get(reverse("segments:rfm")).status_code == 403
