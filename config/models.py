"""No models. The module exists so Django sends this app post_migrate, which
config.signals.resync_roles needs to give the Owner group every new app's
permissions (and to restore the groups after a test flush)."""
