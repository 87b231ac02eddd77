"""Give the Editors group what it needs for comments and the picture library."""

from django.db import migrations

from rantboard import group_permissions

EDITOR_PERMISSIONS = {
    "comments": ["view_comment", "change_comment", "view_commenter"],
    "articles": ["add_picture", "change_picture", "view_picture", "delete_picture"],
}


def add_permissions(apps, schema_editor):
    group_permissions.grant(apps, EDITOR_PERMISSIONS)


def remove_permissions(apps, schema_editor):
    group_permissions.revoke(apps, EDITOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0001_initial"),
        ("articles", "0003_comment_figures_and_pictures"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
