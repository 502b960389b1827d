"""The member list: sortable columns, the start of a member number, the
balance range, and the export's list columns."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory

URL = reverse("members:list")


def _names(response):
    """The member names in the page's table, in order."""
    return [member.name for member in response.context["page"].object_list]


@pytest.fixture
def three(tiers):
    now = timezone.now()
    return [
        MemberFactory(
            name="Bao",
            tier=tiers["gold"],
            points_balance=50,
            lifetime_spend=Decimal("900"),
            last_purchase_at=now - timedelta(days=2),
            joined_on=date(2024, 3, 1),
        ),
        MemberFactory(
            name="Ann",
            tier=tiers["member"],
            points_balance=300,
            lifetime_spend=Decimal("100"),
            last_purchase_at=None,
            joined_on=date(2025, 3, 1),
        ),
        MemberFactory(
            name="Cai",
            tier=tiers["silver"],
            points_balance=10,
            lifetime_spend=Decimal("5000"),
            last_purchase_at=now - timedelta(days=40),
            joined_on=date(2023, 3, 1),
        ),
    ]


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("name", ["Ann", "Bao", "Cai"]),
        ("-name", ["Cai", "Bao", "Ann"]),
        ("joined", ["Cai", "Bao", "Ann"]),
        ("-joined", ["Ann", "Bao", "Cai"]),
        ("tier", ["Ann", "Cai", "Bao"]),
        ("-tier", ["Bao", "Cai", "Ann"]),
        ("balance", ["Cai", "Bao", "Ann"]),
        ("-balance", ["Ann", "Bao", "Cai"]),
        ("spend", ["Ann", "Bao", "Cai"]),
        ("-spend", ["Cai", "Bao", "Ann"]),
        # Never bought: as if longest ago.
        ("last_purchase", ["Ann", "Cai", "Bao"]),
        ("-last_purchase", ["Bao", "Cai", "Ann"]),
    ],
)
def test_each_column_sorts_both_ways(staff_client, three, sort, expected):
    assert _names(staff_client.get(URL, {"sort": sort})) == expected


def test_an_unknown_sort_falls_back_to_newest_first(staff_client, three):
    assert _names(staff_client.get(URL, {"sort": "phone; drop"})) == ["Ann", "Bao", "Cai"]


def test_a_heading_reverses_the_order_it_shows_and_keeps_the_filters(staff_client, three, tiers):
    response = staff_client.get(URL, {"sort": "-balance", "tier": tiers["gold"].pk, "page": 1})
    headings = response.context["headings"]
    assert headings["balance"]["sorted"] == "descending"
    assert headings["balance"]["url"] == f"?tier={tiers['gold'].pk}&sort=balance"
    # Another column starts with its own first direction, on the first page.
    assert headings["name"]["url"] == f"?tier={tiers['gold'].pk}&sort=name"
    assert 'aria-sort="descending"' in response.content.decode()


def test_pages_and_the_filter_form_keep_the_sort(staff_client, tiers):
    for number in range(55):
        MemberFactory(name=f"N{number:02d}", points_balance=number)
    response = staff_client.get(URL, {"sort": "balance", "tier": tiers["member"].pk})
    body = response.content.decode()
    assert f"?sort=balance&amp;tier={tiers['member'].pk}&page=2" in body
    assert '<input type="hidden" name="sort" value="balance">' in body
    second = staff_client.get(URL, {"sort": "balance", "page": 2})
    assert _names(second) == ["N50", "N51", "N52", "N53", "N54"]


def test_the_start_of_a_member_number_finds_the_member(staff_client, tiers):
    MemberFactory(name="Card", member_number="8765432104")
    MemberFactory(name="Other", member_number="1111111116")
    assert _names(staff_client.get(URL, {"q": "87654"})) == ["Card"]
    assert _names(staff_client.get(URL, {"q": "8765"})) == ["Card"]


def test_three_digits_are_a_phone_ending_not_a_number_start(staff_client, tiers):
    MemberFactory(name="Card", member_number="8765432104", phone="+886911000001")
    assert _names(staff_client.get(URL, {"q": "876"})) == []


