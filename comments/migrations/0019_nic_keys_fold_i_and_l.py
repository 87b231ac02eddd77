"""Nic keys fold i and l into one letter (comments/nics.py, `_I_AND_L`): every commenter re-keyed, and any two nics
that now share a key reported, neither renamed (comments/rekeying.py)."""

from django.db import migrations


def rekey(apps, schema_editor):
    from comments.rekeying import rekey

    rekey(apps.get_model("comments", "Commenter"), report=print)


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0018_editors_see_revisions"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
