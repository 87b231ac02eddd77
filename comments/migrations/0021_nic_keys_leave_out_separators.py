"""Nic keys leave out separators (comments/nics.py, `nic_key`), so "Pelagic_Pete", "Pelagic-Pete" and "Pelagic Pete."
are "Pelagic Pete": every commenter re-keyed, and any two nics that now share a key reported, neither renamed
(comments/rekeying.py)."""

from django.db import migrations


def rekey(apps, schema_editor):
    from comments.rekeying import rekey

    rekey(apps.get_model("comments", "Commenter"), report=print)


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0020_nic_keys_fold_case_after_the_skeleton"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
