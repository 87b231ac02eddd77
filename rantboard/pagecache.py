"""Whole-page caching for anonymous readers, right across app servers, with per-visitor slots and ETags.

The apps use it through these names, and nothing else (`PageCacheMiddleware` is in MIDDLEWARE):

- `cached_page`: a view decorator; the page is kept for anonymous readers (`story_kwarg` names a story page's id,
  `query` the query parameters the page reads). A page is kept under its one address only: any other spelling of
  it, a query parameter it does not read, or a value spelled otherwise than its one spelling, answers 301 to that
  address.
- `register_query_parameter(name, canonical, in_slot=...)`: a query parameter's one spelling (`?page=+2` is
  `?page=2`; `?page=01` is the first page, whose address has no `page` at all), and whether only a slot reads it,
  so that the stored page answers it; registered by the app that reads the parameter.
- `slot(name, arg)`: a marker a template puts where a visitor's own value goes (the CSRF token, the nic, the
  greeting, the form's stamp) or a part shared by many pages (the latest comments); `caching(request)` says
  whether the page being rendered will be cached, so whether to emit markers instead of values.
- `register_slot(name, fill, cookies=...)` / `register_shared_slot(name, render)`: how a slot is filled (and which
  cookies it reads), registered by the app that owns the value from its `AppConfig.ready()`;
  `shared_fragment(request, name)` is a shared slot's HTML, for a page that is not being cached (it is kept all the
  same: it is the same for every page until the next change).
- `remember(key, compute)`: a value derived from stories and what files them (not from comments), such as a story
  read with its region, editor and subjects; kept until the next such change, like the pages that show it.
- `changed(stories=...)`: the one way to say that something readers see has changed; `forget(*keys)`, that a write
  no page shows made derived values stale. Only the write functions (`articles.services`, `comments.services`,
  `comments.moderation`, `comments.defences` for staff names) call them.

How it stays right: versions live in the shared cache (Redis with REDIS_URL, a file cache on one machine). A page
is stored under the versions of what it shows: a story page under the structure version and its story's version,
every other page under the site version, which every change moves. A comment moves its story's version and the site
version, so other stories' pages stay cached; the one part of them a comment changes, the latest-comments sidebar, is
a shared slot rendered once per site version. Entries also expire after PAGE_CACHE_SECONDS, which bounds how late a
scheduled story appears or an automatic closing shows. Each process takes the versions it read in the last
PAGE_CACHE_VERSIONS_SECONDS as current (other readers see a change that much later; its author at once).

A stored page is a list of parts cut at the slot markers; a hit fills the slots by joining strings (no template, no
database) and sends the page compressed without compressing anything per request (`rantboard.deflate`). An ETag
made of the site version, the path and query, and the visitor's own cookies answers repeat visits with 304. Each
process also keeps the last few pages it served in memory, under the same versioned keys, so a hit reads only the
versions from the shared cache, and those at most every PAGE_CACHE_VERSIONS_SECONDS.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import pickle
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from urllib.parse import unquote, urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, transaction
from django.http import HttpResponse, HttpResponseNotModified, HttpResponsePermanentRedirect
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse

from . import deflate

SITE_VERSION = "pagecache:site-version"  # every change moves it
STRUCTURE_VERSION = "pagecache:structure-version"  # every change but a comment's moves it
FRAGMENT_SECONDS = 60
# A copy of every page rendered is kept this long, to serve when the database is away.
LAST_COPY_SECONDS = 24 * 60 * 60
STALE_NOTICE_AFTER = b'<main id="main" class="content">'  # templates/includes/stale_notice.html goes in after it
logger = logging.getLogger(__name__)

SLOT_FILLERS: dict[str, Callable] = {}
VISITOR_COOKIES: list[str] = []  # what visitors' own slots are read from, as the slots registered them: in the ETag
FRESH_COOKIES: list[str] = []  # a visitor who just wrote something carries one: they read the current versions
SHARED_SLOTS: dict[str, Callable[[], str]] = {}
QUERY_PARAMETERS: dict[str, tuple[Callable[..., str | None], bool]] = {}  # name: (its one spelling, read in a slot)


# --- the public interface -------------------------------------------------------------------------------------


def slot(name: str, arg: int | str = "") -> str:
    """The marker of a slot, for a template to put where the value goes; `arg` is handed to the filler."""
    return f"{_marker_prefix()}{name}:{arg};"


def caching(request) -> bool:
    """Whether the page now being rendered will be cached, so must hold slot markers, not the visitor's values."""
    return getattr(request, "page_slots", False)


