"""What an import is asked to do, and what it did (or would do)."""

from dataclasses import dataclass, field

from members import values
from members.columns import COLUMNS, column_label

# Rows listed in the preview; the counts cover them all.
MAX_ERRORS_KEPT = 500


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


@dataclass
class ImportResult:
    format: str = ""
    encoding: str = ""
    encoding_label: str = ""
    columns: dict = field(default_factory=dict)  # field label -> header in the file
    ignored: list = field(default_factory=list)
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
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.error_rows

    def add_error(self, row, field_name, value, message):
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            column = column_label(field_name) if field_name in COLUMNS else ""
            self.errors.append(
                {"row": row, "column": column, "value": _shown(value), "message": str(message)}
            )

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _shown(value):
    if value is None:
        return ""
    return values.text(value)[:100]
