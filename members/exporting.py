"""The member list as CSV or XLSX: the same columns the import reads back.

A text cell that starts with = + - @ (or a tab or carriage return) would be
run as a formula by Excel: it goes out with a leading apostrophe, which the
import strips again. CSV is UTF-8 with a BOM so Excel opens Chinese
correctly; in XLSX numbers and dates are real numbers and dates.
"""

import csv
import tempfile

from django.utils import translation

from members.columns import EXPORT_ORDER, column_label
from members.models import Member
from members.phones import display_phone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def escape_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _gender_labels():
    return dict(Member.Gender.choices)


def header_row() -> list:
    return [column_label(name) for name in EXPORT_ORDER]


def member_cells(member, genders) -> list:
    """One member's cells in EXPORT_ORDER, typed (dates, ints, Decimals)."""
    return [
        member.member_number,
        display_phone(member.phone),
        member.name,
        member.email,
        member.birthday,
        str(genders.get(member.gender, "")) if member.gender else "",
        member.joined_on,
        member.notes,
        member.points_balance,
        member.lifetime_spend,
    ]


def _rows(queryset):
    genders = _gender_labels()
    for member in queryset.order_by("pk").iterator(chunk_size=CHUNK):
        yield [escape_formula(cell) for cell in member_cells(member, genders)]


class _Echo:
    def write(self, value):
        return value


def csv_chunks(queryset):
    """The CSV, piece by piece, for a streaming response (UTF-8 with BOM)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header_row())
    for cells in _rows(queryset):
        yield writer.writerow(["" if cell is None else cell for cell in cells])


def write_xlsx(queryset):
    """An XLSX file (a temporary file, rewound) written row by row."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(translation.gettext("Members"))[:31])
    sheet.append(header_row())
    for cells in _rows(queryset):
        sheet.append(cells)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    workbook.save(handle)
    handle.seek(0)
    return handle
