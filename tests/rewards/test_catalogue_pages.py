"""The owner's catalogue: list, add, edit (owner only)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from rewards.models import Reward
from tests.factories import RewardFactory, coupon_reward

FORM = {
    "name": "Hair mask",
    "kind": "goods",
    "points_cost": "300",
    "stock": "5",
    "limit_period": "ever",
    "is_active": "on",
    "sort_order": "0",
}


def png_upload(name="mask.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_list_shows_the_catalogue(owner_client, tiers):
    RewardFactory(name="Scalp massage", min_tier=tiers["gold"])
    response = owner_client.get(reverse("rewards:list"))
    assert response.status_code == 200
    assert "Scalp massage" in response.content.decode()


def test_list_is_403_for_staff(staff_client, tiers):
    assert staff_client.get(reverse("rewards:list")).status_code == 403


def test_list_query_count_does_not_grow(owner_client, tiers, django_assert_max_num_queries):
    RewardFactory.create_batch(30, min_tier=tiers["silver"])
    with django_assert_max_num_queries(6):
        owner_client.get(reverse("rewards:list"))


def test_create_works(owner_client, tiers):
    response = owner_client.post(
        reverse("rewards:create"), {**FORM, "min_tier": tiers["silver"].pk, "image": png_upload()}
    )
    assert response.status_code == 302
    reward = Reward.objects.get()
    assert (reward.name, reward.points_cost, reward.stock) == ("Hair mask", 300, 5)
    assert reward.min_tier == tiers["silver"]
    assert reward.image.name.startswith("rewards/")


def test_create_is_403_for_staff(staff_client, tiers):
    response = staff_client.post(reverse("rewards:create"), FORM)
    assert response.status_code == 403
    assert not Reward.objects.exists()


def test_edit_is_403_for_staff(staff_client, tiers):
    reward = RewardFactory()
    assert staff_client.get(reverse("rewards:edit", args=[reward.pk])).status_code == 403
    response = staff_client.post(reverse("rewards:edit", args=[reward.pk]), FORM)
    assert response.status_code == 403
    reward.refresh_from_db()
    assert reward.name != "Hair mask"


def test_create_rejects_a_file_that_is_not_an_image(owner_client, tiers):
    fake = SimpleUploadedFile("mask.png", b"not a picture", content_type="image/png")
    response = owner_client.post(reverse("rewards:create"), {**FORM, "image": fake})
    assert response.status_code == 400
    assert "image" in response.context["form"].errors
    assert not Reward.objects.exists()


def test_coupon_needs_an_amount_or_a_percentage(owner_client, tiers):
    response = owner_client.post(
        reverse("rewards:create"), {**FORM, "kind": "coupon", "coupon_valid_days": "30"}
    )
    assert response.status_code == 400
    assert "either an amount or a percentage" in str(
        response.context["form"].errors["coupon_value"]
    )
    assert not Reward.objects.exists()


def test_coupon_with_both_terms_is_refused(owner_client, tiers):
    data = {**FORM, "kind": "coupon", "coupon_value": "50", "coupon_percent": "10"}
    response = owner_client.post(reverse("rewards:create"), {**data, "coupon_valid_days": "30"})
    assert response.status_code == 400
    assert not Reward.objects.exists()


def test_goods_drop_coupon_terms(owner_client, tiers):
    owner_client.post(reverse("rewards:create"), {**FORM, "coupon_value": "50"})
    assert Reward.objects.get().coupon_value is None


def test_valid_window_must_be_in_order(owner_client, tiers):
    data = {**FORM, "valid_from": "2026-12-10", "valid_to": "2026-12-01"}
    response = owner_client.post(reverse("rewards:create"), data)
    assert response.status_code == 400
    assert "before the first one" in str(response.context["form"].errors["valid_to"])


def test_edit_keeps_stock_that_moved_while_the_owner_edited(owner_client, tiers):
    reward = RewardFactory(stock=5)
    page = owner_client.get(reverse("rewards:edit", args=[reward.pk]))
    assert page.context["form"].initial["stock_seen"] == "5"
    Reward.objects.filter(pk=reward.pk).update(stock=3)  # two redeemed meanwhile
    response = owner_client.post(
        reverse("rewards:edit", args=[reward.pk]), {**FORM, "stock": "5", "stock_seen": "5"}
    )
    assert response.status_code == 302
    reward.refresh_from_db()
    assert (reward.name, reward.stock) == ("Hair mask", 3)


def test_edit_refuses_a_new_stock_when_the_stock_moved(owner_client, tiers):
    reward = RewardFactory(stock=5)
    Reward.objects.filter(pk=reward.pk).update(stock=3)
    response = owner_client.post(
        reverse("rewards:edit", args=[reward.pk]), {**FORM, "stock": "20", "stock_seen": "5"}
    )
    assert response.status_code == 400
    assert "stock changed to 3" in str(response.context["form"].errors["stock"])
    reward.refresh_from_db()
    assert reward.stock == 3


def test_stock_cannot_go_negative_in_the_database(tiers):
    from django.db import IntegrityError, transaction

    reward = RewardFactory(stock=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.filter(pk=reward.pk).update(stock=-1)


def test_image_is_served_to_staff(staff_client, tiers):
    reward = RewardFactory(image=png_upload())
    response = staff_client.get(reverse("rewards:image", args=[reward.pk]))
    assert response.status_code == 200
    assert b"PNG" in b"".join(response.streaming_content)


def test_reward_without_image_has_no_image_page(staff_client, tiers):
    reward = RewardFactory()
    assert staff_client.get(reverse("rewards:image", args=[reward.pk])).status_code == 404


def test_coupon_reward_shows_in_the_list(owner_client, tiers):
    coupon_reward(name="NT$50 voucher")
    assert "NT$50 voucher" in owner_client.get(reverse("rewards:list")).content.decode()


def test_the_form_page_shows_every_field(owner_client, tiers):
    from rewards.forms import RewardForm

    form = RewardForm()
    grouped = [name for _title, names in RewardForm.SECTIONS for name in names]
    assert sorted(grouped) == sorted(field.name for field in form.visible_fields())
    body = owner_client.get(reverse("rewards:create")).content.decode()
    assert all(f'name="{name}"' in body for name in grouped)
