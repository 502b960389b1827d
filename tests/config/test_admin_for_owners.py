"""The Django admin opens for owners only: the role decides, not Django's
"staff status" flag, on every admin address and for every method."""

import pytest
from django.urls import reverse

from members.models import Member
from tests.factories import MemberFactory, UserFactory, staff_user


@pytest.fixture
def ticked_staff(db):
    """A counter cashier whose "staff status" someone ticked."""
    user = staff_user(username="ticked")
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def member(tiers):
    return MemberFactory(name="陳美玲", tier=tiers["member"])


def test_owner_opens_the_admin(owner_client, member):
    assert owner_client.get(reverse("admin:index")).status_code == 200
    change = reverse("admin:members_member_change", args=[member.pk])
    assert owner_client.get(change).status_code == 200


def test_owner_without_staff_status_opens_the_admin(client, owner):
    owner.is_staff = False
    owner.save()
    client.force_login(owner)
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize(
    "name, args",
    [
        ("admin:index", []),
        ("admin:members_member_changelist", []),
        ("admin:members_member_add", []),
        ("admin:auth_user_changelist", []),
        ("admin:password_change", []),
        ("admin:jsi18n", []),
        ("admin:login", []),
        ("admin:logout", []),
    ],
)
def test_staff_with_staff_status_get_403_everywhere(client, ticked_staff, tiers, name, args):
    client.force_login(ticked_staff)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 403
    assert "403.html" in [template.name for template in response.templates]


def test_staff_cannot_block_a_member_through_the_admin(client, ticked_staff, member):
    client.force_login(ticked_staff)
    change = reverse("admin:members_member_change", args=[member.pk])
    assert client.get(change).status_code == 403
    response = client.post(
        change,
        {"phone": member.phone, "name": member.name, "status": "blocked", "referred_by": ""},
    )
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE


def test_staff_cannot_log_in_to_the_admin(client, ticked_staff):
    response = client.post(
        reverse("admin:login"),
        {"username": "ticked", "password": "pass-for-tests", "next": "/admin/"},
    )
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session


def test_a_user_with_no_role_but_staff_status_is_refused(client, db):
    user = UserFactory(username="nobody")
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 403


def test_the_user_admin_says_the_role_decides(client, ticked_staff, django_user_model):
    # Users are managed by the superuser (createsuperuser), an owner too.
    owner_client = client
    owner_client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    response = owner_client.get(reverse("admin:auth_user_change", args=[ticked_staff.pk]))
    assert response.status_code == 200
    assert "The admin opens only for owners" in response.content.decode()
    listing = owner_client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "Staff" in listing and "Owner" in listing


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_with_staff_status_are_refused_at_every_admin_address(
    client, ticked_staff, member, method
):
    """Every address of every admin page (each app's index, each model's
    list, add, change, delete and history), not only a sample."""
    from tests.portal.test_security import staff_urls

    client.force_login(ticked_staff)
    opened = []
    for url in staff_urls():
        if url.startswith("/admin/"):
            response = getattr(client, method)(url)
            if response.status_code != 403:
                opened.append((url, response.status_code))
    assert not opened, opened
