from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from config.clock import shop_today
from members.models import Member
from points.models import LedgerEntry
from tests.factories import MemberFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture
def chen(tiers):
    return MemberFactory(name="陳美玲", phone="+886912345678", tier=tiers["silver"])


def find(client, query, **headers):
    return client.get(reverse("counter:find"), {"q": query}, headers=headers)


def test_counter_page_works_with_the_box_focused(staff_client, tiers):
    response = staff_client.get(reverse("counter:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="q"' in body and "autofocus" in body


def test_counter_requires_a_role(client, tiers, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert client.get(reverse("counter:index")).status_code == 403
    assert find(client, "5678").status_code == 403


def test_counter_requires_login(client, tiers):
    response = client.get(reverse("counter:index"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_find_rejects_post(staff_client, tiers):
    assert staff_client.post(reverse("counter:find"), {"q": "1"}).status_code == 405


@pytest.mark.parametrize("typed", ["0912-345-678", "+886 912 345 678", "5678"])
def test_find_shows_the_card_for_one_match(staff_client, chen, typed):
    response = find(staff_client, typed, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="member-card"' in body
    assert "陳美玲" in body
    assert "<html" not in body  # a partial for htmx


def test_find_by_member_number_shows_the_card(staff_client, chen):
    body = find(staff_client, chen.member_number, **HTMX).content.decode()
    assert chen.member_number in body and 'id="member-card"' in body


def test_find_without_htmx_answers_the_whole_page(staff_client, chen):
    body = find(staff_client, "5678").content.decode()
    assert "<html" in body and 'id="member-card"' in body


def test_find_lists_several_matches_to_pick_from(staff_client, tiers):
    first = MemberFactory(name="Amy", phone="+886912345678")
    second = MemberFactory(name="Bob", phone="+886922005678")
    body = find(staff_client, "5678", **HTMX).content.decode()
    assert 'id="member-card"' not in body
    assert reverse("counter:card", args=[first.pk]) in body
    assert reverse("counter:card", args=[second.pk]) in body


def test_pick_list_is_short(staff_client, tiers):
    for n in range(12):
        MemberFactory(phone=f"+88691{n:03d}5678"[:13])
    response = find(staff_client, "5678", **HTMX)
    assert len(response.context["found"].matches) == 8
    assert "type more digits" in response.content.decode()


def test_find_nobody_offers_to_enrol_the_number(staff_client, tiers):
    response = find(staff_client, "0933 111 222", **HTMX)
    body = response.content.decode()
    assert "Enrol this number" in body
    assert response.context["enrol_form"].initial["phone"] == "+886933111222"


def test_card_shows_tier_discount_balance_and_cash_value(staff_client, chen):
    Member.objects.filter(pk=chen.pk).update(points_balance=300)
    body = staff_client.get(reverse("counter:card", args=[chen.pk]), headers=HTMX).content.decode()
    assert "Silver" in body
    assert "10% off" in body
    assert ">300<" in body
    assert "NT$150" in body  # default rate: 100 points are worth 50


def test_card_shows_the_discount_in_zhe_for_chinese(staff_client, chen):
    body = staff_client.get(
        reverse("counter:card", args=[chen.pk]),
        headers={**HTMX, "accept-language": "zh-hant"},
    ).content.decode()
    assert "9折" in body


def test_card_shows_points_expiring_within_30_days(staff_client, chen):
    today = shop_today()
    lots = [(120, today + timedelta(days=10)), (80, today + timedelta(days=29))]
    lots += [(500, today + timedelta(days=31)), (70, today - timedelta(days=1))]
    for n, (points, expires_on) in enumerate(lots):
        LedgerEntry.objects.create(
            member=chen,
            kind=LedgerEntry.Kind.PURCHASE_EARN,
            points=points,
            remaining=points,
            expires_on=expires_on,
            created_at=timezone.now(),
            idempotency_key=f"lot-{n}",
        )
    response = staff_client.get(reverse("counter:card", args=[chen.pk]), headers=HTMX)
    assert response.context["card"].expiring.points == 200
    assert (today + timedelta(days=10)).isoformat() in response.content.decode()


def test_card_shows_birthday_stage_and_blocked(staff_client, chen):
    Member.objects.filter(pk=chen.pk).update(
        birthday=shop_today().replace(year=1990, day=1), status=Member.Status.BLOCKED
    )
    body = staff_client.get(reverse("counter:card", args=[chen.pk]), headers=HTMX).content.decode()
    assert "Birthday this month" in body
    assert "This member is blocked" in body
    assert "New" in body


def test_card_of_missing_member_is_404(staff_client, tiers):
    assert staff_client.get(reverse("counter:card", args=[999])).status_code == 404


def test_card_links_to_the_reward_catalogue_for_the_member(staff_client, chen):
    body = staff_client.get(reverse("counter:card", args=[chen.pk]), headers=HTMX).content.decode()
    assert reverse("rewards:member_catalogue", args=[chen.pk]) in body


def test_card_says_what_reaches_the_next_tier(staff_client, chen, tiers):
    tiers["gold"].qualify_lifetime_spend = Decimal("5000")
    tiers["gold"].save()
    response = staff_client.get(reverse("counter:card", args=[chen.pk]), headers=HTMX)
    progress = response.context["card"].tier_progress
    assert progress.next_tier == tiers["gold"]
    assert "Gold" in progress.sentence
    assert progress.sentence in response.content.decode()


def test_enrol_form_asks_for_a_persons_name_in_simplified_chinese(staff_client, tiers):
    response = find(staff_client, "0933 111 222", **HTMX, **{"accept-language": "zh-hans"})
    body = response.content.decode()
    assert "姓名" in body
    assert "任务名" not in body
