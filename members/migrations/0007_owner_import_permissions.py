from django.db import migrations


def grant_owner_permissions(apps, schema_editor):
    # The import/export permissions are new: give them to the Owner group.
    from config.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("members", "0006_imports_and_merges")]

    operations = [migrations.RunPython(grant_owner_permissions, migrations.RunPython.noop)]
