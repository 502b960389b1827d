"""The owner's choice of what each column of a file holds: checked,
remembered per header row, and found again for the next file with the
same header (members.columns.header_signature)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import LoyaltyError
from importing.models import ColumnMapping
from members.columns import (
    COLUMNS,
    column_label,
    header_signature,
    match_headers,
    missing_required,
)

IGNORE = ""


def field_choices() -> list:
    """(field, label) for the drop-down of each column, "ignore" first."""
    return [(IGNORE, gettext_lazy("Ignore this column"))] + [
        (name, COLUMNS[name][0]) for name in COLUMNS
    ]


def check_choices(headers, chosen) -> dict:
    """`chosen` ({column index: field or ""}) checked against the header row
    it was made on; returned with whole-number indexes. Raises LoyaltyError
    (on the column's drop-down) when a column or field is unknown, when two
    columns are set to one field, or when nothing is left for the phone or
    the name."""
    checked = {}
    for index, name in chosen.items():
        try:
            index = int(index)
        except (TypeError, ValueError):
            index = -1
        if not 0 <= index < len(headers):
            raise LoyaltyError(
                _("The file has no such column: preview it again and choose anew."),
                field="columns",
                code="column_unknown",
            )
        name = name or IGNORE
        if name != IGNORE and name not in COLUMNS:
            raise LoyaltyError(
                _("Choose one of the listed fields."), field=f"column_{index}", code="field_unknown"
            )
        checked[index] = name
    first = {}
    for index in sorted(checked):
        name = checked[index]
        if not name:
            continue
        if name in first:
            raise LoyaltyError(
                _(
                    "“%(first)s” and “%(second)s” are both set to %(field)s: a field is read "
                    "from one column. Set one of them to another field or to “Ignore this column”."
                )
                % {
                    "first": _header_name(headers, first[name]),
                    "second": _header_name(headers, index),
                    "field": column_label(name),
                },
                field=f"column_{index}",
                code="field_twice",
            )
        first[name] = index
    mapping, _ignored = match_headers(headers, checked)
    missing = missing_required(mapping)
    if missing:
        raise LoyaltyError(
            _("No column is set to %(fields)s: every member needs one.")
            % {"fields": ", ".join(column_label(name) for name in missing)},
            field="columns",
            code="column_missing",
        )
    return checked


def _header_name(headers, index) -> str:
    return headers[index] or _("column %(number)d") % {"number": index + 1}


def remember(*, headers, chosen, by=None) -> ColumnMapping:
    """Keep `chosen` for the next file with this header row. Call inside
    the caller's transaction."""
    by = by if by is not None and by.is_authenticated else None
    mapping, _created = ColumnMapping.objects.update_or_create(
        signature=header_signature(headers),
        defaults={
            "headers": list(headers),
            "fields": {str(index): name for index, name in chosen.items()},
            "updated_by": by,
        },
    )
    return mapping


def remembered(headers) -> dict | None:
    """The choice last made for this header row, or None."""
    found = ColumnMapping.objects.filter(signature=header_signature(headers)).first()
    return found.chosen() if found is not None else None


def chooser(columns):
    """choose(headers) for importing.reader.open_table: the job's own
    choice (`columns`, as ImportJob.columns keeps it) for the header row it
    was made on, else the choice remembered for that header row."""
    own = None
    if columns and columns.get("signature"):
        own = (columns["signature"], {int(i): f for i, f in columns.get("fields", {}).items()})

    found = {}  # signature -> remembered choice: one query per header row

    def choose(headers):
        signature = header_signature(headers)
        if own is not None and own[0] == signature:
            return own[1]
        if signature not in found:
            found[signature] = remembered(headers)
        return found[signature]

    return choose