def caching_shared(request) -> bool:
    """Whether the page now being rendered takes the site-wide parts as shared slots (story pages do)."""
    return getattr(request, "page_shared_slots", False)


def register_slot(name: str, fill: Callable, *, cookies: Iterable[str] = (), fresh: Iterable[str] = ()) -> None:
    """`fill(request, arg)` gives the slot's text for one visitor, already safe to put in HTML; `cookies` are the
    cookies it reads, so that a page revalidated with another value of them is not answered 304. A visitor carrying
    one of the `fresh` cookies has just changed something (posted, edited) and must see it at once: their pages
    always read the current versions."""
    SLOT_FILLERS[name] = fill
    VISITOR_COOKIES.extend(cookie for cookie in cookies if cookie not in VISITOR_COOKIES)
    FRESH_COOKIES.extend(cookie for cookie in fresh if cookie not in FRESH_COOKIES)


def register_shared_slot(name: str, render: Callable[[], str]) -> None:
    """`render()` gives a fragment that is the same for every visitor but changes with any write (the latest
    comments): rendered once per site version for every page that shows it."""
    SHARED_SLOTS[name] = render


def register_query_parameter(name: str, canonical: Callable[..., str | None], *, in_slot: bool = False) -> None:
    """`canonical(value, **url_kwargs)` gives the one spelling of the parameter's value on the page with those URL
    arguments, or None when the page with it is the page without it (the default value, or a value that names
    nothing); a request that spells it otherwise answers 301 before anything is rendered. A parameter that only a
    slot reads (`in_slot`) leaves the page as stored, so the stored page answers it with the slot filled; any other
    parameter's pages are rendered for each request, never stored."""
    QUERY_PARAMETERS[name] = (canonical, in_slot)


def shared_fragment(request, name: str) -> str:
    """A shared slot's HTML for the current site version, rendered once for every page that shows it."""
    return _shared_fragment(request, name)[0][0].decode()


def remember(key: str, compute: Callable[[], object]):
    """`compute()`, kept in the shared cache under the current structure version: every change but a comment's
    retires it, as it retires the pages. Read in the same round trip as the version. None is never kept.

    Like the pages, it may be PAGE_CACHE_VERSIONS_SECONDS late in other processes: for that long after reading it,
    this process answers from its own copy, with no round trip (what it remembers is stories, regions and pictures,
    which only editors change, and editors are never served from it or from cached pages)."""
    now = time.monotonic()
    recent = _recent.get(STRUCTURE_VERSION)
    if recent is not None and recent[1] > now - settings.PAGE_CACHE_VERSIONS_SECONDS:
        kept = _remembered.get((key, recent[0]))
        if kept is not None:
            return pickle.loads(kept)  # noqa: S301 (this process's own pickle of what it computed)
    found = cache.get_many([STRUCTURE_VERSION, key])
    version = found.get(STRUCTURE_VERSION)
    if version is None:
        version = _versions([STRUCTURE_VERSION])[STRUCTURE_VERSION]
    _recent[STRUCTURE_VERSION] = (version, now)
    stored = found.get(key)
    if stored is not None and stored[0] == version:
        value = stored[1]
    else:
        value = compute()
        if value is None:
            return None
        # Computed from rows read after the version: if a change lands in between, the version it moves makes this
        # entry a miss for the next reader.
        cache.set(key, (version, value), timeout=FRAGMENT_SECONDS)
    # Kept pickled, so that no request can change what the next one is given.
    _remembered.put((key, version), pickle.dumps(value), time.time() + settings.PAGE_CACHE_VERSIONS_SECONDS)
    return value


