from datetime import timedelta

import pytest

from config.clock import shop_today
from config.errors import LoyaltyError
from members.models import LifecycleRules
from reports.member_figures import lifecycle_counts
from reports.services import update_lifecycle_rules
from tests.factories import MemberFactory

URL = "/dashboard/lifecycle/"


def test_it_shows_the_current_day_counts(owner_client, tiers):
    response = owner_client.get(URL)
    assert response.status_code == 200
    assert response.context["form"].initial == {
        "new_days": 30,
        "active_days": 60,
        "churned_days": 90,
    }


def test_it_saves_new_day_counts(owner_client, tiers):
    response = owner_client.post(URL, {"new_days": 14, "active_days": 45, "churned_days": 180})
    assert response.status_code == 302
    assert response.url == "/dashboard/"
    rules = LifecycleRules.current()
    assert (rules.new_days, rules.active_days, rules.churned_days) == (14, 45, 180)


def test_the_dashboard_counts_with_the_saved_day_counts(tiers):
    MemberFactory(joined_on=shop_today() - timedelta(days=20))
    assert lifecycle_counts()[0].members == 1  # new within 30 days
    update_lifecycle_rules(new_days=14, active_days=60, churned_days=90)
    assert lifecycle_counts()[0].members == 0


def test_it_refuses_churned_before_active(owner_client, tiers):
    response = owner_client.post(URL, {"new_days": 30, "active_days": 90, "churned_days": 60})
    assert response.status_code == 400
    assert "Churned must count more days than active (90)" in response.content.decode()
    assert LifecycleRules.current().churned_days == 90


def test_it_refuses_numbers_it_cannot_read(owner_client, tiers):
    response = owner_client.post(
        URL, {"new_days": "a month", "active_days": 60, "churned_days": 90}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["new_days"]


def test_the_service_refuses_a_zero_day_count(db):
    with pytest.raises(LoyaltyError) as refused:
        update_lifecycle_rules(new_days=0, active_days=60, churned_days=90)
    assert refused.value.field == "new_days"


def test_staff_get_403(staff_client, tiers):
    assert staff_client.get(URL).status_code == 403
    assert (
        staff_client.post(URL, {"new_days": 1, "active_days": 2, "churned_days": 3}).status_code
        == 403
    )
    assert LifecycleRules.current().new_days == 30
