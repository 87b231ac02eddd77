"""Nic keys fold case after the confusables skeleton as well as before (comments/nics.py, `nic_key`), so "0ld Salt"
(the digit zero, whose prototype is a capital O) is "Old Salt": every commenter re-keyed, and any two nics that now
share a key reported, neither renamed (comments/rekeying.py)."""

from django.db import migrations


def rekey(apps, schema_editor):
    from comments.rekeying import rekey

    rekey(apps.get_model("comments", "Commenter"), report=print)


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0019_nic_keys_fold_i_and_l"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
