from django.apps import apps as global_apps

from config.roles import sync_roles
from config.rules_version import install_triggers


def resync_roles(sender, **kwargs):
    # Wiring, not business: new models bring new permissions for the Owner
    # group, and a test flush wipes the groups a migration made.
    if sender.name == "config":
        sync_roles()


def install_rules_triggers(sender, *, using, apps=global_apps, **kwargs):
    # After every migrate and flush (which sends no `apps`): a table rebuilt
    # by a migration (SQLite) loses its triggers, and a flush empties RulesVersion.
    if sender.name == "config":
        install_triggers(apps, using=using)
