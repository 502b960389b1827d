import csv
import io

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


def csv_bytes(rows, encoding="utf-8", newline_at_end=True):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    text = buffer.getvalue()
    if not newline_at_end:
        text = text.rstrip("\r\n")
    return text.encode(encoding)


@pytest.fixture
def write_csv(tmp_path):
    """write_csv(rows, encoding="utf-8", name=...) -> path of a CSV in tmp_path."""

    def write(rows, encoding="utf-8", name="members.csv", newline_at_end=True):
        path = tmp_path / name
        path.write_bytes(csv_bytes(rows, encoding, newline_at_end))
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path):
    def write(rows, name="members.xlsx"):
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        for row in rows:
            sheet.append(row)
        path = tmp_path / name
        workbook.save(path)
        return path

    return write


@pytest.fixture(autouse=True)
def english():
    """Each test starts in English: a request in Chinese leaves its language
    active in the test's thread, and messages are made in the active language."""
    from django.utils import translation

    with translation.override("en"):
        yield
