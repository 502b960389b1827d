from django.urls import reverse

from members.models import Member
from tests.factories import MemberFactory

HTMX = {"HX-Request": "true"}


def enrol(client, phone, name, **headers):
    return client.post(
        reverse("counter:enrol"),
        {"enrol-phone": phone, "enrol-name": name},
        headers={**HTMX, **headers},
    )


def test_enrol_works_and_shows_the_card(staff_client, tiers):
    response = enrol(staff_client, "0933-111-222", "林小姐")
    assert response.status_code == 200
    member = Member.objects.get()
    assert member.phone == "+886933111222"
    assert member.tier == tiers["member"]
    assert member.created_by.username == "staff"
    body = response.content.decode()
    assert 'id="member-card"' in body and member.member_number in body


def test_enrol_refuses_a_bad_phone_next_to_the_field(staff_client, tiers):
    response = enrol(staff_client, "12345", "林小姐")
    assert response.status_code == 400
    assert "phone" in response.context["enrol_form"].errors
    assert not Member.objects.exists()


def test_enrol_refuses_a_missing_name_in_chinese(staff_client, tiers):
    response = enrol(staff_client, "0933111222", "", **{"accept-language": "zh-hant"})
    assert response.status_code == 400
    assert "name" in response.context["enrol_form"].errors
    assert "autofocus" in str(response.context["enrol_form"]["name"])
    assert not Member.objects.exists()


def test_enrol_a_taken_phone_links_to_its_member(staff_client, tiers):
    existing = MemberFactory(phone="+886933111222")
    response = enrol(staff_client, "0933111222", "X")
    assert response.status_code == 400
    assert reverse("counter:card", args=[existing.pk]) in response.content.decode()
    assert Member.objects.count() == 1


def test_enrol_requires_post(staff_client, tiers):
    assert staff_client.get(reverse("counter:enrol")).status_code == 405


def test_enrol_requires_a_role(client, tiers, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert enrol(client, "0933111222", "X").status_code == 403
    assert not Member.objects.exists()
