"""On PostgreSQL, the comments' search vector is stored in a generated column with its GIN index, instead of the
index over the expression: the newest hits are found by walking the comments' time index and testing each comment,
and with only the expression PostgreSQL made the vector of every comment it tested again, most of the search's time
(docs/decisions.md). A generated column is kept by PostgreSQL itself, on every insert and update, so no write path
needs to know of it; Django's model state does not either (it exists on one database only). Adding it rewrites the
comments table once (docs/deployment.md says how long)."""

from django.db import migrations

COLUMN = (
    "ALTER TABLE comments_comment ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english'::regconfig, COALESCE(nic, '') || ' ' || COALESCE(body, ''))) STORED"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(COLUMN)
    schema_editor.execute("CREATE INDEX search_comment_vector_gin ON comments_comment USING gin (search_vector)")
    schema_editor.execute('DROP INDEX IF EXISTS "search_comment_gin"')
    # Without statistics on the new column the planner guesses its selectivity, and guessed a far slower plan.
    schema_editor.execute("ANALYZE comments_comment")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE comments_comment DROP COLUMN IF EXISTS search_vector")
    from django.contrib.postgres.indexes import GinIndex

    from search.queries import comment_vector

    schema_editor.add_index(apps.get_model("comments", "Comment"), GinIndex(comment_vector(), name="search_comment_gin"))


class Migration(migrations.Migration):
    dependencies = [("search", "0001_postgresql_indexes"), ("comments", "0018_editors_see_revisions")]

    operations = [migrations.RunPython(forwards, backwards)]
