"""Health checks for load balancers and monitoring, and what readers get while the database is away."""

from __future__ import annotations

import logging
import secrets

from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


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
    except (DatabaseError, InterfaceError):
        database = "unreachable"
    probe = secrets.token_hex(8)
    cache.set("healthz:probe", probe, 30)
    shared_cache = "ok" if cache.get("healthz:probe") == probe else "unreachable"
    body = f"database: {database}\ncache: {shared_cache}\n"
    return HttpResponse(body, content_type="text/plain", status=200 if database == "ok" else 503)


class HealthzMiddleware:
    """Answers /healthz before anything reads the Host header or redirects to HTTPS: a load balancer probes each
    app server by its own address over plain HTTP, which the board's host check and HTTPS redirect would answer
    with a 400 or a 301 whether the database was up or not. (/livez, the benchmark's trivial view, goes through the
    whole stack on purpose.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)


RETRY_AFTER_SECONDS = 30


class DatabaseOutageMiddleware:
    """A page that needs the database while it cannot be reached answers 503 with Retry-After and says so, from a
    template that needs neither the database nor the cache, instead of the generic 500. (Cached pages have a saved
    copy to give first: rantboard/pagecache.py; a post gets its text back: comments/views.py.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        # Only the errors of a database that is away: an IntegrityError is a bug, and stays a 500.
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unreachable for %s %s: %s", request.method, request.path, exception)
        response = render(request, "503.html", {"retry_after": RETRY_AFTER_SECONDS}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
