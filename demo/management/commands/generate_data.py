import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from demo.synthetic.generator import generate_shop


class Command(BaseCommand):
    help = (
        "Fill an empty database with a synthetic shop for benchmarks: tiers, rules, "
        "members, sales and a consistent points ledger. Deterministic for a seed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, required=True)
        parser.add_argument("--years", type=float, default=3, help="years of history (3)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--end",
            type=date.fromisoformat,
            default=None,
            help="history ends the day before this date (default: the shop's today)",
        )
        parser.add_argument("--chunk", type=int, default=10_000, help="members per transaction")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="first delete every member, sale and ledger entry in the database",
        )

    def handle(self, *args, members, years, seed, end, chunk, replace, **options):
        if members < 1 or years <= 0:
            raise CommandError("--members and --years must be positive.")
        started = time.monotonic()

        def progress(counts, note=""):
            elapsed = time.monotonic() - started
            self.stdout.write(
                f"  {counts.members:>9,} members {counts.purchases:>11,} sales "
                f"{counts.ledger_entries:>11,} ledger entries  {elapsed:6.0f} s {note}"
            )

        try:
            counts = generate_shop(
                members=members,
                years=years,
                seed=seed,
                end=end,
                chunk=chunk,
                replace=replace,
                progress=progress if options["verbosity"] > 1 or members > chunk else None,
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Generated {counts.members:,} members, {counts.purchases:,} sales, "
            f"{counts.reward_redemptions:,} reward redemptions, "
            f"{counts.ledger_entries:,} ledger entries, {counts.lot_draws:,} lot draws "
            f"on {connection.vendor} in {elapsed:.0f} s."
        )
