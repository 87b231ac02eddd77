"""On PostgreSQL, the search indexes take each entry when its row is written (`fastupdate = off`), instead of keeping
new entries in a pending list that every search reads until a vacuum merges it. Each comment posted writes a new
version of its story's row too, so between vacuums thousands of stories' entries waited there, and searches slowed
by a third; writing the entries at once cost a post nothing measurable (docs/decisions.md)."""

from django.db import migrations

INDEXES = ("search_story_gin", "search_comment_vector_gin")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'ALTER INDEX "{name}" SET (fastupdate = off)')
        # What already waits is merged now; with the option off nothing is added to it again.
        schema_editor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'ALTER INDEX "{name}" RESET (fastupdate)')


class Migration(migrations.Migration):
    dependencies = [("search", "0002_stored_comment_vector")]

    operations = [migrations.RunPython(forwards, backwards)]
