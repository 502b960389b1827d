from django.core.management.base import BaseCommand, CommandError

from members.models import Member
from members.selectors import sort_key_mismatches
from points.selectors import ledger_mismatches, lot_mismatches


class Command(BaseCommand):
    help = (
        "Check every member's cached points balance against the ledger sum and the "
        "lots' remainders (and every lot against its draws), and the member list's "
        "sort keys against the members. Exits 1 listing mismatches."
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
        unsorted = list(sort_key_mismatches().values_list("member_number", "pk"))
        for number, pk in unsorted:
            self.stderr.write(f"member {number} (id {pk}): sort keys differ from the member row")
        if members or lots or unsorted:
            raise CommandError(
                f"{len(members)} members and {len(lots)} lots do not add up; "
                f"{len(unsorted)} members' sort keys differ."
            )
        self.stdout.write(f"Ledger OK: {Member.objects.count()} members checked.")
