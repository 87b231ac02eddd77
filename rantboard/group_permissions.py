"""Granting permissions to the Editors group from data migrations (each app's migrations add what it needs).

Permissions are normally created after all migrations have run; these helpers create them first.
"""

from django.contrib.auth.management import create_permissions

EDITORS = "Editors"


def _ensure_permissions(apps) -> None:
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None


def grant(apps, codenames_by_app: dict[str, list[str]], group_name: str = EDITORS) -> None:
    _ensure_permissions(apps)
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=group_name)
    permission_model = apps.get_model("auth", "Permission")
    for app_label, codenames in codenames_by_app.items():
        permissions = permission_model.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions not found for the {group_name} group: {sorted(missing)}")
        group.permissions.add(*permissions)


def revoke(apps, codenames_by_app: dict[str, list[str]], group_name: str = EDITORS) -> None:
    group = apps.get_model("auth", "Group").objects.filter(name=group_name).first()
    if group is None:
        return
    permission_model = apps.get_model("auth", "Permission")
    for app_label, codenames in codenames_by_app.items():
        group.permissions.remove(
            *permission_model.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
