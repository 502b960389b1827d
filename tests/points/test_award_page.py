from django.urls import reverse

from members.models import Member
from points.models import LedgerEntry
from tests.factories import BehaviourRuleFactory, MemberFactory


def url(member):
    return reverse("points:award", args=[member.pk])


def test_staff_give_behaviour_points_from_the_member_page(staff_client, staff, tiers):
    member = MemberFactory()
    rule = BehaviourRuleFactory(name="Left a review", points=40)
    page = staff_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "Left a review (+40)" in page
    response = staff_client.post(url(member), {"rule": rule.pk, "idempotency_key": "k1"})
    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    assert (entry.points, entry.behaviour_rule, entry.by) == (40, rule, staff)
    staff_client.post(url(member), {"rule": rule.pk, "idempotency_key": "k1"})  # resent
    member.refresh_from_db()
    assert member.points_balance == 40


def test_the_cap_is_shown_as_an_error(staff_client, tiers):
    member = MemberFactory()
    rule = BehaviourRuleFactory(points=40, per_member_cap=1)
    staff_client.post(url(member), {"rule": rule.pk, "idempotency_key": "k1"})
    response = staff_client.post(
        url(member), {"rule": rule.pk, "idempotency_key": "k2"}, follow=True
    )
    assert "the most times allowed" in response.content.decode()
    assert LedgerEntry.objects.count() == 1


def test_bad_input_gives_nothing(staff_client, tiers):
    member = MemberFactory()
    referral = BehaviourRuleFactory(action="referral", code="referral")
    for data in (
        {"rule": "999", "idempotency_key": "k"},
        {"rule": referral.pk, "idempotency_key": "k"},
    ):
        response = staff_client.post(url(member), data, follow=True)
        assert "Choose one of the behaviour rewards offered." in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_blocked_member_gets_nothing(staff_client, tiers):
    member = MemberFactory(status=Member.Status.BLOCKED)
    rule = BehaviourRuleFactory()
    response = staff_client.post(
        url(member), {"rule": rule.pk, "idempotency_key": "k"}, follow=True
    )
    assert "is blocked" in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_it_requires_post_and_a_login(client, staff_client, tiers):
    member = MemberFactory()
    assert staff_client.get(url(member)).status_code == 405
    client.logout()
    response = client.post(url(member), {"rule": BehaviourRuleFactory().pk, "idempotency_key": "k"})
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert not LedgerEntry.objects.exists()
