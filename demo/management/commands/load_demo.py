from django.core.management.base import BaseCommand

from demo.shop import load_demo_shop
from members.models import Member
from portal.links import link_url


class Command(BaseCommand):
    help = "Load a demo shop (tiers, users owner and staff, members). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=300)

    def handle(self, *args, members, **options):
        result = load_demo_shop(members=members)
        self.stdout.write(f"Demo shop ready: {result['members_created']} members added.")
        for username, (password, role) in result["users"].items():
            self.stdout.write(f"  log in as {username!r} ({role}) with password {password!r}")
        member = Member.objects.filter(tier__rank__gt=1).order_by("-points_balance").first()
        if member is not None:
            self.stdout.write(f"  a member's own page ({member.name}): {link_url(member)}")