def test_the_last_four_digits_of_a_phone_find_the_member(staff_client, tiers):
    MemberFactory(name="Phone", phone="+886912345678")
    MemberFactory(name="Other", phone="+886912340000")
    assert _names(staff_client.get(URL, {"q": "5678"})) == ["Phone"]


def test_the_counter_lookup_still_needs_a_whole_number(tiers):
    from members.selectors import single_member

    MemberFactory(member_number="8765432104")
    assert single_member("87654") is None
    assert single_member("8765432104") is not None


def test_balance_range_keeps_members_inside_it(staff_client, three):
    assert _names(staff_client.get(URL, {"balance_min": 20, "balance_max": 300})) == [
        "Ann",
        "Bao",
    ]
    assert _names(staff_client.get(URL, {"balance_min": 51})) == ["Ann"]
    assert _names(staff_client.get(URL, {"balance_max": 10})) == ["Cai"]


def test_a_backwards_balance_range_says_what_to_fix(staff_client, three):
    response = staff_client.get(URL, {"balance_min": 300, "balance_max": 10})
    assert response.status_code == 200
    assert "“Points to” is below “Points from”" in response.content.decode()


def test_a_balance_that_is_not_a_number_is_an_error_not_a_500(staff_client, three):
    response = staff_client.get(URL, {"balance_min": "lots"})
    assert response.status_code == 200
    assert "Enter a whole number." in response.content.decode()


def test_the_list_shows_spend_and_last_purchase(staff_client, three):
    body = staff_client.get(URL).content.decode()
    assert "5,000" in body or "5000" in body
    assert timezone.localtime(three[0].last_purchase_at).strftime("%Y-%m-%d") in body


def test_the_sorted_list_reads_in_a_few_queries(staff_client, tiers, django_assert_max_num_queries):
    for _ in range(30):
        MemberFactory()
    with django_assert_max_num_queries(8):
        staff_client.get(URL, {"sort": "-last_purchase", "tier": tiers["member"].pk})


def _csv(response):
    return b"".join(response.streaming_content).decode("utf-8")


def test_export_carries_tier_stage_and_last_purchase(owner_client, three):
    text = _csv(owner_client.get(reverse("members:export_csv"), {"sort": "name"}))
    header, *rows = text.lstrip("\ufeff").splitlines()
    assert header.endswith(",Points,Lifetime spend,Tier,Stage,Last purchase")
    bao = next(row for row in rows if ",Bao," in row)
    last = timezone.localtime(three[0].last_purchase_at).date().isoformat()
    assert bao.endswith(f",50,900.00,Gold,Active,{last}")
    ann = next(row for row in rows if ",Ann," in row)
    assert ann.endswith(",300,100.00,Member,Churned,")


def test_export_keeps_the_balance_filter(owner_client, three):
    text = _csv(owner_client.get(reverse("members:export_csv"), {"balance_min": 100}))
    assert ",Ann," in text and ",Bao," not in text


def test_xlsx_export_writes_the_last_purchase_as_a_date(owner_client, three):
    import io

    from openpyxl import load_workbook

    response = owner_client.get(reverse("members:export_xlsx"), {"q": "Bao"})
    header, row = list(load_workbook(io.BytesIO(response.getvalue())).active.values)
    cells = dict(zip(header, row, strict=True))
    assert cells["Tier"] == "Gold"
    assert isinstance(cells["Last purchase"], datetime)


def test_each_sort_within_a_tier_has_an_index_led_by_the_tier(db):
    """A tier of a million members sorted by balance reads one range of an
    index of MemberSortKeys (tests/members/test_member_sort_keys.py shows
    PostgreSQL's plan)."""
    from django.db import connection

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "members_membersortkeys")
    columns = {name: found[name]["columns"] for name in found if found[name]["index"]}
    assert columns.get("member_sort_balance_idx") == ["tier_id", "points_balance", "member_id"]
    assert columns.get("member_sort_spend_idx") == ["tier_id", "lifetime_spend", "member_id"]
    assert columns.get("member_sort_last_purchase_idx") == [
        "tier_id",
        "last_purchase_at",
        "member_id",
    ]
