"""Health checks for load balancers and monitoring."""

from __future__ import annotations

import secrets

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache


def livez(request):
    """The process is alive and answering: the whole middleware stack, no template, no query (also the
    benchmark's trivial view)."""
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
def healthz(request):
    """Whether this server can do its work: 503 when it cannot reach its database (take it out of the pool), 200
    otherwise. A cache that is away is reported but is not a failure: every server shares it, and each can go on
    serving pages from the database without it (docs/reliability.md)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except DatabaseError:
        database = "unreachable"
    probe = secrets.token_hex(8)
    cache.set("healthz:probe", probe, 30)
    shared_cache = "ok" if cache.get("healthz:probe") == probe else "unreachable"
    body = f"database: {database}\ncache: {shared_cache}\n"
    return HttpResponse(body, content_type="text/plain", status=200 if database == "ok" else 503)
