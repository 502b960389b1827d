from django.db import migrations


def grant_owner_permissions(apps, schema_editor):
    # The Owner group gets every points permission (the admin needs them);
    # the post_migrate resync does not reach apps migrated after members.
    from config.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0003_ledgerentry_campaign"),
        ("members", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant_owner_permissions, migrations.RunPython.noop)]