def changed(*, stories: Iterable[int] | None = None, forget: Iterable[str] = (), elsewhere: bool = True) -> None:
    """Something readers see has changed: the cached pages that show it are stale, on every app server.

    With `stories`, only those stories' comments changed: their own pages and every page's site-wide parts. Without,
    anything may have changed (a story, a region, a subject, a picture): every page. `forget`: other cache keys the
    same write made stale (counts, derived lists). `elsewhere=False` (with `stories`): only those stories' own pages
    need rendering again; every other page, and every page's ETag, stays as it is until it expires.

    Inside a transaction the versions move twice, now and when it commits: a page rendered in between, from the old
    rows, is stored under a version that the second move retires.
    """
    keys = [STRUCTURE_VERSION] if stories is None else [_story_version_key(pk) for pk in set(stories)]
    forget = list(forget)
    site = elsewhere or stories is None

    def move() -> None:
        _move_versions(keys, forget, site=site)

    move()
    if transaction.get_connection().in_atomic_block:
        # robust: a cache that fails after the commit is logged, and the stored write still answers as one.
        transaction.on_commit(move, robust=True)


def forget(*keys: str) -> None:
    """A write that no page shows (a ban, a staff member's name) made these derived values stale: forgotten as
    `changed(forget=...)` forgets them, now and when the transaction commits, with no page's version moved."""
    changed(stories=(), forget=keys, elsewhere=False)


# Versions this process could not move (the cache refused the write), moved at its next chance; see _move_versions.
_unmoved: dict[str, set[str]] = {"keys": set(), "forget": set()}
_unmoved_lock = threading.Lock()


def _move_versions(keys: list[str], forget: list[str], *, site: bool = True) -> None:
    """Move these versions (and forget these keys) in the shared cache. The write was committed: a cache that fails
    here must not turn it into an error, nor leave readers its old pages for long. So a refused move is kept and
    tried again before this process next reads a version, and meanwhile the old versions are deleted (a Redis out
    of memory still deletes), which makes every page under them a miss."""
    with _unmoved_lock:
        keys = sorted(set(keys) | _unmoved["keys"])
        forget = sorted(set(forget) | _unmoved["forget"])
        _unmoved["keys"].clear()
        _unmoved["forget"].clear()
    if forget:
        cache.delete_many(forget)
        _remembered.drop(lambda key: key[0] in forget)
    # Set together, with the site version last: a reader in between gets the new page under the old ETag (and
    # revalidates), never the old page under the new one.
    moved = {key: _new_version() for key in keys}
    if site:
        moved[SITE_VERSION] = _new_version()
    failed = cache.set_many(moved, timeout=None) if moved else []
    now = time.monotonic()
    _recent.update((key, (version, now)) for key, version in moved.items())
    if failed:
        cache.delete_many(list(moved))
        for key in moved:
            _recent.pop(key, None)
        with _unmoved_lock:
            _unmoved["keys"].update(keys)
            _unmoved["forget"].update(forget)


