"""Export of the member list: filters, formula injection, BOM, typed cells."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import MemberFactory


def _csv(response):
    return b"".join(response.streaming_content).decode("utf-8")


def test_csv_export_works_with_bom_and_the_import_columns(owner_client, tiers):
    MemberFactory(name="陳美玲", phone="+886912345678", birthday=date(1990, 1, 2))
    response = owner_client.get(reverse("members:export_csv"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = _csv(response)
    assert text.startswith("\ufeffMember number,Phone,Name,")
    assert "陳美玲" in text and "0912 345 678" in text and "1990-01-02" in text


def test_export_is_owner_only(staff_client, tiers):
    assert staff_client.get(reverse("members:export_csv")).status_code == 403
    assert staff_client.get(reverse("members:export_xlsx")).status_code == 403


def test_export_requires_get(owner_client, tiers):
    assert owner_client.post(reverse("members:export_csv")).status_code == 405


def test_export_keeps_the_member_list_filters(owner_client, tiers):
    MemberFactory(name="GoldOne", tier=tiers["gold"])
    MemberFactory(name="SilverOne", tier=tiers["silver"])
    text = _csv(owner_client.get(reverse("members:export_csv"), {"tier": tiers["gold"].pk}))
    assert "GoldOne" in text and "SilverOne" not in text


def test_formulae_are_neutralised(owner_client, tiers):
    MemberFactory(name='=HYPERLINK("http://evil")', notes="+1 cmd", email="")
    MemberFactory(name="@SUM(A1)", notes="-2")
    text = _csv(owner_client.get(reverse("members:export_csv")))
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert ",'+1 cmd," in text and ",'-2," in text
    workbook = load_workbook(
        io.BytesIO(owner_client.get(reverse("members:export_xlsx")).getvalue())
    )
    cells = [row[2] for row in workbook.active.iter_rows(min_row=2)]
    # XLSX keeps the names as they are, in text cells that stay text.
    assert sorted(cell.value for cell in cells) == ['=HYPERLINK("http://evil")', "@SUM(A1)"]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)


def test_xlsx_numbers_and_dates_are_typed_cells(owner_client, tiers):
    MemberFactory(points_balance=120, lifetime_spend=Decimal("3456.50"), birthday=date(1990, 1, 2))
    response = owner_client.get(reverse("members:export_xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    header, row = list(sheet.iter_rows(values_only=True))
    cells = dict(zip(header, row, strict=True))
    assert cells["Points"] == 120
    assert cells["Lifetime spend"] == pytest.approx(3456.5)
    assert cells["Birthday"].date() == date(1990, 1, 2)
    assert isinstance(cells["Member number"], str)
