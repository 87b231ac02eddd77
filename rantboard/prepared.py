"""The story page's fixed queries as PostgreSQL prepared statements, so the database plans each once per connection.

PostgreSQL spent longer planning the story page's queries (about 0.3 ms a page) than running them. A statement
prepared on a connection keeps its plan; the page's reads then send only `EXECUTE name(values)`. Each app server
process keeps its connection (CONN_MAX_AGE), so each statement is prepared once per process and connection.

A prepared statement can go bad under a running server: a migration that changes a column it returns ("cached plan
must not change result type"), or a pooler or script that drops the session's statements. Then it is dropped and
prepared afresh, once, and the read goes on. Inside a transaction the plain SQL is sent instead: a failed attempt
there would abort the caller's transaction.

Prepared statements belong to a database session: behind a pooler that hands a session's statements to other
clients (PgBouncer in transaction mode), set DATABASE_PREPARED_STATEMENTS=0 and the same SQL is sent as it is.
On SQLite (and with the setting off) the statement simply runs.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import DatabaseError, connection

# SQLSTATEs of a prepared statement that has gone bad: "feature not supported" (its result type changed under
# it) and "invalid SQL statement name" (it no longer exists).
STALE = {"0A000", "26000"}


def table(model) -> str:
    """A model's table name, quoted for the connection's database: for the plain SQL that runs through here."""
    return connection.ops.quote_name(model._meta.db_table)


def for_update(db) -> str:
    """What locks the rows a SELECT reads until the transaction ends, on the connection `db`: nothing on SQLite, which
    has no row locks (its writes queue on the file)."""
    return " FOR UPDATE" if db.features.has_select_for_update else ""


def columns(alias: str, model, names: frozenset[str]) -> str:
    """The columns of a model's fields `names`, in the order `load` takes them, quoted and prefixed with `alias`."""
    return ", ".join(
        f"{alias}.{connection.ops.quote_name(model._meta.get_field(name).column)}"
        for name in _in_model_order(model, names)
    )


def load(model, names: frozenset[str], values, db):
    """A model instance from the values of `columns(..., model, names)`, read on the connection `db`: the ORM's own
    loading hook (`Model.from_db`), after the value converters the ORM applies (SQLite's naive datetimes made aware,
    for one). `db` is the connection itself, not Django's per-thread proxy, which looks it up again at every use."""
    values = list(values)
    for position, converters, column in _converters(model, names, db.vendor):
        for convert in converters:
            values[position] = convert(values[position], column, db)
    return model.from_db(db.alias, _in_model_order(model, names), values)


@functools.cache
def _converters(model, names: frozenset[str], vendor: str) -> list[tuple[int, list, object]]:
    found = []
    for position, name in enumerate(_in_model_order(model, names)):
        column = model._meta.get_field(name).get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            found.append((position, converters, column))
    return found


@functools.cache
def _in_model_order(model, names: frozenset[str]) -> tuple[str, ...]:
    # Model.from_db takes a partial row in the order of the model's own fields.
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in names)


def execute(cursor, name: str, sql: str, params: list) -> None:
    """Run `sql` (with %s placeholders) with `params`, as the prepared statement `name` where that helps."""
    db = cursor.db  # the connection itself: each use of the `connection` proxy looks the thread's one up again
    if db.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS or db.in_atomic_block:
        # (In a transaction a failed EXECUTE would abort the caller's work, and a savepoint around each one would
        # cost more round trips than preparing saves: readers' pages are read outside any transaction.)
        cursor.execute(sql, params)
        return
    raw = db.connection
    state = getattr(db, "_rantboard_prepared", None)
    if state is None or state[0] is not raw:  # a new connection: nothing is prepared on it yet
        state = (raw, set())
        db._rantboard_prepared = state
    prepared = state[1]
    run = f"EXECUTE {name}({', '.join(['%s'] * len(params))})"
    if name in prepared:
        try:
            cursor.execute(run, params)
            return
        except DatabaseError as error:
            if getattr(error.__cause__, "pgcode", None) not in STALE:
                raise
        prepared.discard(name)
        cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [name])
        if cursor.fetchone():
            cursor.execute(f"DEALLOCATE PREPARE {name}")
    numbered = sql % tuple(f"${n}" for n in range(1, len(params) + 1))
    cursor.execute(f"PREPARE {name} AS {numbered}")
    prepared.add(name)
    cursor.execute(run, params)