def cached_page(
    view: Callable | None = None,
    *,
    story_kwarg: str | None = None,
    query: tuple[str, ...] = (),
    served: Callable | None = None,
) -> Callable:
    """Serve a view's page from the shared cache to anonymous readers, filling the slots per request.

    Most hits are answered earlier, by PageCacheMiddleware; this wrapper renders and stores the page on a miss, and
    answers the hits the middleware leaves to it (a visitor with a session cookie who is not logged in).

    Each page has one address, and only that address is rendered or stored: another spelling of it (`/story/0001/`),
    query parameters the page does not read (`query` names those it does, such as `page`), or a value of one that
    is not its one spelling (`register_query_parameter`) answer 301 to it.

    `served(request, response, **kwargs)` is told of every answer to the page however it was made (rendered, from
    the cache, 304), with the URL's arguments; it may add headers (a story's view count, articles.readership).
    """
    if view is None:
        return lambda view: cached_page(view, story_kwarg=story_kwarg, query=query, served=served)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = _answer(request, args, kwargs)
        if served is not None:
            served(request, response, **kwargs)
        return response

    def _answer(request, args, kwargs):
        if request.method in ("GET", "HEAD") and (address := _other_address(request, query)) is not None:
            # Before anything is cached: every spelling would otherwise be a page of its own, rendered and stored
            # apart (a way round the cache, and a flood of new entries).
            return HttpResponsePermanentRedirect(address)
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        story_pk = kwargs.get(story_kwarg) if story_kwarg else None
        versions = getattr(request, "page_cache_versions", None) or _page_versions(story_pk, request)
        request.page_site_version = versions[0]
        etag = _etag(request, versions[0])
        if etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
            return _not_modified(etag)
        key = _page_key(versions[1], request.path)
        entry = _stored_page(key)
        wait = math.ceil(settings.PAGE_RENDER_WAIT_SECONDS)
        if entry is None and wait and not cache.add(key + ":rendering", 1, timeout=wait):
            # Another request, on this server or another, is rendering this very page: wait for it rather than
            # render it again (after every write, each worker would otherwise render each busy page at once).
            entry = _wait_for_page(key)
        if entry is None:
            try:
                request.page_slots = True
                request.page_shared_slots = story_pk is not None
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming:
                    return response
                if hasattr(response, "render"):
                    response.render()
                entry = _store(key, _split(response.content), response["Content-Type"])
                cache.set(_last_copy_key(request.path), entry, timeout=LAST_COPY_SECONDS)
            except (DatabaseError, InterfaceError):
                # The database is away (InterfaceError: a connection it closed is not a DatabaseError): the last copy
                # rendered, marked as such, is better than no page.
                last = cache.get(_last_copy_key(request.path))
                if last is None:
                    raise
                logger.warning("serving the last copy of %s: the database is unreachable", request.path)
                return _stale_response(request, last)
            finally:
                cache.delete(key + ":rendering")
        return _page_response(request, entry, etag)

    wrapper.page_cached = True
    wrapper.page_story_kwarg = story_kwarg
    wrapper.page_served = served
    return wrapper


