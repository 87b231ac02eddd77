"""Whole-page caching for anonymous readers, correct across app servers, with per-visitor slots and ETags.

Versions live in the shared cache (Redis when REDIS_URL is set), and every write that readers can see bumps them, so
every app server's next request renders afresh: the site version changes with every visible write; a story's own
version with its comments; the structure version with everything else (stories, regions, subjects, pictures).
Story pages are cached under the structure and story versions, every other page under the site version, so a
comment does not send other stories' pages back to be rendered: the one part of them it changes, the
latest-comments sidebar, is a shared slot rendered once per site version. Cached pages hold *slots* where
per-visitor values go (the CSRF token, the form's one-time token and time stamp, the remembered nic, the greeting);
a hit fills them in with string replacement, no template and no database. An ETag made of the site version, the
path and the visitor's own cookies answers repeat visits with 304 before anything is rendered. Entries also expire
after PAGE_CACHE_SECONDS, which bounds how late a scheduled story appears or an automatic closing shows.

Each app server process also keeps the last few pages it served in its own memory, under the same key (which names
the versions): a hit then costs one small read of the versions from the shared cache instead of fetching the whole
page again. A bumped version changes the keys, so the local copies are never served stale.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import Resolver404, resolve

from . import csrf, deflate
from .cache import read_many, write_many

VERSION_KEY = "pagecache:site-version"  # every visible write changes it
STRUCTURE_KEY = "pagecache:structure-version"  # every visible write but a comment's changes it
VISITOR_COOKIES = ("csrftoken", "rb_nic")


def _slot_marker(name: str) -> str:
    # Derived from the secret, so content cannot contain a marker, and the same on every app server.
    secret = hashlib.sha256(f"{settings.SECRET_KEY}:slots".encode()).hexdigest()[:20]
    return f"rb-slot-{secret}-{name}"


def slot(name: str) -> str:
    return _slot_marker(name)


def enabled() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0


def site_version() -> int:
    return _versions([VERSION_KEY])[VERSION_KEY]


def structure_version() -> int:
    """The version that changes with stories, regions, subjects and pictures, but not with comments."""
    return _versions([STRUCTURE_KEY])[STRUCTURE_KEY]


def _versions(keys: list[str]) -> dict[str, int]:
    """The current versions under these keys, in one round trip; a missing one is started (the same for every
    server that asks at once)."""
    found = read_many(keys)
    for key in keys:
        if key not in found:
            started = _new_version()
            cache.add(key, started, timeout=None)
            found[key] = cache.get(key, started)  # never None, even if the cache dropped it at once
    return found


def _new_version() -> int:
    # A number, not text: Django's Redis serializer stores an int as it is, and reads it back without unpickling.
    return secrets.randbits(60)


def story_version_key(pk: int) -> str:
    return f"pagecache:story-version:{pk}"


def bump(*, stories: Iterable[int] | None = None, forget: Iterable[str] = ()) -> None:
    """Something readers see has changed: cached pages that show it, on every app server, are stale from now on.

    With `stories`, only those stories' comments changed: their story pages, and every page by its site-wide parts
    (lists, counts, the latest-comments sidebar), but not other stories' own parts. Without, anything may have
    changed (a story, a region, a subject, a picture): every page.

    Bumped at once and again when the transaction commits: a page rendered in between (from the old rows) is
    cached under a version that the second bump retires. `forget`: other cache keys the same write made stale, deleted
    in the same round trip.
    """
    forget = list(forget)
    keys = [STRUCTURE_KEY] if stories is None else [story_version_key(pk) for pk in set(stories)]

    def renew() -> None:
        # One write (one round trip on Redis, MSET), in order with the site version last: a reader in between gets the
        # new page under the old ETag (and revalidates), never the old page under the new one.
        versions = {key: _new_version() for key in keys}
        versions[VERSION_KEY] = _new_version()
        write_many(versions, delete=forget)

    renew()
    if transaction.get_connection().in_atomic_block:  # (outside one, on_commit would only renew them again at once)
        transaction.on_commit(renew)


def _cacheable(request) -> bool:
    return (
        enabled()
        and request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and not (hasattr(request, "user") and request.user.is_authenticated)
    )


def _etag(request, version: int) -> str:
    # The visitor's own cookies are part of the tag: their greeting and form are theirs. The hour bucket keeps a
    # revalidated page's form stamp well inside its life.
    visitor = "|".join(request.COOKIES.get(name, "") for name in VISITOR_COOKIES)
    bucket = int(time.time() // 3600)
    digest = hashlib.sha256(f"{version}|{request.path}|{visitor}|{bucket}".encode()).hexdigest()[:24]
    return f'W/"{digest}"'


def _page_key(version: int | str, path: str) -> str:
    return f"pagecache:page3:{version}:{_path_digest(path)}"


@functools.lru_cache(maxsize=1024)
def _path_digest(path: str) -> str:
    return hashlib.sha256(path.encode()).hexdigest()[:32]


def _not_modified(etag: str) -> HttpResponseNotModified:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    return response


def _stored_page(key: str) -> tuple | None:
    """A cached page: from this process's memory, else from the shared cache (then kept in memory too)."""
    entry = local_pages.get(key)
    if entry is None:
        entry = cache.get(key)
        if entry is not None:
            _keep_locally(key, entry)
    return entry


