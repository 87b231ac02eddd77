"""The story page's fixed queries as PostgreSQL prepared statements, so the database plans each once per connection.

PostgreSQL spent longer planning the story page's queries (about 0.3 ms a page) than running them. A statement
prepared on a connection keeps its plan; the page's reads then send only `EXECUTE name(values)`. Each app server
process keeps its connection (CONN_MAX_AGE), so each statement is prepared once per process and connection.

Prepared statements belong to a database session: behind a pooler that hands a session's statements to other
clients (PgBouncer in transaction mode), set DATABASE_PREPARED_STATEMENTS=0 and the same SQL is sent as it is.
On SQLite (and with the setting off) the statement simply runs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection


def execute(cursor, name: str, sql: str, params: list) -> None:
    """Run `sql` (with %s placeholders) with `params`, as the prepared statement `name` where that helps."""
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    raw = connection.connection
    state = getattr(connection, "_rantboard_prepared", None)
    if state is None or state[0] is not raw:  # a new connection: nothing is prepared on it yet
        state = (raw, set())
        connection._rantboard_prepared = state
    if name not in state[1]:
        numbered = sql % tuple(f"${n}" for n in range(1, len(params) + 1))
        cursor.execute(f"PREPARE {name} AS {numbered}")
        state[1].add(name)
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
