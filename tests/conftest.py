import os
from decimal import Decimal

import pytest
from django.conf import settings
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


# Used as autouse fixtures by the folders that need them (their conftest.py).
@pytest.fixture
def private_storage(tmp_path, monkeypatch):
    """Uploads and progress files go to a temporary folder, never the project's."""
    from django.core.files.storage import FileSystemStorage
    from django.test import override_settings

    from members.models import ImportJob

    # The file field took its storage when the models loaded.
    monkeypatch.setattr(
        ImportJob._meta.get_field("file"),
        "storage",
        FileSystemStorage(location=tmp_path / "private", base_url=None),
    )

    storages = {**settings.STORAGES}
    private = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
    }
    storages["private"] = storages["import_export"] = private
    with override_settings(STORAGES=storages):
        yield tmp_path / "private"


@pytest.fixture
def english():
    """Each test starts in English: a request in Chinese leaves its language
    active in the test's thread, and messages are made in the active language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _forget_shop_settings():
    """A test that saved the shop settings leaves this process's copy of a
    row its transaction rolled back: the next test starts without it."""
    yield
    from config.shop import forget_shop_settings

    forget_shop_settings()
