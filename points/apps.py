from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def sync_owner_permissions(sender, **kwargs):
    # Wiring, not business: the Owner group needs the points permissions for
    # the admin. config's own resync never runs (Django sends post_migrate
    # only to apps with models), and members' roles migration runs before
    # points exists; this also restores the groups after a test flush.
    from config.roles import sync_roles

    sync_roles()


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("Points")

    def ready(self):
        post_migrate.connect(sync_owner_permissions, sender=self)
