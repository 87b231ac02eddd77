"""On PostgreSQL, GIN indexes over the very expressions search/queries.py searches (to_tsvector of the stories' title,
lead note and body, and of the comments' nic and text). SQLite's full-text tables are made by search.sqlite.install
after every migrate instead. Django's model state does not know these indexes, on purpose: they exist on one
database only."""

from django.db import migrations

INDEXES = {("articles", "Article"): "search_story_gin", ("comments", "Comment"): "search_comment_gin"}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.contrib.postgres.indexes import GinIndex

    from search.queries import comment_vector, story_vector

    vectors = {"search_story_gin": story_vector(), "search_comment_gin": comment_vector()}
    for (app, model), name in INDEXES.items():
        schema_editor.add_index(apps.get_model(app, model), GinIndex(vectors[name], name=name))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES.values():
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_close_at_help_in_words"), ("comments", "0018_editors_see_revisions")]

    operations = [migrations.RunPython(create, drop)]
