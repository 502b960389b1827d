"""RulesVersion: the token database triggers change with the owner's rules
(config/rules_version.py). The triggers themselves are installed after every
migrate (config.signals); unapplying this migration drops them first."""

from django.db import migrations, models


def drop_triggers(apps, schema_editor):
    from config.rules_version import uninstall_triggers

    uninstall_triggers(schema_editor)


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="RulesVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=36)),
            ],
            options={
                "default_permissions": (),
            },
        ),
        # Reversed first: the triggers go before their table does.
        migrations.RunPython(migrations.RunPython.noop, drop_triggers, elidable=False),
    ]
