from config.roles import sync_roles


def resync_roles(sender, **kwargs):
    # Wiring, not business: new models bring new permissions for the Owner
    # group, and a test flush wipes the groups a migration made.
    if sender.name == "config":
        sync_roles()
