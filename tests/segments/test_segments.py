"""Segments: a saved filter of the member list, counted in the database."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.clock import shop_date, shop_today
from config.errors import LoyaltyError
from members.models import Member, Tag
from points.models import LedgerEntry
from segments import services
from segments.models import Segment
from segments.selectors import segment_counts, segment_members
from tests.factories import LedgerEntryFactory, MemberFactory


@pytest.fixture(autouse=True)
def _english(english):
    pass


@pytest.fixture
def shop(tiers):
    """A hundred and fifty members with spread-out figures, tags and expiring lots."""
    rng = random.Random(25)
    vip, wholesale = Tag.objects.create(name="VIP"), Tag.objects.create(name="Wholesale")
    today = shop_today()
    now = timezone.now()
    for _n in range(150):
        bought = rng.random() < 0.8
        member = MemberFactory(
            tier=rng.choice(list(tiers.values())),
            lifetime_spend=Decimal(rng.randrange(0, 50000)) / 10,
            purchase_count=rng.randrange(0, 20),
            points_balance=rng.randrange(0, 3000),
            birthday=today.replace(year=1990, month=rng.randrange(1, 13), day=1),
            last_purchase_at=now - timedelta(days=rng.randrange(0, 200)) if bought else None,
            joined_on=today - timedelta(days=rng.randrange(0, 400)),
        )
        if rng.random() < 0.4:
            member.tags.add(vip)
        if rng.random() < 0.3:
            member.tags.add(wholesale)
        if rng.random() < 0.5:
            LedgerEntryFactory(
                member=member, points=100, expires_on=today + timedelta(days=rng.randrange(0, 90))
            )
    return {"vip": vip, "wholesale": wholesale, "tiers": tiers}


def test_segment_count_equals_a_hand_built_query(shop):
    today = shop_today()
    gold, vip, wholesale = shop["tiers"]["gold"], shop["vip"], shop["wholesale"]
    criteria = {
        "tier": str(gold.pk),
        "tags": [str(vip.pk), str(wholesale.pk)],
        "spend_min": "200",
        "spend_max": "4000",
        "visits_min": "2",
        "balance_max": "2500",
        "last_purchase_from": (today - timedelta(days=150)).isoformat(),
        "expiring_days": 60,
    }
    expiring = LedgerEntry.objects.filter(
        member=OuterRef("pk"),
        remaining__gt=0,
        expires_on__gte=today,
        expires_on__lte=today + timedelta(days=60),
    )
    by_hand = [
        m.pk
        for m in Member.objects.filter(tier=gold).filter(Exists(expiring))
        if Decimal(200) <= m.lifetime_spend <= Decimal(4000)
        and m.purchase_count >= 2
        and m.points_balance <= 2500
        and m.last_purchase_at
        and shop_date(m.last_purchase_at) >= today - timedelta(days=150)
        and set(m.tags.values_list("pk", flat=True)) & {vip.pk, wholesale.pk}
    ]
    assert by_hand, "the seeded shop should put someone in the segment"
    found = segment_members(criteria)
    assert found.count() == len(by_hand)
    assert sorted(found.values_list("pk", flat=True)) == sorted(by_hand)


def test_birthday_month_and_stage(shop):
    month = Member.objects.exclude(birthday=None).first().birthday.month
    criteria = {"birthday_month": str(month), "stage": "new"}
    new_since = shop_today() - timedelta(days=30)
    expected = Member.objects.filter(Q(birthday__month=month), joined_on__gte=new_since)
    assert segment_members(criteria).count() == expected.count()


def test_saving_keeps_the_checked_criteria(owner, shop):
    segment = services.save_segment(
        name=" VIPs ", criteria={"tags": [str(shop["vip"].pk)], "expiring_days": "30"}, by=owner
    )
    assert segment.name == "VIPs"
    assert segment.criteria == {"tags": [str(shop["vip"].pk)], "expiring_days": 30}


@pytest.mark.parametrize(
    "criteria, field",
    [
        ({"spend_min": "200", "spend_max": "100"}, "spend_max"),
        ({"visits_min": "x"}, "visits_min"),
        ({"expiring_days": "0"}, "expiring_days"),
        ({"birthday_month": "13"}, "birthday_month"),
    ],
)
def test_wrong_criteria_are_field_errors(owner, tiers, criteria, field):
    with pytest.raises(LoyaltyError) as refused:
        services.save_segment(name="S", criteria=criteria, by=owner)
    assert refused.value.field == field
    assert not Segment.objects.exists()


def test_create_page_saves_and_shows_count_and_sample(owner_client, shop):
    response = owner_client.post(
        reverse("segments:create"), {"name": "Tagged VIP", "tags": [shop["vip"].pk]}
    )
    segment = Segment.objects.get()
    assert response.status_code == 302
    page = owner_client.get(reverse("segments:edit", args=[segment.pk])).content.decode()
    count = shop["vip"].members.count()
    assert f"{count} members in this segment" in page
    assert page.count('href="/members/') >= min(count, 10)


def test_preview_follows_the_form(owner_client, shop):
    response = owner_client.get(reverse("segments:preview"), {"tags": shop["wholesale"].pk})
    assert (
        f"{shop['wholesale'].members.count()} members in this segment" in response.content.decode()
    )
    assert len(response.context["sample"]) == min(10, shop["wholesale"].members.count())


def test_preview_says_what_is_wrong(owner_client, tiers):
    response = owner_client.get(reverse("segments:preview"), {"visits_min": "5", "visits_max": "1"})
    assert response.status_code == 200
    assert "“Visits to” is below “Visits from”" in response.content.decode()


def test_list_page_counts_each_segment(owner_client, owner, shop):
    services.save_segment(name="VIP", criteria={"tags": [str(shop["vip"].pk)]}, by=owner)
    page = owner_client.get(reverse("segments:list")).content.decode()
    assert f'<td class="num">{shop["vip"].members.count()}</td>' in page


def test_staff_cannot_open_segments(staff_client):
    assert staff_client.get(reverse("segments:list")).status_code == 403
    assert staff_client.get(reverse("segments:create")).status_code == 403


def test_name_is_required_on_the_page(owner_client, tiers):
    response = owner_client.post(reverse("segments:create"), {"name": ""})
    assert response.status_code == 400
    assert "Give the segment a name." in response.content.decode()


def test_delete_from_the_edit_page(owner_client, owner, tiers):
    segment = services.save_segment(name="S", criteria={}, by=owner)
    owner_client.post(reverse("segments:edit", args=[segment.pk]), {"delete": "1"})
    assert not Segment.objects.exists()


def _segments_page_queries(owner_client):
    with CaptureQueriesContext(connection) as queries:
        page = owner_client.get(reverse("segments:list")).content.decode()
    return page, len(queries.captured_queries)


KINDS_OF_SEGMENTS = [
    {"spend_min": "1000", "visits_min": "3"},
    {"stage": "active"},
    {"expiring_days": 30},
    {"birthday_month": "3", "balance_max": "2000"},
    {"last_purchase_from": "2020-01-01", "spend_max": "2500"},
    {"joined_from": "2020-01-01"},
]


def test_list_page_counts_every_segment_in_one_statement(owner_client, owner, shop):
    for n, criteria in enumerate(KINDS_OF_SEGMENTS[:2]):
        services.save_segment(name=f"S{n}", criteria=criteria, by=owner)
    _segments_page_queries(owner_client)  # the session and the shop's settings read
    _page, two = _segments_page_queries(owner_client)
    for n, criteria in enumerate(KINDS_OF_SEGMENTS[2:], start=2):
        services.save_segment(name=f"S{n}", criteria=criteria, by=owner)
    services.save_segment(name="Tagged", criteria={"tags": [str(shop["vip"].pk)]}, by=owner)
    page, seven = _segments_page_queries(owner_client)
    # The tag's id is checked by the member list's form: one small read.
    assert seven == two + 1
    for segment in Segment.objects.all():
        count = segment_members(segment.criteria).count()
        assert f'{segment.name}</a></td>\n      <td class="num">{count}</td>' in page


def test_counts_in_one_statement_equal_each_segments_own_count(owner, shop):
    gold = shop["tiers"]["gold"]
    segments = [
        services.save_segment(name=f"S{n}", criteria=criteria, by=owner)
        for n, criteria in enumerate(
            [
                *KINDS_OF_SEGMENTS,
                {"tier": str(gold.pk), "tags": [str(shop["vip"].pk), str(shop["wholesale"].pk)]},
                {"status": "blocked"},
            ]
        )
    ]
    counts = segment_counts(segments)
    assert counts == {s.pk: segment_members(s.criteria).count() for s in segments}
    assert sum(counts.values()) > 0
    assert segment_counts([]) == {}
