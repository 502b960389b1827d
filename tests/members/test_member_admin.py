from datetime import timedelta

from django.urls import reverse

from config.clock import shop_today
from members.models import Member


def _form(**overrides):
    data = {
        "phone": "0912-345-678",
        "name": "陳美玲",
        "email": "",
        "birthday": "",
        "gender": "",
        "referred_by": "",
        "notes": "",
        "status": "active",
    }
    data.update(overrides)
    return data


def test_admin_add_enrols_through_the_service(owner_client, tiers):
    response = owner_client.post(reverse("admin:members_member_add"), _form())
    assert response.status_code == 302
    member = Member.objects.get()
    assert member.phone == "+886912345678"
    assert member.tier == tiers["member"]
    assert len(member.member_number) == 10


def test_admin_add_shows_field_errors_and_saves_nothing(owner_client, tiers):
    tomorrow = (shop_today() + timedelta(days=1)).isoformat()
    response = owner_client.post(
        reverse("admin:members_member_add"), _form(phone="123", birthday=tomorrow)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "phone" in errors and "birthday" in errors
    assert not Member.objects.exists()
