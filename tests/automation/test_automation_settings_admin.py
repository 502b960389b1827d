"""The owner sets the tier messages and the offers in the admin."""

from django.urls import reverse

from members.models import AutomationSettings
from tests.factories import coupon_reward


def _form(settings_row, **changes):
    data = {
        "birthday_timing": settings_row.birthday_timing,
        "wake_up_points": settings_row.wake_up_points,
        "send_expiry_reminders": "on",
        "send_birthday_greetings": "on",
        "send_wake_up_offers": "on",
        "send_tier_upgrade_messages": "on",
        "send_tier_keep_reminders": "on",
        "tier_keep_reminder_days": 14,
        "send_tier_downgrade_notices": "on",
        "anniversary_points": 0,
        "send_anniversary_greetings": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_tier_messages_are_on_by_default(db):
    row = AutomationSettings.current()
    assert row.send_tier_upgrade_messages and row.send_tier_downgrade_notices
    assert row.send_tier_keep_reminders and row.tier_keep_reminder_days == 14


def test_owner_sets_the_offers_and_the_reminder_lead(owner_client, tiers):
    row = AutomationSettings.current()
    reward = coupon_reward(name="Welcome NT$100")
    response = owner_client.post(
        reverse("admin:members_automationsettings_change", args=[row.pk]),
        _form(
            row,
            tier_keep_reminder_days=7,
            send_tier_downgrade_notices=None,
            welcome_reward=reward.pk,
            anniversary_points=200,
        ),
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.tier_keep_reminder_days == 7
    assert row.send_tier_downgrade_notices is False
    assert row.welcome_reward == reward
    assert row.anniversary_points == 200


def test_a_reminder_lead_of_zero_days_is_refused(owner_client, tiers):
    row = AutomationSettings.current()
    response = owner_client.post(
        reverse("admin:members_automationsettings_change", args=[row.pk]),
        _form(row, tier_keep_reminder_days=0),
    )
    assert response.status_code == 200
    assert "tier_keep_reminder_days" in response.context["adminform"].form.errors
    row.refresh_from_db()
    assert row.tier_keep_reminder_days == 14


def test_staff_cannot_change_them(staff_client, tiers):
    row = AutomationSettings.current()
    response = staff_client.get(reverse("admin:members_automationsettings_change", args=[row.pk]))
    assert response.status_code in (302, 403)
