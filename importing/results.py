"""What an import is asked to do, and what it did (or would do)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members import values
from members.columns import COLUMNS, column_label

# Rows listed in the preview; the counts cover them all.
MAX_ERRORS_KEPT = 500

# What the preview says of a file, and what the import then does with it.
READY = "ready"
READY_WITH_ERRORS = "ready_with_errors"  # only the valid rows can be imported
CANNOT = "cannot"
# Why a file cannot be imported although it reads well: the shop is not set up.
NO_ENTRY_TIER = "no_entry_tier"


@dataclass
class ImportOptions:
    encoding: str = "auto"
    update_existing: bool = False
    minguo_dates: bool = False
    valid_rows_only: bool = False
    # Phones typed without a country code: None reads them as the shop
    # settings say (their region, then the regions also accepted).
    region: str | None = None
    also_regions: list = field(default_factory=list)
    # Year-last dates that read either way (02/03/1990): members.values.DAY_FIRST
    # or MONTH_FIRST, "ymd" for none (then they are errors), None for the
    # shop settings' order. The file's own unambiguous dates win over it.
    date_order: str | None = None
    # The owner's choice of columns, as ImportJob.columns keeps it; empty:
    # as the header says, or as chosen last time for it (importing.mapping).
    columns: dict = field(default_factory=dict)


@dataclass
class ImportResult:
    format: str = ""
    encoding: str = ""
    encoding_label: str = ""
    columns: dict = field(default_factory=dict)  # field label -> header in the file
    ignored: list = field(default_factory=list)
    # The field each column of `headers` is read as ("" ignored), and
    # whether an owner's choice (this job's or remembered) decided them.
    column_fields: list = field(default_factory=list)
    columns_chosen: bool = False
    sample: list = field(default_factory=list)
    headers: list = field(default_factory=list)
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    error_rows: int = 0
    error_count: int = 0
    errors: list = field(default_factory=list)
    near_duplicates: list = field(default_factory=list)
    # The new members per tier, in rank order: [{"tier": name, "members": n}]
    # (listed when the file brings figures or tiers; see importing.placement).
    tiers: list = field(default_factory=list)
    file_error: str = ""
    # NO_ENTRY_TIER when the shop has no active tier to put new members in.
    setup_error: str = ""
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.error_rows

    @property
    def verdict(self) -> str:
        return verdict_of(self.as_dict())[0]

    @property
    def verdict_reason(self) -> str:
        return verdict_of(self.as_dict())[1]

    def add_error(self, row, field_name, value, message):
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            column = column_label(field_name) if field_name in COLUMNS else ""
            self.errors.append(
                {"row": row, "column": column, "value": _shown(value), "message": str(message)}
            )

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def verdict_of(figures) -> tuple[str, str]:
    """(READY, READY_WITH_ERRORS or CANNOT; why, in the current language) of
    a preview or an outcome as stored (ImportResult.as_dict()). The preview,
    the confirmation and the import itself all decide by this one function,
    so the import does what the preview said."""
    if figures.get("file_error"):
        return CANNOT, figures["file_error"]
    if figures.get("setup_error") == NO_ENTRY_TIER:
        return CANNOT, _(
            "There is no active tier yet to put new members in: set up an entry tier "
            "first (Tiers), then preview the file again."
        )
    if not figures.get("total"):
        return CANNOT, _(
            "The file has a header row but no members under it: add the rows and upload it again."
        )
    error_rows = figures.get("error_rows", 0)
    if not figures.get("created", 0) + figures.get("updated", 0):
        if error_rows:
            return CANNOT, _(
                "No row can be imported: every row is wrong or changes nothing. "
                "Fix the rows listed below and upload the file again."
            )
        return CANNOT, _(
            "Nothing in this file would change: every member in it is already registered."
        )
    if error_rows:
        return READY_WITH_ERRORS, ngettext(
            "%(count)d row is wrong: it is left out if you import only the valid rows.",
            "%(count)d rows are wrong: they are left out if you import only the valid rows.",
            error_rows,
        ) % {"count": error_rows}
    return READY, ""


def verdict_label(verdict) -> str:
    return {
        READY: _("Ready to import"),
        READY_WITH_ERRORS: _("Ready with errors: only the valid rows can be imported"),
        CANNOT: _("Cannot be imported"),
    }[verdict]


def _shown(value):
    if value is None:
        return ""
    return values.text(value)[:100]