def _store(key: str, parts: list, content_type: str) -> tuple:
    """Keep a freshly rendered page (or shared fragment) in the shared cache and in this process's memory, with its
    parts between the slots also compressed, each on its own (rantboard.deflate)."""
    compressed = [deflate.compress(part) for part in parts[::2]]
    entry = (parts, content_type, time.time() + settings.PAGE_CACHE_SECONDS, compressed)
    cache.set(key, entry, timeout=settings.PAGE_CACHE_SECONDS)
    local_pages.put(key, entry)
    return entry


def _keep_locally(key: str, entry: tuple) -> None:
    """Keep a page fetched from the shared cache in this process's memory too."""
    # The expiry was stamped by the server that rendered the page; this one's clock bounds its own copy.
    parts, content_type, expires, compressed = entry
    local_pages.put(key, (parts, content_type, min(expires, time.time() + settings.PAGE_CACHE_SECONDS), compressed))


def _page_response(request, entry: tuple, etag: str) -> HttpResponse:
    parts, content_type, _, compressed = entry
    # parts alternate: bytes, slot name, bytes, ...; each slot is filled once for this visitor. A visitor's own value
    # goes into the compressed page as it is; a shared fragment is the same for everyone and was compressed once.
    names = set(parts[1::2])
    shared = {name: _shared_fragment(request, name) for name in names if name in SHARED_SLOTS}
    filled = {name: SLOT_FILLERS[name](request).encode() for name in names if name not in shared}
    if deflate.accepts(request):
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
    # Hits leave before CommonMiddleware, which sets the length of every other page: without it, gunicorn sends the
    # page in chunks, an extra copy of it and an extra write.
    response["Content-Length"] = str(len(response.content))
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Cookie, Accept-Encoding"  # (a new response: nothing to merge with, as patch_vary_headers would)
    return response


def _wait_for_page(key: str) -> tuple | None:
    """The page another request is rendering, once it is stored; None if that request gave up or stored nothing
    (an error, a redirect), or after PAGE_RENDER_WAIT_SECONDS: then this request renders the page itself."""
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


def _page_versions(story_pk) -> tuple[int, int | str]:
    """(the site version, the version a page is cached under), in one round trip.

    A story page is cached under the structure version and its own story's version, so a comment on another story
    leaves it cached; its latest-comments sidebar, which does change, is a shared slot filled per site version
    (`shared_fragment`). Every other page is cached under the site version.
    """
    if story_pk is None:
        version = site_version()
        return version, version
    story_key = story_version_key(story_pk)
    found = _versions([VERSION_KEY, STRUCTURE_KEY, story_key])
    return found[VERSION_KEY], f"{found[STRUCTURE_KEY]}.{found[story_key]}"


def cached_page(view: Callable | None = None, *, story_kwarg: str | None = None) -> Callable:
    """Serve a view's page from the shared cache for anonymous readers, filling per-visitor slots per request.

    `story_kwarg` names the URL argument holding a story's id: the page is then a story page, kept until that story
    or the site's structure changes (see `_page_versions`). Most hits are answered earlier, by PageCacheMiddleware;
    this wrapper renders and stores the page on a miss, and answers the hits the middleware leaves to it (a visitor
    with a session cookie who is not logged in).
    """
    if view is None:
        return lambda view: cached_page(view, story_kwarg=story_kwarg)

    def wrapper(request, *args, **kwargs):
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        story_pk = kwargs.get(story_kwarg) if story_kwarg else None
        versions = getattr(request, "page_cache_versions", None) or _page_versions(story_pk)
        request.page_site_version = versions[0]
        etag = _etag(request, versions[0])
        if etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
            return _not_modified(etag)
        key = _page_key(versions[1], request.path)
        entry = _stored_page(key)
        wait = math.ceil(settings.PAGE_RENDER_WAIT_SECONDS)  # whole seconds for the mark's life; 0: nobody waits
        if entry is None and wait and not cache.add(key + ":rendering", 1, timeout=wait):
            # Another request, on this server or another, is rendering this very page: wait for it rather than
            # render it again (after every write, each page would otherwise be rendered by every worker at once).
            entry = _wait_for_page(key)
        if entry is None:
            try:
                request.page_slots = True  # templates emit slot markers instead of per-visitor values
                request.page_shared_slots = story_pk is not None  # ... and instead of site-wide parts
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming or getattr(response, "page_uncacheable", False):
                    return response
                if hasattr(response, "render"):
                    response.render()
                parts = _split(response.content)
                entry = _store(key, parts, response["Content-Type"])
            finally:
                cache.delete(key + ":rendering")
        return _page_response(request, entry, etag)

    wrapper.__name__ = getattr(view, "__name__", "cached_page")
    wrapper.__doc__ = view.__doc__
    wrapper.page_cached = True
    wrapper.page_story_kwarg = story_kwarg
    return wrapper