class PageCacheMiddleware:
    """Answer anonymous readers of cached pages before sessions, authentication and the view run.

    For a GET of a `cached_page` view without a query string, from a visitor with no session cookie (so certainly
    not logged in): a matching ETag is answered 304, and a stored page is served with its slots filled. Django's own
    CsrfViewMiddleware reads the visitor's CSRF cookie and sets it again, as on any other page. Everything else goes
    on down the stack unchanged.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request):
        if not (
            request.method == "GET"  # HEAD goes to the views, which decide whether they allow it
            and settings.PAGE_CACHE_SECONDS > 0
            and not request.META.get("QUERY_STRING")
            and (match := _cached_page_match(settings.ROOT_URLCONF, request.path_info)) is not None
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not settings.CSRF_USE_SESSIONS  # a CSRF secret in the session needs the session middleware
        ):
            return self.get_response(request)
        request.get_host()  # ALLOWED_HOSTS holds here too: DisallowedHost answers 400, as CommonMiddleware would
        response = self.answer(request, match)
        if response is None:
            return self.get_response(request)
        if match.func.page_served is not None:
            match.func.page_served(request, response, **match.kwargs)
        return response

    def answer(self, request, match) -> HttpResponse | None:
        """A 304 or the stored page; None when the view is to render it."""
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if if_none_match:
            etag = _etag(request, _versions([SITE_VERSION], request)[SITE_VERSION])
            if etag in if_none_match:
                return _not_modified(etag)
        story_kwarg = match.func.page_story_kwarg
        versions = _page_versions(match.kwargs.get(story_kwarg) if story_kwarg else None, request)
        request.page_site_version = versions[0]
        entry = _stored_page(_page_key(versions[1], request.path))
        if entry is None:
            request.page_cache_versions = versions  # the view renders and stores the page under them
            return None
        self.csrf.process_request(request)
        response = _page_response(request, entry, _etag(request, versions[0]))
        return self.csrf.process_response(request, response)


# --- versions and keys ----------------------------------------------------------------------------------------


def _other_address(request, used: tuple[str, ...]) -> str | None:
    """The page's own address (its URL reversed from what the URL resolver found, with only the query parameters
    the page reads, each once, in their one spelling), when the request asked for it under another; None when it
    asked for exactly that."""
    match = request.resolver_match
    if match is None:
        return None
    path = reverse(match.view_name, args=match.args) if match.args else reverse(match.view_name, kwargs=match.kwargs)
    kept = []
    for name in used:
        if name not in request.GET:
            continue
        value = request.GET[name]  # the last one, as the views read it
        if name in QUERY_PARAMETERS:
            value = QUERY_PARAMETERS[name][0](value, **match.kwargs)
        if value is not None:
            kept.append((name, value))
    query = urlencode(kept)
    if unquote(path) == request.path and query == request.META.get("QUERY_STRING", ""):
        return None
    return f"{path}?{query}" if query else path


def _cacheable(request) -> bool:
    # Past _other_address, the query holds only parameters the page reads, each in its one spelling: a page is
    # stored when no parameter changes it, or only ones filled into a slot per request (?quote=N on a story).
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and all(QUERY_PARAMETERS.get(name, (None, False))[1] for name in request.GET)
        and not (hasattr(request, "user") and request.user.is_authenticated)
    )


def _new_version() -> int:
    return secrets.randbits(60)


def _story_version_key(pk: int) -> str:
    return f"pagecache:story-version:{pk}"


# Versions this process read lately: {key: (version, when read)}. See _versions.
_recent: dict[str, tuple[int, float]] = {}


def _versions(keys: list[str], request=None) -> dict[str, int]:
    """The current versions under these keys, in one round trip; a missing one is started (the same for every
    server that asks at once).

    For a reader's page (`request` given) a version this process read less than PAGE_CACHE_VERSIONS_SECONDS ago is
    taken as current, without the round trip: the shared cache's answer was most of a cached hit's own time. So a
    change made by another process shows that much later at most; never to the visitor who made it, whose requests
    carry a cookie named in `register_slot(..., fresh=[...])` and always read the shared cache, nor in this
    process, which sets its own copy when it moves a version."""
    if _unmoved["keys"]:
        _move_versions([], [])
    now = time.monotonic()
    if request is not None and settings.PAGE_CACHE_VERSIONS_SECONDS > 0 and not _wants_fresh(request):
        oldest = now - settings.PAGE_CACHE_VERSIONS_SECONDS
        recent = [_recent.get(key) for key in keys]
        if all(entry is not None and entry[1] > oldest for entry in recent):
            return {key: entry[0] for key, entry in zip(keys, recent, strict=True)}
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            started = _new_version()
            cache.add(key, started, timeout=None)
            found[key] = cache.get(key, started)
    for key, version in found.items():
        _recent[key] = (version, now)
    return found


def _wants_fresh(request) -> bool:
    user = getattr(request, "user", None)  # set past the authentication middleware: an editor's page is never late
    return (user is not None and user.is_authenticated) or any(name in request.COOKIES for name in FRESH_COOKIES)


def _page_versions(story_pk, request=None) -> tuple[int, int | str]:
    """(the site version, the version the page is stored under): for a story page, the structure's and its own."""
    if story_pk is None:
        version = _versions([SITE_VERSION], request)[SITE_VERSION]
        return version, version
    story_key = _story_version_key(story_pk)
    found = _versions([SITE_VERSION, STRUCTURE_VERSION, story_key], request)
    return found[SITE_VERSION], f"{found[STRUCTURE_VERSION]}.{found[story_key]}"


