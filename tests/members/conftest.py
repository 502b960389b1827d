import pytest
from django.conf import settings


@pytest.fixture(autouse=True)
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


@pytest.fixture(autouse=True)
def english():
    """Each test starts in English: a request in Chinese leaves its language
    active in the test's thread, and messages are made in the active language."""
    from django.utils import translation

    with translation.override("en"):
        yield
