"""Every export goes through config.spreadsheets: no cell a spreadsheet would
run as a formula, in CSV or XLSX, while numbers stay numbers."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from config.clock import shop_today
from config.spreadsheets import csv_chunks, safe_cell, xlsx_file
from reports.export import EXPORTS
from tests.factories import CampaignFactory, MemberFactory, PurchaseFactory
from tests.portal.conftest import sign_in_as

HOSTILE = [
    '=HYPERLINK("http://evil","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
]


def _is_formula(value) -> bool:
    return isinstance(value, str) and value.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r"))


def _csv_cells(text):
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    return [cell for row in rows for cell in row]


def _csv_formulas(text):
    """Cells that would run: formula-like text that is not a plain number."""
    found = []
    for cell in _csv_cells(text):
        try:
            Decimal(cell)
        except ArithmeticError:
            if _is_formula(cell):
                found.append(cell)
    return found


def _xlsx_formulas(content):
    """Cells openpyxl reads back as formulas (data_type "f"), or formula-like
    text not marked as typed text (the quote prefix keeps it text when edited)."""
    workbook = load_workbook(io.BytesIO(content))
    return [
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
        or (_is_formula(cell.value) and not (cell.data_type == "s" and cell.quotePrefix))
    ]


@pytest.fixture
def hostile_shop(tiers, english):
    tiers["gold"].name = "=1+2"
    tiers["gold"].save(update_fields=["name"])
    members = [
        MemberFactory(name=text, notes=text, email="", tier=tiers["gold"]) for text in HOSTILE
    ]
    start = shop_today() - timedelta(days=10)
    for text in HOSTILE:
        CampaignFactory(name=text, starts_on=start, ends_on=start + timedelta(days=20))
    PurchaseFactory(member=members[0], gross_amount=Decimal("100"), amount_paid=Decimal("100"))
    return members


def test_safe_cell_escapes_text_and_keeps_numbers():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell(" \t@x") == "' \t@x"
    assert safe_cell("plain") == "plain"
    assert safe_cell(-5) == -5
    assert safe_cell(Decimal("-0.25")) == Decimal("-0.25")
    assert safe_cell(None) == ""


def test_the_writer_reads_back_without_formulas():
    rows = [[text, -3, Decimal("-1.5")] for text in HOSTILE]
    assert _csv_formulas("".join(csv_chunks(["a", "b", "c"], rows))) == []
    handle = xlsx_file(title="t", header=["=x", "b", "c"], rows=rows)
    content = handle.read()
    assert _xlsx_formulas(content) == []
    sheet = load_workbook(io.BytesIO(content)).active
    assert [cell.value for cell in sheet[2]][1:] == [-3, -1.5]
    # The text itself, without the apostrophe CSV needs (XML reads a
    # carriage return as a line feed).
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == [
        text.replace("\r", "\n") for text in HOSTILE
    ]


def test_member_exports_hold_no_formula(owner_client, hostile_shop):
    response = owner_client.get(reverse("members:export_csv"))
    text = b"".join(response.streaming_content).decode("utf-8")
    assert _csv_formulas(text) == []
    assert "'=HYPERLINK" in text
    response = owner_client.get(reverse("members:export_xlsx"))
    assert _xlsx_formulas(b"".join(response.streaming_content)) == []


@pytest.mark.parametrize("figure", sorted(EXPORTS))
def test_dashboard_exports_hold_no_formula(owner_client, hostile_shop, figure):
    today = shop_today()
    query = {"start": f"{today - timedelta(days=60):%Y-%m-%d}", "end": f"{today:%Y-%m-%d}"}
    response = owner_client.get(reverse("dashboard:export", args=[figure]), query)
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert _csv_formulas(text) == []


def test_campaign_export_names_the_hostile_campaigns_as_text(owner_client, hostile_shop):
    today = shop_today()
    query = {"start": f"{today - timedelta(days=60):%Y-%m-%d}", "end": f"{today:%Y-%m-%d}"}
    response = owner_client.get(reverse("dashboard:export", args=["campaigns"]), query)
    names = {row[0] for row in csv.reader(io.StringIO(response.content.decode()[1:]))}
    assert '\'=HYPERLINK("http://evil","x")' in names


def test_a_members_own_data_holds_no_formula(client, hostile_shop):
    sign_in_as(client, hostile_shop[0])
    response = client.get(reverse("portal:data"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert _csv_formulas(text) == []
    assert "'=HYPERLINK" in text


def test_the_settlement_holds_no_formula(owner_client, tiers, english):
    """Store names the owner typed, in the settlement's CSV."""
    from loyalty.sale import record_purchase
    from tests.factories import StoreFactory, give_points

    first, second = StoreFactory(name=HOSTILE[0]), StoreFactory(name=HOSTILE[3])
    member = MemberFactory(name=HOSTILE[1], tier=tiers["member"])
    give_points(member, 400)
    record_purchase(member=member, amount="1000", idempotency_key="h-1", store=first)
    record_purchase(
        member=member, amount="1000", points_to_redeem=300, idempotency_key="h-2", store=second
    )
    response = owner_client.get(reverse("dashboard:settlement"), {"format": "csv"})
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert _csv_formulas(text) == []
    assert {"'" + HOSTILE[0], "'" + HOSTILE[3]} <= set(_csv_cells(text))


def test_the_bulk_export_holds_no_formula(owner_client, hostile_shop):
    """The member list's ticked members, exported from the bulk bar."""
    query = {"scope": "ticked", "member": [member.pk for member in hostile_shop]}
    response = owner_client.get(reverse("loyalty:bulk_export_csv"), query)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert _csv_formulas(text) == []
    assert text.count("'=HYPERLINK") >= 1
    response = owner_client.get(reverse("loyalty:bulk_export_xlsx"), query)
    assert _xlsx_formulas(b"".join(response.streaming_content)) == []
