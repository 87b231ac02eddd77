"""Search on SQLite: FTS5 tables over the stories' and comments' own columns (external content), kept in step by
triggers on those tables, so that every write, single or in bulk, is searchable at once."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, QuerySet

from . import queries

TOKENIZE = "porter unicode61 remove_diacritics 2"  # English stems, any script, accents ignored (as PostgreSQL's)

TABLES = {
    # FTS table: (content table, columns)
    "search_story": ("articles_article", ("title", "lead_note", "body")),
    "search_comment": ("comments_comment", ("nic", "body")),
}


def _statements(fts: str, table: str, columns: tuple[str, ...]) -> list[str]:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
    ]


def install(sender=None, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        existing = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}
        for fts, (table, columns) in TABLES.items():
            if table not in existing:
                return  # the apps' own tables are not made yet (an early post_migrate)
            made = fts not in existing
            if made:
                cursor.execute(
                    f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(columns)}, content='{table}', "
                    f"content_rowid='id', tokenize='{TOKENIZE}')"
                )
            for statement in _statements(fts, table, columns):
                cursor.execute(statement)
            if made:
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # rows written before it existed


def matching(kind: str, query: str, among: QuerySet, *, limit: int, order: str = "new") -> list[tuple[int, float]]:
    """(row id, rank: lower is better) of the rows of `among` (what readers may see, in a region) whose text matches
    an FTS5 query: the newest `limit` in posting order (rank 0, as on PostgreSQL; the caller orders them by date), or
    the best `limit` among the newest RELEVANCE_WINDOW of them (ranking every match of a common word would read the
    whole index).

    `among` is joined with the match in SQL, so that hidden rows and other regions never take a place in the limit.
    Newest first walks the match backwards in rowid order (posting order), which FTS5 does without reading the rest,
    and stops at the limit: ordering by the date column instead reads every match of a common word first.
    """
    fts = TABLES_BY_KIND[kind]
    rows = among.order_by().values(row_id=F("pk"))
    rows_sql, rows_params = rows.query.sql_with_params()
    joined = f"FROM {fts} JOIN ({rows_sql}) AS readable ON readable.row_id = {fts}.rowid WHERE {fts} MATCH %s"
    params = [*rows_params, query]
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        if order != "relevant":
            cursor.execute(f"SELECT readable.row_id, 0.0 {joined} ORDER BY {fts}.rowid DESC LIMIT %s", [*params, limit])
            return cursor.fetchall()
        cursor.execute(
            f"SELECT min(row_id) FROM (SELECT readable.row_id {joined} ORDER BY {fts}.rowid DESC LIMIT %s)",
            [*params, queries.RELEVANCE_WINDOW],
        )
        oldest = cursor.fetchone()[0] or 0
        cursor.execute(
            f"SELECT readable.row_id, bm25({fts}) {joined} AND {fts}.rowid >= %s ORDER BY 2 LIMIT %s",
            [*params, oldest, limit],
        )
        return cursor.fetchall()


def snippets(kind: str, query: str, ids: list[int]) -> dict[int, str]:
    """The matching words in context, marked with \\x01 ... \\x02 (escaped and turned into <mark> by the caller)."""
    if not ids:
        return {}
    fts = TABLES_BY_KIND[kind]
    marks = ", ".join("%s" for _ in ids)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, snippet({fts}, -1, char(1), char(2), '…', 24) FROM {fts} "
            f"WHERE {fts} MATCH %s AND rowid IN ({marks})",
            [query, *ids],
        )
        return dict(cursor.fetchall())


TABLES_BY_KIND = {"story": "search_story", "comment": "search_comment"}
