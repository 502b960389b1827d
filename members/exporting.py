"""The member list as CSV or XLSX: the same columns the import reads back.

Written by config.spreadsheets, which escapes text a spreadsheet would run
as a formula (the import strips the apostrophe again). CSV is UTF-8 with a
BOM so Excel opens Chinese correctly; in XLSX numbers and dates are real
numbers and dates.
"""

from django.utils import translation

from config import spreadsheets
from members.columns import EXPORT_ORDER, column_label
from members.models import Member
from members.phones import display_phone

CHUNK = 2000


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
        yield member_cells(member, genders)


def csv_chunks(queryset):
    """The CSV, piece by piece, for a streaming response (UTF-8 with BOM)."""
    return spreadsheets.csv_chunks(header_row(), _rows(queryset))


def write_xlsx(queryset):
    """An XLSX file (a temporary file, rewound) written row by row."""
    title = translation.gettext("Members")
    return spreadsheets.xlsx_file(title=title, header=header_row(), rows=_rows(queryset))
