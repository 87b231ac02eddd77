"""Django's PostgreSQL backend with the per-request health check spaced out.

With CONN_HEALTH_CHECKS on, Django sends `SELECT 1` before the first query of every request that reuses a
connection: a round trip to the database on every page, about a twentieth of an uncached story page's cost. Here
the check is skipped while the connection passed one (or was opened) less than DATABASE_HEALTH_CHECK_DELAY seconds
ago, as PgBouncer skips its own for a connection used within `server_check_delay` (30 s by default). A database
restart takes longer than that delay, so after one every connection is checked and replaced before it is used;
only a connection cut and restored within the delay (a terminated session, a blip in the network) can still fail
one request per worker, and Django then replaces it at the end of that request. DATABASE_HEALTH_CHECK_DELAY=0 checks
every request, as Django does.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    checked_at = float("-inf")  # when this connection was opened or last passed a check (time.monotonic)

    def connect(self) -> None:
        super().connect()
        self.checked_at = time.monotonic()  # a new connection is healthy

    def close_if_health_check_failed(self) -> None:
        due = self.connection is not None and self.health_check_enabled and not self.health_check_done
        if due and time.monotonic() - self.checked_at < settings.DATABASE_HEALTH_CHECK_DELAY:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
        if due and self.connection is not None:  # checked, and it passed
            self.checked_at = time.monotonic()
