"""Member import: read a customer file, preview it, then apply it.

`import_members_file(path, ...)` is the one call for scripts, the command
and benchmarks; pages and tasks go through importing.services.
"""

from pathlib import Path

from importing.engine import ImportOptions, ImportResult, run_import


def import_members_file(
    path,
    *,
    encoding="auto",
    update_existing=False,
    minguo_dates=False,
    date_order=None,
    valid_rows_only=False,
    dry_run=False,
    by=None,
    progress=None,
) -> ImportResult:
    """Import the CSV or XLSX file at `path` (or preview it with dry_run)."""
    options = ImportOptions(
        encoding=encoding,
        update_existing=update_existing,
        minguo_dates=minguo_dates,
        date_order=date_order,
        valid_rows_only=valid_rows_only,
    )
    with open(path, "rb") as fileobj:
        return run_import(
            fileobj,
            options=options,
            apply=not dry_run,
            by=by,
            progress=progress,
            name=Path(path).name,
        )
