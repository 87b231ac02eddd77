"""Create the "Editors" group with exactly what an editor needs to post, annotate, publish and close stories."""

from django.db import migrations

from rantboard import group_permissions

EDITOR_PERMISSIONS = {
    "articles": [
        "add_article",
        "change_article",
        "view_article",
        "publish_article",
        "close_comments",
        "add_subject",
        "change_subject",
        "view_subject",
        "view_region",
        "change_editorprofile",
        "view_editorprofile",
    ],
}


def create_editors_group(apps, schema_editor):
    group_permissions.grant(apps, EDITOR_PERMISSIONS)


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=group_permissions.EDITORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
