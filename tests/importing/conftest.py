import csv
import io

import pytest


@pytest.fixture(autouse=True)
def _isolated(private_storage, english):
    """Every test here starts in English with uploads in a temporary folder
    (the fixtures are in tests/conftest.py)."""


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


@pytest.fixture
def salon(tiers):
    """The salon ladder of tests/tiers/conftest.py: Gold at 5,000 lifetime or
    3,000 in the window, Silver at 2,000 lifetime or 3 referred buyers."""
    from decimal import Decimal

    gold, silver = tiers["gold"], tiers["silver"]
    gold.qualify_lifetime_spend = Decimal("5000")
    gold.qualify_window_spend = Decimal("3000")
    gold.retain_window_spend = Decimal("2000")
    gold.save()
    silver.qualify_lifetime_spend = Decimal("2000")
    silver.qualify_referred_buyers = 3
    silver.retain_window_spend = Decimal("800")
    silver.save()
    return tiers
