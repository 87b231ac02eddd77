"""Nics keyed by their UTS #39 confusables skeleton (comments/nics.py): every commenter re-keyed, look-alikes reported."""

from django.db import migrations, models


def rekey(apps, schema_editor):
    from comments.rekeying import rekey

    rekey(apps.get_model("comments", "Commenter"), report=print)


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0010_drop_latest_html"),
    ]

    operations = [
        migrations.AlterField(
            model_name="commenter",
            name="key",
            field=models.CharField(
                help_text="What the nic looks like, for comparison: nics a reader cannot tell apart share it.",
                max_length=255,
                unique=True,
            ),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
