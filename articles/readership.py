"""How many readers opened each story: counted on every answer to a story page, cache hits and 304s included.

A view costs a served page next to nothing: it is added to a tally in the process's memory, and a thread in each
process hands the tally to `articles.services.record_views` every VIEW_FLUSH_SECONDS (one transaction for the batch;
the story's own page shows the new figure within that time, the lists when their copies expire). Not counted:

- robots and programs: no User-Agent, or one that names itself a robot, crawler, fetcher or library; prefetches;
- editors (logged-in staff), whose reads are work, not readership;
- the same browser opening the same story again within VIEW_REPEAT_SECONDS: the stories it was counted for are
  kept in its `rb_seen` cookie (story ids and when each was counted; a browser that refuses cookies is counted on
  every load).

A process that dies loses the views it had not yet handed over (at most VIEW_FLUSH_SECONDS' worth); a database that
is away keeps them in memory until it is back (docs/decisions.md).
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import DatabaseError, InterfaceError, connection

from . import services

logger = logging.getLogger(__name__)

COOKIE = "rb_seen"
REMEMBERED = 30  # stories in the cookie: the newest ones a browser was counted for
# Most robots say so in their User-Agent; the rest here are tools and libraries that fetch pages for programs.
# Matched against the lowercased agent: with re.IGNORECASE, `re` tries every word at every character of it, which
# made this check a large part of what a cached story page costs (docs/benchmarks.md).
ROBOT = re.compile(
    r"bot|crawl|spider|slurp|archiv|fetch|scrap|monitor|preview|scan|checker|validator|feed|reader|lighthouse"
    r"|headless|phantom|curl|wget|httpie|python|java/|go-http|okhttp|libwww|perl|ruby|php|node-fetch|axios|wrk"
)
# While the database is away the tally grows; past this many stories, views of stories not yet in it are dropped.
MAX_WAITING = 50_000

_tally: Counter[int] = Counter()
_lock = threading.Lock()
_flusher: threading.Thread | None = None


def story_served(request, response, *, pk, **url_kwargs) -> None:
    """A story page was answered (rendered, from the cache, or 304): count the view unless it is a repeat, a robot's
    or an editor's, and remember it in the browser. Called by the page cache for every answer to the page."""
    if request.method != "GET" or response.status_code not in (200, 304):
        return
    agent = request.META.get("HTTP_USER_AGENT", "")
    if not agent or ROBOT.search(agent.lower()) or _prefetch(request):
        return
    user = getattr(request, "user", None)
    if user is not None and user.is_staff:
        return
    story, now = str(pk), int(time.time())
    seen = _seen(request.COOKIES.get(COOKIE, ""), now)
    if story in seen:
        return
    count(int(pk))
    remembered = [(story, now), *seen.items()][:REMEMBERED]
    response.set_cookie(
        COOKIE,
        ".".join(f"{seen_story}-{when}" for seen_story, when in remembered),
        max_age=settings.VIEW_REPEAT_SECONDS,
        secure=settings.CSRF_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _seen(cookie: str, now: int) -> dict[str, int]:
    """{story: when it was counted} for the stories in the cookie counted less than VIEW_REPEAT_SECONDS ago, newest
    first. Each story keeps its own time: the cookie is set again with every story counted, and its life alone would
    keep every story in it for as long as the browser goes on reading."""
    seen = {}
    for item in cookie.split("."):
        story, _, when = item.partition("-")
        readable = story.isascii() and story.isdigit() and when.isascii() and when.isdigit() and len(item) < 40
        if readable and now - int(when) < settings.VIEW_REPEAT_SECONDS:
            seen.setdefault(story, int(when))
    return seen


def _prefetch(request) -> bool:
    purpose = request.META.get("HTTP_SEC_PURPOSE") or request.META.get("HTTP_PURPOSE") or ""
    return "prefetch" in purpose or "prerender" in purpose


def count(pk: int) -> None:
    with _lock:
        if len(_tally) < MAX_WAITING or pk in _tally:
            _tally[pk] += 1
    _start_flusher()


def flush() -> int:
    """Hand the views counted so far to the database; returns how many stories had views. On a database error they
    are kept for the next try."""
    with _lock:
        batch = dict(_tally)
        _tally.clear()
    if not batch:
        return 0
    try:
        services.record_views(batch)
    except (DatabaseError, InterfaceError):
        logger.warning("views of %d stories wait for the database", len(batch))
        with _lock:
            _tally.update(batch)
        return 0
    return len(batch)


def discard() -> None:
    """Forget the views not yet handed to the database (a test's fresh start)."""
    with _lock:
        _tally.clear()


def _start_flusher() -> None:
    global _flusher
    if _flusher is not None or settings.VIEW_FLUSH_SECONDS <= 0:
        return
    with _lock:
        if _flusher is not None:
            return
        _flusher = threading.Thread(target=_flush_every, name="rantboard-views", daemon=True)
        _flusher.start()
    atexit.register(_flush_and_close)


def _flush_every() -> None:
    global _flusher
    while True:
        time.sleep(max(settings.VIEW_FLUSH_SECONDS, 0.01))
        if settings.VIEW_FLUSH_SECONDS <= 0:  # the setting was turned off (a test): stop, and start again if it is on
            break
        _flush_and_close()
    with _lock:
        _flusher = None


def _flush_and_close() -> None:
    try:
        flush()
    except Exception:  # a cache or anything else failing must not stop the counting for good
        logger.exception("views could not be recorded")
    finally:
        # The thread's own database connection, opened every VIEW_FLUSH_SECONDS rather than held between batches.
        connection.close()