def _etag(request, version: int) -> str:
    # The visitor's own cookies are part of the tag: their greeting and form are theirs; so is the query, which a
    # slot may read (?quote=N fills the form). The hour keeps a revalidated page's form stamp well inside its life.
    visitor = "|".join(request.COOKIES.get(name, "") for name in VISITOR_COOKIES)
    hour = int(time.time() // 3600)
    query = request.META.get("QUERY_STRING", "")
    address = f"{request.path}?{query}" if query else request.path
    digest = hashlib.sha256(f"{version}|{address}|{visitor}|{hour}".encode()).hexdigest()[:24]
    return f'W/"{digest}"'


def _last_copy_key(path: str) -> str:
    return f"pagecache:last:{hashlib.sha256(path.encode()).hexdigest()[:32]}"


def _page_key(version: int | str, path: str) -> str:
    return f"pagecache:page:{version}:{hashlib.sha256(path.encode()).hexdigest()[:32]}"


@functools.lru_cache(maxsize=1024)
def _cached_page_match(urlconf: str, path: str):
    """The URL's match when its view is a `cached_page`, else None; remembered, as the same pages are asked for all
    day."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    return match if getattr(match.func, "page_cached", False) else None


# --- stored pages ---------------------------------------------------------------------------------------------


@functools.cache
def _marker_prefix() -> str:
    # Derived from the secret, so no content can hold a marker, and the same on every app server.
    return "rb-slot-" + hashlib.sha256(f"{settings.SECRET_KEY}:slots".encode()).hexdigest()[:20] + "-"


def _split(content: bytes) -> list:
    """The page cut at its slot markers: [bytes, "name:arg", bytes, "name:arg", ..., bytes]."""
    parts = re.split(re.escape(_marker_prefix().encode()) + rb"([a-z_]+:[0-9]*);", content)
    parts[1::2] = [name.decode() for name in parts[1::2]]
    return parts


def _store(key: str, parts: list, content_type: str, *, seconds: int | None = None) -> tuple:
    """Keep a rendered page (or shared fragment) in the shared cache and this process's memory, with each part
    between the slots also compressed on its own (rantboard.deflate)."""
    seconds = settings.PAGE_CACHE_SECONDS if seconds is None else seconds
    compressed = [deflate.compress(part) for part in parts[::2]]
    entry = (parts, content_type, time.time() + seconds, compressed)
    cache.set(key, entry, timeout=seconds)
    local_pages.put(key, entry, entry[2])
    return entry


def _stored_page(key: str) -> tuple | None:
    entry = local_pages.get(key)
    if entry is None:
        entry = cache.get(key)
        if entry is not None:
            _keep_locally(key, entry)
    return entry


def _keep_locally(key: str, entry: tuple) -> None:
    # The expiry was stamped by the server that rendered the page; this one's clock bounds its own copy.
    limit = time.time() + max(settings.PAGE_CACHE_SECONDS, FRAGMENT_SECONDS)
    local_pages.put(key, entry, min(entry[2], limit))


def _wait_for_page(key: str) -> tuple | None:
    """The page another request is rendering, once stored; None if it gave up or stored nothing, or after
    PAGE_RENDER_WAIT_SECONDS: then this request renders the page itself."""
    deadline = time.monotonic() + settings.PAGE_RENDER_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.005)
        found = cache.get_many([key, key + ":rendering"])
        if key in found:
            _keep_locally(key, found[key])
            return found[key]
        if key + ":rendering" not in found:
            return None
    return None


def _shared_fragment(request, name: str) -> tuple:
    version = getattr(request, "page_site_version", None) or _versions([SITE_VERSION], request)[SITE_VERSION]
    key = f"pagecache:fragment:{name}:{version}"
    entry = _stored_page(key)
    if entry is None:
        # Kept even with page caching off: the key names the site version, which every change moves, so only a
        # scheduled story's arrival can be late, by FRAGMENT_SECONDS at most.
        entry = _store(key, [SHARED_SLOTS[name]().encode()], "text/html; charset=utf-8", seconds=FRAGMENT_SECONDS)
    return entry


def _page_response(request, entry: tuple, etag: str | None, *, compress: bool = True) -> HttpResponse:
    parts, content_type, _, compressed = entry
    # Each slot is filled once for this visitor. A visitor's own value goes into the compressed page as it is; a
    # shared fragment is the same for everyone and was compressed once.
    shared, filled = {}, {}
    for name_arg in set(parts[1::2]):
        name, _, arg = name_arg.partition(":")
        try:
            if name in SHARED_SLOTS:
                shared[name_arg] = _shared_fragment(request, name)
            else:
                filled[name_arg] = SLOT_FILLERS[name](request, arg).encode()
        except (DatabaseError, InterfaceError):
            # A part that needs the database (the greeting, the latest comments) is left out rather than failing
            # the page: the rest of it was rendered already.
            filled[name_arg] = b""
    if compress and deflate.accepts(request):
        pieces = [
            compressed[i // 2] if i % 2 == 0 else shared[part][3][0] if part in shared else filled[part]
            for i, part in enumerate(parts)
        ]
        response = HttpResponse(deflate.stream(pieces), content_type=content_type)
        response["Content-Encoding"] = "deflate"
    else:
        filled.update((name, fragment[0][0]) for name, fragment in shared.items())
        content = b"".join(part if i % 2 == 0 else filled[part] for i, part in enumerate(parts))
        response = HttpResponse(content, content_type=content_type)
    response["Content-Length"] = str(len(response.content))  # hits leave before CommonMiddleware, which sets it
    if etag:
        response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Cookie, Accept-Encoding"
    return response


def _stale_response(request, entry: tuple) -> HttpResponse:
    """The last rendered copy of a page, for when the database is away: uncompressed, with a notice saying so at the
    top of the content, and no ETag (a browser must not keep it as the page)."""
    parts, content_type, _, compressed = entry
    notice = render_to_string("includes/stale_notice.html").encode()
    for i in range(0, len(parts), 2):
        if STALE_NOTICE_AFTER in parts[i]:
            parts = [*parts[:i], parts[i].replace(STALE_NOTICE_AFTER, STALE_NOTICE_AFTER + notice, 1), *parts[i + 1 :]]
            break
    response = _page_response(request, (parts, content_type, 0, compressed), etag=None, compress=False)
    response["X-Page-Copy"] = "stale"
    return response


def _not_modified(etag: str) -> HttpResponseNotModified:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    return response


class LocalCopies:
    """What this process keeps of the shared cache in its own memory, by key: the newest `size()` entries, each until
    its expiry. The keys name the versions, so a change elsewhere makes these copies unreachable, never stale."""

    def __init__(self, size: Callable[[], int]) -> None:
        self._entries: OrderedDict[object, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key):
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] <= time.time():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key, value, expires: float) -> None:
        size = self._size()
        if size <= 0:
            return
        with self._lock:
            self._entries[key] = (expires, value)
            self._entries.move_to_end(key)
            while len(self._entries) > size:
                self._entries.popitem(last=False)

    def drop(self, match: Callable[[object], bool]) -> None:
        with self._lock:
            for key in [key for key in self._entries if match(key)]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


local_pages = LocalCopies(lambda: settings.PAGE_CACHE_LOCAL_PAGES)  # stored pages, the last few served
_remembered = LocalCopies(lambda: 256)  # what `remember` read or computed, pickled, by (key, structure version)


def forget_local_copies() -> None:
    """Drop what this process keeps of the shared cache (pages and versions): for tests that clear the cache."""
    local_pages.clear()
    _remembered.clear()
    _recent.clear()


def _fill_csrf(request, arg: str) -> str:
    return get_token(request)


register_slot("csrf", _fill_csrf, cookies=[settings.CSRF_COOKIE_NAME])
