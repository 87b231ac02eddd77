"""Cache backends: Django's Redis cache keeping one client per connection pool, and a file cache fit for counters.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache operation, and building one fills
a table of reply callbacks each time. A `redis.Redis` is safe to share between threads (each command takes a
connection from the pool), so one per pool is made and reused. Everything else is Django's backend as it ships.
"""

import os
import pickle
import tempfile
import time
import zlib
from contextlib import contextmanager

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.files import locks
from django.core.files.move import file_move_safe


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient


class CounterFileCache(FileBasedCache):
    """The counters' store on one machine without Redis: Django's file cache, shared by the machine's workers,
    changed where counters need more than pages do.

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
