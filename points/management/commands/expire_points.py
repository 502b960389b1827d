from datetime import date

from django.core.management.base import BaseCommand, CommandError

from config.clock import shop_today
from points.expiry import expire_points


class Command(BaseCommand):
    help = (
        "Expire what is left of lots whose last day is before --as-of (default: the "
        "shop's today). Safe to run twice for the same day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="shop-local date, YYYY-MM-DD")

    def handle(self, *args, as_of=None, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else shop_today()
        except ValueError:
            raise CommandError(f"--as-of {as_of!r} is not a date like 2026-01-31.") from None
        expired = expire_points(as_of=day)
        self.stdout.write(f"Expired {expired} points as of {day.isoformat()}.")
