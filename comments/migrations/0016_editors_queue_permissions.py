"""Give the Editors group the moderation queue: seeing flagged comments and acting on them, and reading flags."""

from django.db import migrations

from rantboard import group_permissions

EDITOR_PERMISSIONS = ["view_flaggedcomment", "change_flaggedcomment", "view_flag"]


def add_permissions(apps, schema_editor):
    group_permissions.grant(apps, {"comments": EDITOR_PERMISSIONS})


def remove_permissions(apps, schema_editor):
    group_permissions.revoke(apps, {"comments": EDITOR_PERMISSIONS})


class Migration(migrations.Migration):
    dependencies = [("comments", "0015_reader_flags")]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
