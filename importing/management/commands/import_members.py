"""Import members from a CSV or XLSX file (the same rules as the Import page).

  python manage.py import_members FILE [--encoding auto|utf-8|gb18030|big5|big5hkscs]
                                       [--dry-run] [--update-existing] [--minguo]
                                       [--valid-rows-only]

Prints created / updated / unchanged / skipped / errors and exits non-zero
when the file cannot be imported (the preview page's verdict, with the
reason), or when any row is in error and nothing was applied.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from importing.files import import_members_file
from importing.reader import ENCODING_ALIASES, ENCODINGS
from importing.results import CANNOT


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--encoding", default="auto", choices=["auto", *ENCODINGS, *ENCODING_ALIASES]
        )
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--update-existing", action="store_true", help="update members matched by phone"
        )
        parser.add_argument("--minguo", action="store_true", help="dates use Minguo years")
        parser.add_argument(
            "--valid-rows-only", action="store_true", help="import the valid rows, skip the rest"
        )

    def handle(self, *args, file, encoding, dry_run, update_existing, minguo, valid_rows_only, **o):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        result = import_members_file(
            path,
            encoding=encoding,
            update_existing=update_existing,
            minguo_dates=minguo,
            valid_rows_only=valid_rows_only,
            dry_run=dry_run,
        )
        if result.file_error:
            raise CommandError(result.file_error, returncode=1)
        for error in result.errors:
            column = f" {error['column']}" if error["column"] else ""
            self.stderr.write(f"row {error['row']}{column} «{error['value']}»: {error['message']}")
        if result.error_count > len(result.errors):
            self.stderr.write(f"… and {result.error_count - len(result.errors)} more problems")
        state = "checked (dry run)" if dry_run else ("applied" if result.applied else "NOT applied")
        self.stdout.write(
            f"{path.name} read as {result.encoding or result.format}: {result.total} rows, "
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
            f"{result.skipped} skipped, {result.error_rows} with errors; {state}"
        )
        if result.verdict == CANNOT:
            # What the preview page says: a dry run and the real run agree.
            raise CommandError(f"Cannot be imported: {result.verdict_reason}", returncode=1)
        if result.error_rows and not result.applied:
            raise CommandError("Some rows are wrong; nothing was imported.", returncode=1)
