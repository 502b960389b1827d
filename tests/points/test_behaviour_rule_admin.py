"""Behaviour rewards are added, changed and removed in the admin through
points.programme, which records each change."""

import pytest
from django.urls import reverse

from config.errors import LoyaltyError
from config.models import SettingsChange
from points import programme
from points.models import BehaviourRule
from tests.factories import BehaviourRuleFactory, MemberFactory

FORM = {
    "action": "custom",
    "code": "review",
    "name": "Wrote a review",
    "points": "20",
    "per_member_cap": "1",
    "is_active": "on",
}


def test_adding_one_is_recorded(owner_client, owner):
    response = owner_client.post(reverse("admin:points_behaviourrule_add"), FORM)
    assert response.status_code == 302
    rule = BehaviourRule.objects.get(code="review")
    change = SettingsChange.objects.get()
    assert (change.action, change.model, change.object_id) == (
        "created",
        "points.behaviourrule",
        str(rule.pk),
    )
    assert change.changes["points"] == [None, 20]
    assert change.by == owner


def test_changing_one_is_recorded_with_old_and_new(owner_client, owner):
    rule = BehaviourRuleFactory(code="review", name="Wrote a review", points=20)
    url = reverse("admin:points_behaviourrule_change", args=[rule.pk])
    response = owner_client.post(url, {**FORM, "points": "35"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.points == 35
    change = SettingsChange.objects.get()
    assert change.changes == {"points": [20, 35], "per_member_cap": [None, 1]}


def test_the_form_still_refuses_a_code_taken(owner_client, owner):
    BehaviourRuleFactory(code="review")
    response = owner_client.post(reverse("admin:points_behaviourrule_add"), FORM)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"]
    assert not SettingsChange.objects.exists()


def test_removing_one_is_recorded(owner_client, owner):
    rule = BehaviourRuleFactory(code="review", name="Wrote a review")
    url = reverse("admin:points_behaviourrule_delete", args=[rule.pk])
    response = owner_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not BehaviourRule.objects.filter(pk=rule.pk).exists()
    change = SettingsChange.objects.get()
    assert change.action == "deleted"
    assert change.object_label == "Wrote a review"
    assert change.changes["points"] == [50, None]


def test_removing_several_at_once_records_each(owner_client, owner):
    rules = [BehaviourRuleFactory(), BehaviourRuleFactory()]
    response = owner_client.post(
        reverse("admin:points_behaviourrule_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in rules], "post": "yes"},
    )
    assert response.status_code == 302
    assert not BehaviourRule.objects.exists()
    assert SettingsChange.objects.filter(action="deleted").count() == 2


def test_one_that_gave_points_cannot_be_removed(owner, tiers):
    from points.behaviour import award_behaviour_points

    rule = BehaviourRuleFactory(code="review")
    award_behaviour_points(member=MemberFactory(), action="review", idempotency_key="k", by=owner)
    with pytest.raises(LoyaltyError) as refused:
        programme.delete_behaviour_rule(rule=rule, by=owner)
    assert refused.value.code == "rule_used"
    assert BehaviourRule.objects.filter(pk=rule.pk).exists()
    assert not SettingsChange.objects.exists()


def test_only_an_owner_changes_them(staff, tiers):
    with pytest.raises(LoyaltyError):
        programme.save_behaviour_rule(
            rule=BehaviourRule(action="custom", code="x", name="X", points=1), by=staff
        )
    assert not BehaviourRule.objects.exists()
