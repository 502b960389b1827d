from django.core.management.base import BaseCommand, CommandError

from members.models import Member
from points.selectors import ledger_mismatches, lot_mismatches


class Command(BaseCommand):
    help = (
        "Check every member's cached points balance against the ledger sum and the "
        "lots' remainders (and every lot against its draws). Exits 1 listing mismatches."
    )

    def handle(self, *args, **options):
        members = list(ledger_mismatches())
        for member in members:
            self.stderr.write(
                f"member {member.member_number} (id {member.pk}): cached balance "
                f"{member.points_balance}, ledger sum {member.ledger_sum}, "
                f"lots remaining {member.lots_sum}"
            )
        lots = list(lot_mismatches())
        for lot in lots:
            self.stderr.write(
                f"lot {lot.pk} of member id {lot.member_id}: remaining {lot.remaining}, "
                f"draws say {lot.expected}"
            )
        if members or lots:
            raise CommandError(f"{len(members)} members and {len(lots)} lots do not add up.")
        self.stdout.write(f"Ledger OK: {Member.objects.count()} members checked.")
