"""The one writer of CSV and XLSX files that leave the app (every export).

A text cell that starts with = + - @, a tab or a carriage return (also after
leading spaces) would be run as a formula by Excel, LibreOffice or Google
Sheets: it goes out with a leading apostrophe, which they show as text and
our import strips again. Numbers, dates and booleans are written as they are,
so they stay numbers and dates in the sheet. CSV is UTF-8 with a BOM so
Excel reads Chinese; XLSX cells keep their types.
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
    if text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


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
        sheet.append(safe_row(header))
    for row in rows:
        sheet.append([None if cell == "" else cell for cell in safe_row(row)])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    workbook.save(handle)
    handle.seek(0)
    return handle
