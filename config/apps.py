from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ConfigConfig(AppConfig):
    name = "config"
    verbose_name = _("Loyalty Desk")

    def ready(self):
        from config.signals import install_rules_triggers, resync_roles

        post_migrate.connect(resync_roles, sender=self)
        post_migrate.connect(install_rules_triggers, sender=self)
