"""On PostgreSQL, the stories' search vector is stored in a generated column with its GIN index, as the comments' is
(0002), instead of the index over the expression: "most relevant first" ranks the newest matches, and with only the
expression PostgreSQL made the vector of every story it ranked or tested again (1.7 s to find the newest 5,000 stories
with a common word on the benchmark's board, 14 ms with the column). Adding it rewrites the stories table once
(docs/deployment.md)."""

from django.db import migrations

COLUMN = (
    "ALTER TABLE articles_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(lead_note, '') || ' ' || "
    "COALESCE(body, ''))) STORED"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(COLUMN)
    schema_editor.execute(
        "CREATE INDEX search_story_vector_gin ON articles_article USING gin (search_vector) WITH (fastupdate = off)"
    )
    schema_editor.execute('DROP INDEX IF EXISTS "search_story_gin"')
    # Without statistics on the new column the planner guesses its selectivity (as it did for the comments').
    schema_editor.execute("ANALYZE articles_article")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE articles_article DROP COLUMN IF EXISTS search_vector")
    from django.contrib.postgres.indexes import GinIndex

    from search.queries import story_vector

    schema_editor.add_index(apps.get_model("articles", "Article"), GinIndex(story_vector(), name="search_story_gin"))
    schema_editor.execute('ALTER INDEX "search_story_gin" SET (fastupdate = off)')


class Migration(migrations.Migration):
    dependencies = [("search", "0003_no_pending_lists"), ("articles", "0008_closing_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
