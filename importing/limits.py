"""A customer file as a whole: what makes it unreadable (FileProblem), and the
limits that keep a hostile or broken file from exhausting the worker.

An .xlsx is a zip archive: a few kilobytes can claim, or inflate to,
gigabytes (a "zip bomb"), and openpyxl reads some parts (shared strings,
styles) whole into memory. So before openpyxl opens it, every part's
declared size is added up, then every part is inflated once, a megabyte at
a time, counting what comes out, against IMPORT_MAX_MEGABYTES (the same
limit as a CSV's size). A part that inflates to other than it declares
fails the archive's own check and is refused as damaged. A row (CSV or
Excel) may have MAX_COLUMNS cells and MAX_ROW_CHARACTERS characters; a
CSV's lines are measured in bytes before any is decoded, so an endless
line is refused without being held in memory.
"""

import zipfile
import zlib

from django.conf import settings
from django.utils.translation import gettext as _

from config.errors import LoyaltyError

MAX_COLUMNS = 200
# A customer row is a few hundred characters; notes make it a few thousand.
MAX_ROW_CHARACTERS = 32_768
# A CSV line is refused unread past this many bytes: a character is at most
# four bytes (UTF-8, GB18030), so no line of MAX_ROW_CHARACTERS is refused.
MAX_LINE_BYTES = 4 * MAX_ROW_CHARACTERS
# An .xlsx holds a dozen parts; thousands are no spreadsheet.
MAX_ZIP_MEMBERS = 1_000
_CHUNK = 1 << 20


class FileProblem(LoyaltyError):
    """The file as a whole cannot be read: nothing is imported."""

    def __init__(self, message, *, code, row=None, headers=None):
        super().__init__(message, field="file", code=code)
        self.row = row
        self.headers = headers or []


def max_bytes() -> int:
    return settings.IMPORT_MAX_MEGABYTES * 1024 * 1024


def too_large(size=None) -> FileProblem:
    """The file (or, for Excel, what it holds once unpacked) is over the limit."""
    return FileProblem(
        _(
            "The file is too large: at most %(limit)d MB can be imported (for Excel, once "
            "unpacked). Split it into smaller files, or save it as CSV without unused "
            "sheets and columns."
        )
        % {"limit": settings.IMPORT_MAX_MEGABYTES},
        code="too_large",
    )


def damaged_xlsx() -> FileProblem:
    return FileProblem(
        _("The Excel file is damaged or cut short: open it in Excel and save it again."),
        code="damaged",
    )


def check_xlsx(fileobj):
    """Refuse an .xlsx whose parts declare, or inflate to, more than the limit,
    before anything parses it. Memory stays at a megabyte or two: the parts
    are inflated in chunks and dropped."""
    limit = max_bytes()
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise damaged_xlsx()
            if sum(member.file_size for member in members) > limit:
                raise too_large()
            inflated = 0
            for member in members:
                with archive.open(member) as part:
                    # zipfile stops at the declared size and checks the CRC:
                    # a part that inflates further is caught as damaged.
                    while chunk := part.read(_CHUNK):
                        inflated += len(chunk)
                        if inflated > limit:
                            raise too_large()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
        raise damaged_xlsx() from None
    finally:
        fileobj.seek(0)


def not_a_workbook() -> FileProblem:
    return FileProblem(
        _(
            "This .xlsx file is not an Excel workbook (it may be an old .xls or a renamed "
            "file): open it in Excel and save it as “Excel Workbook (.xlsx)” or CSV."
        ),
        code="not_xlsx",
    )


def check_row(number, cells):
    """Refuse a row with more cells or characters than a customer list has."""
    if len(cells) > MAX_COLUMNS:
        # Excel pads rows with empty cells up to the widest one.
        width = len(cells)
        while width and cells[width - 1] in (None, ""):
            width -= 1
        if width > MAX_COLUMNS:
            raise FileProblem(
                _(
                    "Row %(row)d has %(count)d columns: at most %(max)d can be read. "
                    "Delete the columns the import does not need and upload it again."
                )
                % {"row": number, "count": width, "max": MAX_COLUMNS},
                code="too_wide",
                row=number,
            )
    if sum(len(cell) for cell in cells if type(cell) is str) > MAX_ROW_CHARACTERS:
        raise row_too_long(number)


def row_too_long(number) -> FileProblem:
    return FileProblem(
        _(
            "Row %(row)d is longer than %(max)s characters: no customer row is that long, "
            "so the file is probably damaged or not a customer list."
        )
        % {"row": number, "max": f"{MAX_ROW_CHARACTERS:,}"},
        code="row_too_long",
        row=number,
    )
