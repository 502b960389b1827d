from decimal import Decimal

from django.urls import reverse

from points.models import ProgrammeRules
from tests.factories import BehaviourRuleFactory

URL = reverse("points:rules")


def rules_data(**changes):
    data = {
        "earn_points": "1",
        "earn_per_amount": "100",
        "redeem_points": "100",
        "redeem_value": "50",
        "min_redeem_points": "100",
        "max_bill_share": "50",
        "expiry_policy": "months",
        "expiry_months": "18",
        "reminder_days": "30",
    }
    return {**data, **changes}


def test_it_shows_the_rules_and_behaviour_rewards(owner_client):
    BehaviourRuleFactory(name="Joining bonus", action="join", code="join")
    response = owner_client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Joining bonus" in body
    assert 'name="earn_per_amount"' in body


def test_it_saves_the_rules(owner_client, owner):
    response = owner_client.post(URL, rules_data())
    assert response.status_code == 302
    rules = ProgrammeRules.current()
    assert rules.earn_per_amount == Decimal("100")
    assert rules.expiry_policy == "months"
    assert rules.expiry_months == 18
    assert rules.updated_by == owner


def test_it_refuses_bad_input_and_saves_nothing(owner_client):
    response = owner_client.post(URL, rules_data(earn_per_amount="0", max_bill_share="120"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "earn_per_amount" in errors and "max_bill_share" in errors
    assert ProgrammeRules.current().earn_per_amount == Decimal("1")


def test_months_policy_needs_a_number_of_months(owner_client):
    response = owner_client.post(URL, rules_data(expiry_months="0"))
    assert response.status_code == 400
    assert "months" in str(response.context["form"].errors["expiry_months"])


def test_errors_are_translated(owner_client):
    response = owner_client.post(
        URL, rules_data(expiry_months="0"), headers={"accept-language": "zh-hant"}
    )
    assert "個月" in str(response.context["form"].errors["expiry_months"])


def test_staff_gets_403(staff_client):
    assert staff_client.get(URL).status_code == 403
    assert staff_client.post(URL, rules_data()).status_code == 403
    assert ProgrammeRules.current().earn_per_amount == Decimal("1")


def test_it_requires_get_or_post(owner_client):
    assert owner_client.delete(URL).status_code == 405


def test_navigation_links_the_rules_for_owners(owner_client, tiers):
    body = owner_client.get(reverse("members:list")).content.decode()
    assert URL in body
