"""Opening a customer file: CSV or XLSX, its encoding, its header row; rows streamed.

Encodings are not guessed blindly: Big5 bytes decode without error as
GB18030 (into nonsense) and the reverse. UTF-8 (with or without BOM) is
tried first, since it almost never decodes by accident; otherwise the
shop's region decides, and the decoded header row must name the columns we
need, or the next candidate is tried. The owner sees which encoding was
used, with the first rows decoded, and can switch.
"""

import codecs
import contextlib
import csv
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from importing import limits
from importing.limits import MAX_COLUMNS, MAX_ROW_CHARACTERS, FileProblem
from members.columns import column_label, match_headers, missing_required

ENCODING_CHOICES = [
    ("auto", gettext_lazy("Detect (UTF-8, else the shop's region)")),
    ("utf-8", "UTF-8"),
    ("cp950", gettext_lazy("Big5 / CP950 (Taiwan)")),
    ("big5hkscs", gettext_lazy("Big5-HKSCS (Hong Kong)")),
    ("gb18030", gettext_lazy("GB18030 / GBK (mainland China)")),
]
ENCODINGS = [code for code, _label in ENCODING_CHOICES if code != "auto"]
# Accepted on the command line as well.
ENCODING_ALIASES = {"big5": "cp950", "gbk": "gb18030", "gb2312": "gb18030", "utf8": "utf-8"}
REGION_ENCODING = {
    "TW": "cp950",
    "HK": "big5hkscs",
    "MO": "big5hkscs",
    "CN": "gb18030",
    "SG": "gb18030",
    "MY": "gb18030",
}
HEAD_BYTES = 64 * 1024
EXCEL_MAX_ROWS = 1_048_576
HEADER_SEARCH_ROWS = 10
SAMPLE_ROWS = 5


@dataclass
class Table:
    format: str
    encoding: str | None
    headers: list
    mapping: dict
    ignored: list
    header_row: int
    total_estimate: int | None
    sample: list = field(default_factory=list)
    # Whether the owner's choice of columns (see open_table) was applied.
    chosen: bool = False
    _rows: object = None

    def rows(self):
        """(row number as the spreadsheet shows it, [cells]) for each data row."""
        return self._rows


def region_encoding(region=None) -> str:
    return REGION_ENCODING.get(region or settings.DEFAULT_PHONE_REGION, "cp950")


def open_table(fileobj, *, encoding="auto", region=None, name="", choose=None) -> Table:
    """Read the header of a binary, seekable file; rows stream from .rows().
    `name`: the file's name as uploaded (an .xlsx must be a workbook).
    `choose(headers)`: the owner's {column index: field or ""} for a header
    row (members.columns.match_headers), or None to go by the names."""
    head = fileobj.read(HEAD_BYTES)
    fileobj.seek(0)
    if not head.strip():
        raise FileProblem(_("The file is empty."), code="empty")
    if head.startswith(b"PK\x03\x04"):
        limits.check_xlsx(fileobj)
        return _open_xlsx(fileobj, choose)
    if str(name).lower().endswith(".xlsx"):
        raise limits.not_a_workbook()
    if _size(fileobj) > limits.max_bytes():
        raise limits.too_large()
    encoding = ENCODING_ALIASES.get(encoding, encoding)
    candidates = _candidates(head, encoding, region)
    problem = None
    for candidate in candidates:
        try:
            return _open_csv(fileobj, candidate, choose)
        except FileProblem as error:
            problem = problem or error
            fileobj.seek(0)
    raise problem


def _candidates(head, encoding, region):
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"]  # Excel's "Unicode text": tab-separated UTF-16.
    if encoding != "auto":
        return [encoding]
    if head.startswith(codecs.BOM_UTF8):
        return ["utf-8"]
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        default = region_encoding(region)
        return [default] + [code for code in ENCODINGS if code not in (default, "utf-8")]
    return ["utf-8"]


def _python_codec(encoding):
    return "utf-8-sig" if encoding == "utf-8" else encoding


