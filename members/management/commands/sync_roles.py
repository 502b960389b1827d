from django.core.management.base import BaseCommand

from config.roles import sync_roles


class Command(BaseCommand):
    help = "Create the Owner and Staff groups and give them their permissions."

    def handle(self, *args, **options):
        sync_roles()
        self.stdout.write("Roles synced.")
