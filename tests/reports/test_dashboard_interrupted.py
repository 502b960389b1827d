"""A dashboard refresh whose worker died is not "being computed" forever:
after the heartbeat timeout the page says it was interrupted and Refresh now
queues it again; a refresh alive is queued once."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from members.models import DashboardSnapshot
from reports.periods import Period
from reports.services import refresh_is_interrupted
from reports.snapshots import refresh_queued_dashboard
from reports.tasks import refresh_dashboard_snapshot

# Heartbeats and queueing happen after commits, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

RANGE = {"start": "2026-01-01", "end": "2026-01-31"}
BROKER = {"CELERY_TASK_ALWAYS_EAGER": False}


@pytest.fixture
def queued():
    with mock.patch("reports.tasks.refresh_dashboard_snapshot.delay") as delay:
        yield delay


def _queued_snapshot(ago):
    at = timezone.now() - ago
    return DashboardSnapshot.objects.create(
        period_start="2026-01-01", period_end="2026-01-31", refresh_queued_at=at
    )


@override_settings(**BROKER)
def test_looking_again_queues_an_interrupted_refresh_again(owner_client, tiers, queued):
    snapshot = _queued_snapshot(timedelta(minutes=6))
    assert refresh_is_interrupted(snapshot)
    body = owner_client.get(reverse("dashboard:index"), RANGE).content.decode()
    assert queued.call_count == 1
    assert "snapshot-computing" in body
    assert not refresh_is_interrupted(DashboardSnapshot.objects.get())


@override_settings(**BROKER, DASHBOARD_FRESH_SECONDS=3600)
def test_fresh_figures_say_when_their_newer_refresh_was_interrupted(owner_client, tiers):
    from reports.snapshots import refresh_dashboard

    fresh = refresh_dashboard(period=Period(date(2026, 1, 1), date(2026, 1, 31)))
    DashboardSnapshot.objects.filter(pk=fresh.pk).update(
        refresh_queued_at=timezone.now() - timedelta(minutes=6)
    )
    body = owner_client.get(reverse("dashboard:index"), RANGE).content.decode()
    assert "snapshot-interrupted" in body
    assert "Refresh now tries again" in body


@override_settings(**BROKER)
def test_the_status_poll_reloads_when_interrupted(owner_client, tiers):
    _queued_snapshot(timedelta(minutes=6))
    response = owner_client.get(reverse("dashboard:status"), RANGE)
    assert response["HX-Refresh"] == "true"


@override_settings(**BROKER)
def test_refresh_now_queues_an_interrupted_refresh_again(owner_client, tiers, queued):
    _queued_snapshot(timedelta(minutes=6))
    owner_client.post(reverse("dashboard:refresh"), RANGE)
    assert queued.call_count == 1
    assert not refresh_is_interrupted(DashboardSnapshot.objects.get())


@override_settings(**BROKER)
def test_a_refresh_alive_is_queued_once(owner_client, tiers, queued):
    _queued_snapshot(timedelta(minutes=1))
    owner_client.post(reverse("dashboard:refresh"), RANGE)
    assert queued.call_count == 0
    body = owner_client.get(reverse("dashboard:index"), RANGE).content.decode()
    assert "snapshot-computing" in body


def test_the_worker_says_it_is_alive_before_computing(tiers):
    snapshot = _queued_snapshot(timedelta(minutes=6))
    seen = {}
    real = refresh_queued_dashboard.__globals__["refresh_dashboard"]

    def look(**kwargs):
        seen["heartbeat"] = DashboardSnapshot.objects.get(pk=snapshot.pk).heartbeat_at
        return real(**kwargs)

    with mock.patch("reports.snapshots.refresh_dashboard", side_effect=look):
        refresh_dashboard_snapshot("2026-01-01", "2026-01-31")
    assert seen["heartbeat"] > snapshot.refresh_queued_at
    done = DashboardSnapshot.objects.get(pk=snapshot.pk)
    assert done.refresh_queued_at is None and done.computed_at is not None


def test_refresh_requires_post(owner_client, tiers):
    assert owner_client.get(reverse("dashboard:refresh")).status_code == 405
