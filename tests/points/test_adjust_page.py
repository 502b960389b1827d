from django.urls import reverse

from points.models import LedgerEntry
from tests.factories import MemberFactory, give_points


def url(member):
    return reverse("points:adjust", args=[member.pk])


def test_it_adds_points_with_a_reason(owner_client, owner, tiers):
    member = MemberFactory()
    form = owner_client.get(url(member)).context["form"]
    key = form.initial["idempotency_key"]
    response = owner_client.post(
        url(member), {"points": "150", "reason": "Missed sale", "idempotency_key": key}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("members:detail", args=[member.pk])
    entry = LedgerEntry.objects.get()
    assert (entry.points, entry.reason, entry.by) == (150, "Missed sale", owner)
    member.refresh_from_db()
    assert member.points_balance == 150


def test_a_resent_form_adjusts_once(owner_client, tiers):
    member = MemberFactory()
    data = {"points": "-20", "reason": "Typo", "idempotency_key": "abc"}
    give_points(member, 100)
    owner_client.post(url(member), data)
    owner_client.post(url(member), data)
    member.refresh_from_db()
    assert member.points_balance == 80


def test_removing_more_than_the_balance_is_refused(owner_client, tiers):
    member = MemberFactory()
    response = owner_client.post(
        url(member), {"points": "-5", "reason": "x", "idempotency_key": "k"}
    )
    assert response.status_code == 400
    assert "Not enough points" in str(response.context["form"].errors["points"])
    assert not LedgerEntry.objects.exists()


def test_it_needs_points_and_a_reason(owner_client, tiers):
    member = MemberFactory()
    response = owner_client.post(
        url(member), {"points": "abc", "reason": "", "idempotency_key": "k"}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"points", "reason"}


def test_missing_member_is_404(owner_client, tiers):
    assert owner_client.get(reverse("points:adjust", args=[999])).status_code == 404


def test_staff_gets_403(staff_client, tiers):
    member = MemberFactory()
    assert staff_client.get(url(member)).status_code == 403
    response = staff_client.post(
        url(member), {"points": "5", "reason": "x", "idempotency_key": "k"}
    )
    assert response.status_code == 403
    assert not LedgerEntry.objects.exists()
