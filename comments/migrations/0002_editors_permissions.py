"""Give the Editors group what it needs for comments and the picture library."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = {
    "comments": ["view_comment", "change_comment", "view_commenter"],
    "articles": ["add_picture", "change_picture", "view_picture", "delete_picture"],
}


def add_permissions(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editors")
    for app_label, codenames in EDITOR_PERMISSIONS.items():
        permissions = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions not found for the Editors group: {sorted(missing)}")
        group.permissions.add(*permissions)


def remove_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Editors").first()
    if group:
        for app_label, codenames in EDITOR_PERMISSIONS.items():
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0001_initial"),
        ("articles", "0003_comment_figures_and_pictures"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
