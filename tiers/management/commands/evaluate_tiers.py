from datetime import date

from django.core.management.base import BaseCommand, CommandError

from config.clock import shop_today
from tiers.services import CHUNK_SIZE, evaluate_tiers


class Command(BaseCommand):
    help = "Review every member's tier: upgrades, grace periods, downgrades after grace."

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", help="review at the start of this shop day, YYYY-MM-DD (default today)"
        )
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)

    def handle(self, *args, as_of=None, dry_run=False, chunk_size=CHUNK_SIZE, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else shop_today()
        except ValueError:
            raise CommandError(f"--as-of {as_of!r} is not a date like 2027-03-01") from None
        summary = evaluate_tiers(as_of=day, dry_run=dry_run, chunk_size=chunk_size).as_dict()
        prefix = "dry run, nothing changed: " if dry_run else ""
        self.stdout.write(
            f"{prefix}tier review as of {summary['as_of']}: {summary['members']} members, "
            f"{summary['upgraded']} upgraded, {summary['grace_started']} entered grace, "
            f"{summary['grace_cleared']} left grace, {summary['downgraded']} downgraded"
        )
