"""The admin shows the record of rule changes read-only, in the owner's words,
and saves the lifecycle day counts through the dashboard's service."""

from datetime import date
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from config.models import SettingsChange
from members.models import DashboardSnapshot, LifecycleRules
from points import programme
from rewards.services import save_reward
from tests.factories import RewardFactory, TierFactory
from tiers import programme as ladder

LIST = reverse("admin:config_settingschange_changelist")


def test_owners_read_the_changes_in_words(owner_client, owner, django_assert_max_num_queries):
    gold = TierFactory(rank=1, name="Gold")
    for points in range(2, 12):
        programme.update_programme_rules(
            by=owner, earn_points=points, earn_per_amount=Decimal(points)
        )
        ladder.save_tier(tier=gold, by=owner, retail_discount=Decimal(points))
        reward = RewardFactory(name=f"Gift {points}")
        reward.min_tier = gold
        save_reward(reward=reward, by=owner)
    # Session, user, permissions (2), count, rows, the tiers and the rewards
    # named (one query each), the admin menu's six settings rows (one per
    # one-row settings model), the date bar (2): none of them per change.
    with django_assert_max_num_queries(16):
        response = owner_client.get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Points earned: 10 → 11" in body
    assert "Per amount spent: NT$10 → NT$11" in body
    assert "Retail discount (% off): 10% off → 11% off" in body
    assert "Minimum tier: every tier → Gold" in body


def test_the_list_filters_by_what(owner_client, owner):
    programme.update_programme_rules(by=owner, earn_points=2)
    body = owner_client.get(LIST, {"what": "lifecycle"}).content.decode()
    assert "Points earned" not in body
    body = owner_client.get(LIST, {"what": "points"}).content.decode()
    assert "Points earned: 1 → 2" in body


def test_the_record_cannot_be_changed_or_deleted(owner_client, owner):
    programme.update_programme_rules(by=owner, earn_points=2)
    change = SettingsChange.objects.get()
    url = reverse("admin:config_settingschange_change", args=[change.pk])
    page = owner_client.get(url)
    assert page.status_code == 200
    assert "Points earned: 1 → 2" in page.content.decode()
    assert owner_client.post(url, {"object_label": "x"}).status_code == 403
    delete = reverse("admin:config_settingschange_delete", args=[change.pk])
    assert owner_client.post(delete, {"post": "yes"}).status_code == 403
    assert owner_client.get(reverse("admin:config_settingschange_add")).status_code == 403
    assert SettingsChange.objects.get().changes == {"earn_points": [1, 2]}


def test_staff_cannot_open_it(staff_client):
    assert staff_client.get(LIST).status_code == 403  # the admin is for owners


def test_lifecycle_rules_saved_in_the_admin_go_through_the_service(owner_client, owner, tiers):
    LifecycleRules.current()
    DashboardSnapshot.objects.create(
        period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), computed_at=timezone.now()
    )
    url = reverse("admin:members_lifecyclerules_change", args=[1])
    response = owner_client.post(url, {"new_days": "14", "active_days": "60", "churned_days": "90"})
    assert response.status_code == 302
    assert LifecycleRules.current().new_days == 14
    assert SettingsChange.objects.get().changes == {"new_days": [30, 14]}
    assert DashboardSnapshot.objects.get().computed_at is None  # the figures are stale now


def test_the_lifecycle_admin_shows_the_services_refusals(owner_client, owner, tiers):
    LifecycleRules.current()
    url = reverse("admin:members_lifecyclerules_change", args=[1])
    response = owner_client.post(url, {"new_days": "0", "active_days": "60", "churned_days": "90"})
    assert response.status_code == 200
    assert "between 1 and 3650" in response.content.decode()
    assert LifecycleRules.current().new_days == 30
    assert not SettingsChange.objects.exists()
