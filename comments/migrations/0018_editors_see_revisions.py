"""Give the Editors group the texts comments had before their authors edited them."""

from django.db import migrations

from rantboard import group_permissions

EDITOR_PERMISSIONS = ["view_commentrevision"]


def add_permissions(apps, schema_editor):
    group_permissions.grant(apps, {"comments": EDITOR_PERMISSIONS})


def remove_permissions(apps, schema_editor):
    group_permissions.revoke(apps, {"comments": EDITOR_PERMISSIONS})


class Migration(migrations.Migration):
    dependencies = [("comments", "0017_author_edits")]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
