from datetime import timedelta

import pytest
from django.urls import reverse

from config.clock import shop_today
from members.models import Member
from tests.factories import MemberFactory


def test_list_requires_login(client, db):
    response = client.get(reverse("members:list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_list_shows_members(staff_client, tiers):
    MemberFactory(name="陳美玲")
    response = staff_client.get(reverse("members:list"))
    assert response.status_code == 200
    assert "陳美玲" in response.content.decode()


def test_list_searches_by_last_four_digits(staff_client, tiers):
    MemberFactory(name="Found", phone="+886912345678")
    MemberFactory(name="Hidden", phone="+886922000111")
    body = staff_client.get(reverse("members:list"), {"q": "5678"}).content.decode()
    assert "Found" in body
    assert "Hidden" not in body


def test_list_finds_traditional_name_from_simplified_query(staff_client, tiers):
    MemberFactory(name="陳美玲")
    MemberFactory(name="王小明")
    body = staff_client.get(reverse("members:list"), {"q": "陈"}).content.decode()
    assert "陳美玲" in body
    assert "王小明" not in body


def test_list_filters_by_tier_and_birthday_month(staff_client, tiers):
    MemberFactory(name="GoldMay", tier=tiers["gold"], birthday=shop_today().replace(month=5, day=1))
    MemberFactory(
        name="GoldJune", tier=tiers["gold"], birthday=shop_today().replace(month=6, day=1)
    )
    MemberFactory(
        name="SilverMay", tier=tiers["silver"], birthday=shop_today().replace(month=5, day=2)
    )
    body = staff_client.get(
        reverse("members:list"), {"tier": tiers["gold"].pk, "birthday_month": 5}
    ).content.decode()
    assert "GoldMay" in body
    assert "GoldJune" not in body
    assert "SilverMay" not in body


def test_list_filters_by_stage_and_joined_range(staff_client, tiers):
    MemberFactory(name="Newcomer", joined_on=shop_today() - timedelta(days=3))
    MemberFactory(name="Oldtimer", joined_on=shop_today() - timedelta(days=300))
    body = staff_client.get(reverse("members:list"), {"stage": "new"}).content.decode()
    assert "Newcomer" in body and "Oldtimer" not in body
    body = staff_client.get(
        reverse("members:list"),
        {"joined_to": (shop_today() - timedelta(days=100)).isoformat()},
    ).content.decode()
    assert "Oldtimer" in body and "Newcomer" not in body


def test_list_paginates(staff_client, tiers):
    MemberFactory.create_batch(55)
    first = staff_client.get(reverse("members:list"))
    assert len(first.context["page"].object_list) == 50
    second = staff_client.get(reverse("members:list"), {"page": 2})
    assert len(second.context["page"].object_list) == 5


def test_list_query_count_does_not_grow_with_members(
    staff_client, tiers, django_assert_max_num_queries
):
    MemberFactory.create_batch(40, tier=tiers["silver"])
    with django_assert_max_num_queries(8):
        staff_client.get(reverse("members:list"))


def test_detail_shows_the_member(staff_client, tiers):
    member = MemberFactory(name="陳美玲")
    response = staff_client.get(reverse("members:detail", args=[member.pk]))
    assert response.status_code == 200
    assert member.member_number in response.content.decode()


def test_detail_of_missing_member_is_404(staff_client, tiers):
    assert staff_client.get(reverse("members:detail", args=[999])).status_code == 404


def test_enrol_works(staff_client, tiers):
    response = staff_client.post(
        reverse("members:create"), {"phone": "0912-345-678", "name": "陳美玲"}
    )
    member = Member.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("members:detail", args=[member.pk])
    assert member.phone == "+886912345678"
    assert member.created_by.username == "staff"


def test_enrol_rejects_future_birthday_and_saves_nothing(staff_client, tiers):
    tomorrow = (shop_today() + timedelta(days=1)).isoformat()
    response = staff_client.post(
        reverse("members:create"), {"phone": "0912345678", "name": "Lin", "birthday": tomorrow}
    )
    assert response.status_code == 400
    assert "in the future" in str(response.context["form"].errors["birthday"])
    assert not Member.objects.exists()


def test_enrol_rejects_invalid_phone(staff_client, tiers):
    response = staff_client.post(reverse("members:create"), {"phone": "12345", "name": "Lin"})
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors
    assert not Member.objects.exists()


def test_enrol_rejects_over_long_name(staff_client, tiers):
    response = staff_client.post(
        reverse("members:create"), {"phone": "0912345678", "name": "x" * 150}
    )
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert not Member.objects.exists()


def test_enrol_shows_every_wrong_field_at_once(staff_client, tiers):
    tomorrow = (shop_today() + timedelta(days=1)).isoformat()
    response = staff_client.post(
        reverse("members:create"),
        {"phone": "12ab", "name": "", "email": "not-an-email", "birthday": tomorrow},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"phone", "name", "email", "birthday"}
    assert not Member.objects.exists()


def test_edit_shows_every_wrong_field_at_once(staff_client, tiers):
    member = MemberFactory()
    response = staff_client.post(
        reverse("members:edit", args=[member.pk]),
        {"phone": member.phone, "name": "", "email": "x@"},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "email"}


def test_enrol_duplicate_phone_links_to_the_existing_member(staff_client, tiers):
    existing = MemberFactory(phone="+886912345678", name="Lin")
    response = staff_client.post(reverse("members:create"), {"phone": "0912345678", "name": "X"})
    assert response.status_code == 400
    assert reverse("members:detail", args=[existing.pk]) in response.content.decode()
    assert Member.objects.count() == 1


def test_enrol_errors_are_translated(staff_client, tiers):
    response = staff_client.post(
        reverse("members:create"),
        {"phone": "12345", "name": "Lin"},
        headers={"accept-language": "zh-hant"},
    )
    errors = str(response.context["form"].errors["phone"])
    assert "電話" in errors


def test_enrol_with_referrer_by_member_number(staff_client, tiers):
    referrer = MemberFactory()
    staff_client.post(
        reverse("members:create"),
        {"phone": "0912345678", "name": "Lin", "referrer": referrer.member_number},
    )
    assert Member.objects.get(phone="+886912345678").referred_by == referrer


def test_edit_works(staff_client, tiers):
    member = MemberFactory(name="Lin")
    response = staff_client.post(
        reverse("members:edit", args=[member.pk]), {"phone": member.phone, "name": "林小姐"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "林小姐"


def test_staff_cannot_block_a_member(staff_client, tiers):
    member = MemberFactory()
    response = staff_client.post(reverse("members:status", args=[member.pk]), {"status": "blocked"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.status == "active"


def test_owner_can_block_a_member(owner_client, tiers):
    member = MemberFactory()
    owner_client.post(reverse("members:status", args=[member.pk]), {"status": "blocked"})
    member.refresh_from_db()
    assert member.status == "blocked"


@pytest.mark.parametrize("url_name", ["members:list", "members:create"])
def test_user_without_role_gets_403(client, tiers, url_name, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert client.get(reverse(url_name)).status_code == 403