def _shared_fragment(request, name: str) -> tuple:
    """A part of many pages that any write may change (the latest comments): rendered once per site version for
    all of them, kept like a page, compressed once."""
    key = f"pagecache:fragment4:{name}:{request.page_site_version}"
    entry = _stored_page(key)
    if entry is None:
        entry = _store(key, [SHARED_SLOTS[name]().encode()], "text/html; charset=utf-8")
    return entry


SLOT_FILLERS: dict[str, Callable] = {}
SHARED_SLOTS: dict[str, Callable[[], str]] = {}


def _split(content: bytes) -> list:
    """The page cut at its slot markers: [bytes, slot name, bytes, slot name, ..., bytes]."""
    prefix = _slot_marker("").encode()
    parts = re.split(re.escape(prefix) + rb"([a-z_]+)", content)
    parts[1::2] = [name.decode() for name in parts[1::2]]
    return parts


class LocalPages:
    """The last pages this process served, by cache key; entries leave at their expiry or when others push them out."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[2] <= time.time():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: tuple) -> None:
        size = settings.PAGE_CACHE_LOCAL_PAGES
        if size <= 0:
            return
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


local_pages = LocalPages()


def register_slot(name: str):
    """Register how to fill one per-visitor slot (called at import by the app that owns the value)."""

    def decorator(fill: Callable) -> Callable:
        SLOT_FILLERS[name] = fill
        return fill

    return decorator


def register_shared_slot(name: str, render: Callable[[], str]) -> None:
    """Register a slot filled with a fragment that is the same for every visitor but changes with any write (the
    latest comments): `render` makes its HTML, once per site version for every page that shows it."""
    SHARED_SLOTS[name] = render


@register_slot("csrf")
def _csrf(request) -> str:
    return csrf.get_token(request)


class PageCacheMiddleware:
    """Answer anonymous readers of cached pages before sessions, authentication, the URL's view or any template run.

    For a GET of a page served by a `cached_page` view, without a query string, from a visitor without a session
    cookie (so certainly not logged in) on an allowed host: a matching ETag is answered 304, and a page in the cache
    is served with its slots filled. The CSRF cookie is read by Django's own CsrfViewMiddleware code, as on any other
    page, and set with the same header by `rantboard.csrf.set_cookie`. Everything else goes on down the stack
    unchanged.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.csrf_middleware = CsrfViewMiddleware(get_response)

    def __call__(self, request):
        # Cheapest tests first: every request passes here, most of them (static files aside) for other addresses.
        if not (
            request.method == "GET"  # HEAD goes to the views, which decide whether they allow it
            and enabled()
            and not request.META.get("QUERY_STRING")
            and (match := _cached_page_match(request.path_info)) is not None
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not settings.CSRF_USE_SESSIONS  # a CSRF secret in the session needs the session middleware
        ):
            return self.get_response(request)
        request.get_host()  # ALLOWED_HOSTS holds here too: DisallowedHost answers 400, as CommonMiddleware would
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if if_none_match:
            # The tag names the path, so it can only match a page that was served with it.
            etag = _etag(request, site_version())
            if etag in if_none_match:
                return _not_modified(etag)
        story_kwarg = match.func.page_story_kwarg
        versions = _page_versions(match.kwargs.get(story_kwarg) if story_kwarg else None)
        request.page_site_version = versions[0]
        entry = _stored_page(_page_key(versions[1], request.path))
        if entry is None:
            request.page_cache_versions = versions  # the view renders and stores the page under them
            return self.get_response(request)
        self.csrf_middleware.process_request(request)
        return csrf.set_cookie(request, _page_response(request, entry, _etag(request, versions[0])))


def _cached_page_match(path: str):
    """The URL's match when its view is a `cached_page`, else None."""
    return _match(settings.ROOT_URLCONF, path)


@functools.lru_cache(maxsize=1024)
def _match(urlconf: str, path: str):
    # Remembered per process: the same few pages are asked for all day, and resolving a path costs tens of
    # microseconds, a tenth of a cached hit. Only the view and its arguments are read from a match.
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    return match if getattr(match.func, "page_cached", False) else None
