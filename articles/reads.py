"""The story page's, the front page's and posting's reads of stories, in plain SQL.

The story page is the board's busiest uncached page. Building its queries through the ORM (cloning querysets,
compiling SQL, the prefetch of its subjects) cost over a millisecond a request, more than the database itself took
to answer them; these fixed queries are written out once and their rows loaded into model instances with
`Model.from_db`, the ORM's own loading hook, after the same value converters the ORM applies. The SQL is plain
enough for SQLite and PostgreSQL alike but for one aggregate: the story's subjects come in its own row, as JSON.
"""

from __future__ import annotations

import functools
import json

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from rantboard import prepared

from .models import Article, Region, Subject

ARTICLE_FIELDS = frozenset({
    "id", "title", "slug", "source_url", "source_name", "body_html", "lead_note_html", "status", "published_at",
    "comments_closed", "comments_close_at", "comment_count", "last_comment_at", "last_comment_nic", "region_id",
    "posted_by_id",
})  # fmt: skip
POSTING_FIELDS = frozenset({
    "id", "title", "slug", "status", "published_at", "comments_closed", "comments_close_at", "last_comment_number",
})  # fmt: skip
MAX_ID = 2**63 - 1  # the largest BigAutoField
REGION_FIELDS = frozenset({"id", "name", "slug", "position"})
EDITOR_FIELDS = frozenset({"id", "username", "first_name", "last_name"})


@functools.cache
def _stories_sql(vendor: str) -> str:
    """Stories with their region, editor and subjects, one row each; the caller adds the WHERE clause."""
    # Table and column names come from the models, quoted; every value is a parameter.
    editor = get_user_model()
    filed = f"{prepared.table(Subject)} s JOIN {prepared.table(Article.subjects.through)} x ON x.subject_id = s.id"
    # A story's subjects come in its own row, as a JSON list of [id, name, slug] in name order.
    if vendor == "postgresql":
        subjects = f"SELECT json_agg(json_build_array(s.id, s.name, s.slug) ORDER BY s.name) FROM {filed}"  # noqa: S608
        subjects += " WHERE x.article_id = a.id"
    else:  # SQLite's json_group_array keeps the order of an ordered subquery
        subjects = (
            "SELECT json_group_array(json_array(s.id, s.name, s.slug))"  # noqa: S608
            f" FROM (SELECT s.id, s.name, s.slug FROM {filed} WHERE x.article_id = a.id ORDER BY s.name) s"
        )
    return (
        f"SELECT {prepared.columns('a', Article, ARTICLE_FIELDS)}, {prepared.columns('r', Region, REGION_FIELDS)}"  # noqa: S608
        f", {prepared.columns('u', editor, EDITOR_FIELDS)}, ({subjects})"
        f" FROM {prepared.table(Article)} a JOIN {prepared.table(Region)} r ON r.id = a.region_id"
        f" JOIN {prepared.table(editor)} u ON u.id = a.posted_by_id"
    )


def _story(row, db, seen: dict | None = None) -> tuple[Article, list[Subject]]:
    """A story from its row, read on the connection `db` (the connection itself, not Django's per-thread proxy, which
    looks the connection up again at every use); `seen` shares one instance per region, editor and subject among a
    list's stories."""
    seen = {} if seen is None else seen
    split, after = len(ARTICLE_FIELDS), len(ARTICLE_FIELDS) + len(REGION_FIELDS)
    article = prepared.load(Article, ARTICLE_FIELDS, row[:split], db)
    region_key, editor_key = ("region", article.region_id), ("editor", article.posted_by_id)
    if region_key not in seen:
        seen[region_key] = prepared.load(Region, REGION_FIELDS, row[split:after], db)
    if editor_key not in seen:
        seen[editor_key] = prepared.load(get_user_model(), EDITOR_FIELDS, row[after:-1], db)
    article.region, article.posted_by = seen[region_key], seen[editor_key]
    found = row[-1] or []  # PostgreSQL's driver parses JSON itself; SQLite's hands back the text
    if isinstance(found, str):
        found = json.loads(found)
    subjects = []
    for values in found:
        key = ("subject", values[0])
        if key not in seen:
            seen[key] = Subject.from_db(db.alias, ("id", "name", "slug"), values)
        subjects.append(seen[key])
    return article, subjects


def story_for_page(pk: int, *, drafts: bool = False) -> tuple[Article, list[Subject]] | None:
    """The story with its region and editor loaded, and its subjects by name; None when readers may not see it
    (`drafts`: editors may, to preview it)."""
    if not 0 < pk <= MAX_ID:
        return None  # no such row; the database would refuse the number
    with connection.cursor() as cursor:
        db = cursor.db
        sql = _stories_sql(db.vendor) + " WHERE a.id = %s"
        prepared.execute(cursor, "rantboard_story", sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    article, subjects = _story(row, db)
    if not drafts and not article.is_published:
        return None
    return article, subjects


def stories_of_day(start, end) -> list[tuple[Article, list[Subject]]]:
    """The published stories of a day (from `start` to `end`, and not later than now), by region (in the regions'
    order) and newest first, each with its subjects: the front page's and the day pages' one read of stories."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    bounds = [connection.ops.adapt_datetimefield_value(value) for value in (start, end)]
    sql = (
        _stories_sql(connection.vendor) + " WHERE a.status = %s AND a.published_at >= %s AND a.published_at < %s"
        " AND a.published_at <= %s ORDER BY r.position, r.name, a.published_at DESC"
    )
    with connection.cursor() as cursor:
        prepared.execute(cursor, "rantboard_day", sql, [Article.Status.PUBLISHED, *bounds, now])
        seen = {}
        return [_story(row, cursor.db, seen) for row in cursor.fetchall()]


def story_for_posting(pk: int, *, published: bool = False, lock: bool = False) -> Article | None:
    """The columns posting a comment reads (whether it is open, its count, what a comment row links to), or None.

    `published`: only a story readers can see. `lock`: the row is locked until the transaction ends, so posts to one
    story queue on it and their numbers stay unique and gapless. Plain SQL like the story page's reads: every post
    makes both reads, and the ORM took longer to build each than the database took to answer it."""
    if not 0 < pk <= MAX_ID:
        return None
    sql = f"SELECT {prepared.columns('a', Article, POSTING_FIELDS)} FROM {prepared.table(Article)} a WHERE a.id = %s"  # noqa: S608
    params = [pk]
    if published:
        sql += " AND a.status = %s AND a.published_at <= %s"
        params += [Article.Status.PUBLISHED, connection.ops.adapt_datetimefield_value(timezone.now())]
    with connection.cursor() as cursor:
        db = cursor.db
        if lock:
            sql += prepared.for_update(db)
        prepared.execute(cursor, f"rantboard_posting_story_{published:d}{lock:d}", sql, params)
        row = cursor.fetchone()
    return None if row is None else prepared.load(Article, POSTING_FIELDS, row, db)