def _open_csv(fileobj, encoding, choose) -> Table:
    total = _count_lines(fileobj)
    ends_with_newline = _ends_with_newline(fileobj)
    stream = io.TextIOWrapper(fileobj, encoding=_python_codec(encoding), newline="")
    try:
        first = stream.readline(limits.MAX_ROW_CHARACTERS + 1)
        stream.seek(0)
    except UnicodeDecodeError:
        stream.detach()
        raise _undecodable(encoding, 1) from None
    delimiter = max(",\t;", key=first.count) if first.strip() else ","
    records = csv.reader(stream, delimiter=delimiter, strict=True)
    numbered = _numbered_csv(records, encoding, stream)
    try:
        table = _find_header(numbered, "csv", encoding, total, choose)
    except FileProblem:
        _let_go(stream)
        raise
    table._rows = _flag_cut_short(table._rows, ends_with_newline)
    return table


def _size(fileobj) -> int:
    size = fileobj.seek(0, io.SEEK_END)
    fileobj.seek(0)
    return size


def _numbered_csv(records, encoding, stream):
    """(row number, cells) of each row; at the end the text layer lets go of
    the file without closing it (the import may read the file again)."""
    number = 0
    try:
        while True:
            try:
                cells = next(records)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise _undecodable(encoding, number + 1) from None
            except csv.Error as error:
                raise FileProblem(
                    _(
                        "Row %(row)d cannot be read (%(detail)s): the file may be cut short "
                        "or damaged."
                    )
                    % {"row": number + 1, "detail": error},
                    code="damaged",
                    row=number + 1,
                ) from None
            number += 1
            if len(cells) > MAX_COLUMNS or sum(map(len, cells)) > MAX_ROW_CHARACTERS:
                limits.check_row(number, cells)
            yield number, cells
    finally:
        _let_go(stream)


def _let_go(stream):
    """Detach the text layer, so dropping it leaves the file open."""
    with contextlib.suppress(ValueError):  # already detached
        stream.detach()


def _flag_cut_short(rows, ends_with_newline):
    """Mark the last row when the file stops in the middle of it."""
    previous = None
    for item in rows:
        if previous is not None:
            yield previous
        previous = item
    if previous is not None:
        number, cells = previous
        if not ends_with_newline:
            cells = _CutShort(cells)
        yield number, cells


class _CutShort(list):
    """The last row of a file that does not end with a line break."""

    cut_short = True


def _undecodable(encoding, row):
    return FileProblem(
        _(
            "Row %(row)d is not valid %(encoding)s text: the file is in another encoding "
            "or damaged. Choose the encoding the file was saved in."
        )
        % {"row": row, "encoding": encoding_label(encoding)},
        code="encoding",
        row=row,
    )


def encoding_label(encoding) -> str:
    return str(dict(ENCODING_CHOICES).get(encoding, encoding))


def _count_lines(fileobj) -> int:
    """The file's lines; refused when one is longer than a row may be, so
    that no line is ever read whole into memory (a file of one endless
    line). Bytes are counted: in any encoding a character takes at most
    MAX_LINE_BYTES / MAX_ROW_CHARACTERS of them.

    A line longer than the limit holds a whole window of half the limit
    with no line break, so looking into those windows (a few per megabyte,
    in C) finds it; only there is a line measured."""
    limit = limits.MAX_LINE_BYTES
    step = limit // 2
    lines = carried = 0  # carried: bytes of the current line in earlier chunks
    while chunk := fileobj.read(1 << 20):
        for start in range(0, len(chunk), step):
            if chunk.find(b"\n", start, start + step) != -1:
                continue
            begin = chunk.rfind(b"\n", 0, start) + 1
            end = chunk.find(b"\n", start)
            if end == -1:
                break  # the line goes on into the next chunk: measured there
            length = end - begin + (carried if begin == 0 else 0)
            if length > limit:
                raise _long_line(fileobj, lines + chunk.count(b"\n", 0, begin) + 1)
        first = chunk.find(b"\n")
        if first != -1 and carried + first > limit:
            raise _long_line(fileobj, lines + 1)
        last = chunk.rfind(b"\n")
        carried = carried + len(chunk) if last == -1 else len(chunk) - last - 1
        if carried > limit:
            raise _long_line(fileobj, lines + chunk.count(b"\n") + 1)
        lines += chunk.count(b"\n")
    fileobj.seek(0)
    return lines


