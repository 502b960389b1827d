import os
from decimal import Decimal

import pytest
from django.db import connection

from tests.factories import TierFactory, owner_user, staff_user


def pytest_collection_modifyitems(config, items):
    # In CI nothing may be skipped for lack of a service: a skip is an error.
    if os.environ.get("CI"):
        config.pluginmanager.register(_NoSkipInCI(), "no-skip-in-ci")


class _NoSkipInCI:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.skipped and "postgres" not in item.keywords:
            report.outcome = "failed"
            report.longrepr = f"skipped in CI, which must run every test: {report.longrepr}"


@pytest.fixture
def tiers(db):
    """The salon ladder most tests use: Member, Silver, Gold."""
    return {
        "member": TierFactory(rank=1, name="Member", retail_discount=Decimal("5")),
        "silver": TierFactory(
            rank=2,
            name="Silver",
            retail_discount=Decimal("10"),
            points_multiplier=Decimal("1.2"),
        ),
        "gold": TierFactory(
            rank=3,
            name="Gold",
            retail_discount=Decimal("20"),
            points_multiplier=Decimal("1.5"),
        ),
    }


@pytest.fixture
def owner(db):
    return owner_user(username="owner")


@pytest.fixture
def staff(db):
    return staff_user(username="staff")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"
