"""Ship the 2022 and 2024 questionnaire editions as data (assessments/data/edition-*.json)."""

from django.db import migrations


def load(apps, schema_editor):
    from assessments.data.loader import shipped_editions_load

    shipped_editions_load(apps)


def unload(apps, schema_editor):
    from assessments.data.loader import shipped_editions_unload

    shipped_editions_unload(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
