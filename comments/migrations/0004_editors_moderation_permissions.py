"""Give the Editors group the moderation permissions: bans, releasing nics, and reading the audit trail."""

from django.db import migrations

from rantboard import group_permissions

EDITOR_PERMISSIONS = ["add_ban", "change_ban", "view_ban", "change_commenter", "view_moderationaction"]


def add_permissions(apps, schema_editor):
    group_permissions.grant(apps, {"comments": EDITOR_PERMISSIONS})


def remove_permissions(apps, schema_editor):
    group_permissions.revoke(apps, {"comments": EDITOR_PERMISSIONS})


class Migration(migrations.Migration):
    dependencies = [("comments", "0003_moderation")]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