def _long_line(fileobj, number):
    fileobj.seek(0)
    return limits.row_too_long(number)


def _ends_with_newline(fileobj) -> bool:
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(max(0, size - 2))
    tail = fileobj.read(2)
    fileobj.seek(0)
    return tail.endswith(b"\n") or tail.endswith(b"\n\x00") or tail.endswith(b"\r")


def _open_xlsx(fileobj, choose) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        total = sheet.max_row
        # Rows as long as their last cell, not padded to the width the sheet
        # claims (a hostile claim of 16,384 columns would pad every row); and
        # every row read, even past a height the sheet understates.
        sheet.reset_dimensions()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, TypeError):
        raise limits.damaged_xlsx() from None

    def numbered():
        try:
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > EXCEL_MAX_ROWS:
                    raise limits.damaged_xlsx()
                width = len(cells)
                while width and cells[width - 1] is None:
                    width -= 1
                row = list(cells[:width])
                limits.check_row(number, row)
                yield number, row
        except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError, TypeError):
            raise limits.damaged_xlsx() from None
        finally:
            workbook.close()

    return _find_header(numbered(), "xlsx", None, total, choose)


def _find_header(numbered, file_format, encoding, total, choose=None) -> Table:
    """The header is the first row, or within the first rows when a title sits above it."""
    first_headers = None
    under_first = []  # the rows under the first one, shown when none is a header
    for number, cells in numbered:
        headers = ["" if cell is None else str(cell).strip() for cell in cells]
        if not any(headers):
            continue
        if first_headers is not None and len(under_first) < SAMPLE_ROWS:
            under_first.append([_display(cell) for cell in cells])
        first_headers = first_headers or (number, headers)
        chosen = choose(headers) if choose else None
        mapping, ignored = match_headers(headers, chosen)
        if not missing_required(mapping):
            sample, rows = _peek(numbered)
            return Table(
                format=file_format,
                encoding=encoding,
                headers=headers,
                mapping=mapping,
                ignored=ignored,
                header_row=number,
                total_estimate=max(0, (total or 0) - number) if total else None,
                sample=sample,
                chosen=bool(chosen),
                _rows=rows,
            )
        if number >= HEADER_SEARCH_ROWS:
            break
    if first_headers is None:
        raise FileProblem(_("The file is empty."), code="empty")
    number, headers = first_headers
    mapping, _ignored = match_headers(headers, choose(headers) if choose else None)
    missing = [column_label(name) for name in missing_required(mapping)]
    where = (
        _(" (read as %(encoding)s)") % {"encoding": encoding_label(encoding)} if encoding else ""
    )
    problem = FileProblem(
        _(
            "The header row%(where)s has no column for: %(missing)s. It reads: %(headers)s. "
            "Name the columns (e.g. 手機 / Phone, 姓名 / Name), or choose another encoding."
        )
        % {"where": where, "missing": ", ".join(missing), "headers": " | ".join(headers[:12])},
        code="missing_column",
        row=number,
        headers=headers,
    )
    # The first rows under it: the preview shows what each column holds.
    problem.sample = under_first
    raise problem


def _peek(numbered):
    """The first rows for the preview, without losing them from the stream."""
    sample = []
    for item in numbered:
        sample.append(item)
        if len(sample) >= SAMPLE_ROWS:
            break

    def rows():
        yield from sample
        yield from numbered

    shown = [[_display(cell) for cell in cells] for _number, cells in sample]
    return shown, rows()


def _display(cell):
    if cell is None:
        return ""
    return str(cell)
