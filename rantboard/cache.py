"""The cache backends: Django's own, made to fail soft; Django's Redis client kept per connection pool; and a file
cache fit for counters.

A cache that is down, stalled or full must never cost a reader a page the database can give them, nor a commenter
their post: every page, version and counter in it can be rebuilt. So an error from the cache server or the cache
directory is a miss (reads give the default, writes report failure), logged at most once every few seconds per
process; and after an error each process leaves the cache alone for `FAILURE_PAUSE` seconds, so that a stalled Redis
costs one request a socket timeout, not every request several.

While the cache is away: pages are rendered from the database for every request, rate limits and the admin-login
throttle count nothing (posting goes on; docs/reliability.md), and bans and staff names are read from the database.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import pickle
import tempfile
import time
import zlib
from contextlib import contextmanager

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache as DjangoFileBasedCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.files import locks
from django.core.files.move import file_move_safe

logger = logging.getLogger("rantboard.cache")

FAILURE_PAUSE = 2.0  # seconds each process leaves a failing cache alone
LOG_EVERY = 10.0  # seconds between two log lines about the same cache in one process


class CacheUnavailableError(ValueError):
    """`incr` on a cache that is away: a ValueError, as for a missing key, which callers already handle."""


class FailSoftCache:
    """Mixin for a Django cache backend: the errors in `failures` become misses."""

    failures: tuple[type[BaseException], ...] = ()

    def __init__(self, *args, **kwargs):
        self._away_until = 0.0
        self._last_logged = float("-inf")
        super().__init__(*args, **kwargs)

    def _away(self) -> bool:
        return time.monotonic() < self._away_until

    def _failed(self, operation: str, exc: BaseException) -> None:
        now = time.monotonic()
        self._away_until = now + FAILURE_PAUSE
        if now - self._last_logged >= LOG_EVERY:
            self._last_logged = now
            logger.warning("cache %s failed (%s: %s); serving without it", operation, type(exc).__name__, exc)

    def _try(self, operation: str, call, fallback):
        if self._away():
            return fallback
        try:
            return call()
        except self.failures as exc:
            self._failed(operation, exc)
            return fallback

    def get(self, key, default=None, version=None):
        return self._try("get", lambda: super(FailSoftCache, self).get(key, default, version), default)

    def get_many(self, keys, version=None):
        return self._try("get_many", lambda: super(FailSoftCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._try("has_key", lambda: super(FailSoftCache, self).has_key(key, version), False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._try("set", lambda: super(FailSoftCache, self).set(key, value, timeout, version), None)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try("add", lambda: super(FailSoftCache, self).add(key, value, timeout, version), False)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try("set_many", lambda: super(FailSoftCache, self).set_many(data, timeout, version), list(data))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try("touch", lambda: super(FailSoftCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None):
        return self._try("delete", lambda: super(FailSoftCache, self).delete(key, version), False)

    def delete_many(self, keys, version=None):
        self._try("delete_many", lambda: super(FailSoftCache, self).delete_many(keys, version), None)

    def incr(self, key, delta=1, version=None):
        result = self._try("incr", lambda: super(FailSoftCache, self).incr(key, delta, version), None)
        if result is None:
            raise CacheUnavailableError(f"Key '{key}' could not be counted: the cache is away")
        return result

    def clear(self):
        self._try("clear", lambda: super(FailSoftCache, self).clear(), None)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every operation, and building one fills
    a table of reply callbacks each time. A `redis.Redis` is safe to share between threads (each command takes a
    connection from the pool), so one per pool is made and reused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(FailSoftCache, DjangoRedisCache):
    """Django's Redis backend; a Redis that is down, stalled (see the socket timeouts in settings) or refusing
    writes is a miss."""

    failures = (redis.RedisError,)

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient


class FileBasedCache(FailSoftCache, DjangoFileBasedCache):
    """Django's file cache; a directory that is unwritable, full or gone is a miss."""

    failures = (OSError, EOFError)

    def __init__(self, dir, params):
        try:
            super().__init__(dir, params)
        except OSError as exc:  # the directory cannot be made: every operation tries again, and misses meanwhile
            self._failed("creating the directory", exc)

    def _cull(self):
        # Django's file cache, when full, deletes a random third of its files, live ones included. Pages here live a
        # minute and their last copies a day (kept for database outages): expired pages go first, so the churn of
        # pages does not push out the copies. Only a cache still full after that loses a random third.
        if len(self._list_cache_files()) < self._max_entries:
            return
        self._sweep_expired()
        super()._cull()

    def _sweep_expired(self) -> None:
        for fname in self._list_cache_files():
            with contextlib.suppress(OSError, EOFError), open(fname, "rb") as f:
                self._is_expired(f)  # deletes the file if it has expired

    def _failed(self, operation: str, exc: BaseException) -> None:
        super()._failed(operation, exc)
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            # A full disk may be full of expired pages (they are only swept at MAX_ENTRIES): make room for the next
            # write, once per pause.
            self._sweep_expired()


class _CounterFiles(DjangoFileBasedCache):
    """The counters' store on one machine without Redis: Django's file cache, shared by the machine's workers,
    changed where counters need more than pages do (CounterFileCache, below, adds failing soft).

    - `add`, `incr` and `touch` run under one lock file, so the workers' increments are atomic between processes
      (Django's file cache reads, then writes: two workers counting at once would both write the same number);
    - `incr` keeps the entry's expiry (Django's resets it to the default timeout), so a window ends when it began
      plus its length, however often it is counted;
    - making room removes expired entries only: a live counter is never culled, whatever MAX_ENTRIES says (it is
      how many files there may be before expired ones are swept).
    """

    lock_name = "counters.lock"

    @contextmanager
    def _locked(self):
        self._createdir()
        with open(os.path.join(self._dir, self.lock_name), "ab") as lock_file:
            locks.lock(lock_file, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(lock_file)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._locked():
            if self.has_key(key, version):
                return False
            self.set(key, value, timeout, version)
            return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        with self._locked():
            return super().touch(key, timeout, version)

    def incr(self, key, delta=1, version=None):
        fname = self._key_to_file(key, version)
        with self._locked():
            try:
                # Files this cache wrote, in its own directory, read as Django's file cache reads them.
                with open(fname, "rb") as f:
                    expiry = pickle.load(f)  # noqa: S301
                    value = pickle.loads(zlib.decompress(f.read()))  # noqa: S301
            except (FileNotFoundError, EOFError):
                raise ValueError(f"Key '{key}' not found") from None
            if expiry is not None and expiry < time.time():
                self._delete(fname)
                raise ValueError(f"Key '{key}' not found")
            value += delta
            # Written aside and renamed into place, as Django's set() does, so a reader never sees half a file.
            fd, tmp_path = tempfile.mkstemp(dir=self._dir)
            try:
                with open(fd, "wb") as f:
                    f.write(pickle.dumps(expiry, self.pickle_protocol))
                    f.write(zlib.compress(pickle.dumps(value, self.pickle_protocol)))
                file_move_safe(tmp_path, fname, allow_overwrite=True)
            finally:
                if os.path.exists(tmp_path):
                    os.remove(tmp_path)
            return value

    def _cull(self):
        filelist = self._list_cache_files()
        if len(filelist) < self._max_entries:
            return
        for fname in filelist:
            try:
                with open(fname, "rb") as f:
                    self._is_expired(f)  # removes the file if it has expired
            except FileNotFoundError:
                pass


class CounterFileCache(FileBasedCache, _CounterFiles):
    """Rate counters on one machine: atomic between workers, never culled while live, and a miss when the directory
    cannot be written (then nothing is counted: docs/reliability.md)."""
