"""The one writer of CSV and XLSX files that leave the app (every export).

A text cell that starts with = + - @, a tab or a carriage return (also after
leading spaces) would be run as a formula by Excel, LibreOffice or Google
Sheets. In CSV it goes out with a leading apostrophe, which they show as
text and our import strips again. XLSX says what a cell is: such text goes
out as it is, in a text cell marked "quote prefix" (what Excel records when
someone types the apostrophe), so it shows without one and stays text when
edited. Numbers, dates and booleans are written as they are, so they stay
numbers and dates in the sheet. CSV is UTF-8 with a BOM so Excel reads
Chinese; XLSX cells keep their types.
"""

import csv
import tempfile
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
TYPED = (bool, int, float, Decimal, date, datetime)


def safe_cell(value):
    """The value as a cell no spreadsheet runs: text escaped, typed values kept."""
    if value is None:
        return ""
    if isinstance(value, TYPED):
        return value
    text = str(value)  # lazy translations, model instances with a __str__
    if _reads_as_formula(text):
        return "'" + text
    return text


def _reads_as_formula(text) -> bool:
    return text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS)


def safe_row(cells) -> list:
    return [safe_cell(cell) for cell in cells]


class _Echo:
    def write(self, value):
        return value


def csv_chunks(header, rows):
    """The CSV piece by piece (BOM first), for a streaming response."""
    writer = csv.writer(_Echo())
    yield BOM
    if header is not None:
        yield writer.writerow(safe_row(header))
    for row in rows:
        yield writer.writerow(safe_row(row))


def csv_response(*, filename, header, rows, streaming=False):
    """An attachment response holding the CSV of header + rows."""
    chunks = csv_chunks(header, rows)
    content_type = "text/csv; charset=utf-8"
    if streaming:
        response = StreamingHttpResponse(chunks, content_type=content_type)
    else:
        response = HttpResponse("".join(chunks), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_file(*, title, header, rows):
    """An XLSX file (a temporary file, rewound) written row by row."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(title)[:31])
    if header is not None:
        sheet.append([_xlsx_cell(sheet, cell) for cell in header])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, cell) for cell in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    workbook.save(handle)
    handle.seek(0)
    return handle


def _xlsx_cell(sheet, value):
    """The value as openpyxl writes it: typed values as they are, text that
    would read as a formula in a text cell with the quote prefix (openpyxl
    would otherwise write any text starting with = as a formula)."""
    from openpyxl.cell import WriteOnlyCell

    if value is None or isinstance(value, TYPED):
        return value
    text = str(value)
    if text == "":
        return None
    if not _reads_as_formula(text):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell
