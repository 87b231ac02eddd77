"""Django's Redis cache backend, keeping one client object per connection pool, with counters in one round trip.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every operation; building one fills a table of
about 170 reply callbacks, which costs more than the round trip to Redis itself. The page cache makes one or two
cache reads per request, so that construction was a measurable part of a cached page. A `redis.Redis` is safe to
share between threads (each command takes a connection from the pool), so one per pool is kept and reused.

`read_many` is `get_many` for the reads made on every request (the page cache's versions, the navigation): one
MGET on a connection this thread keeps for itself, to the first (writing) server, with the keys made once. Going
through `redis.Redis` and Django's cache layer cost about 140 microseconds of CPU for one such read, where the round
trip itself costs about 40: a third of serving a cached page. Any error from Redis falls back to `get_many`, which
has redis-py's own retries. `write_many` is the same for the writes every post makes (the versions, and two counts
to forget): one pipelined round trip, falling back to `delete_many` and `set_many`.

`incr_counters` counts several rate-limit windows in one pipelined round trip (SET ... NX EX to create a counter with
its life, then INCR), where Django's `add` and `incr` take three round trips a counter. Other cache backends lack
it, and `comments.defences` falls back to `add` and `incr` for them.
"""

import functools
import os
import threading

import redis
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


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

    @functools.cached_property
    def _quick(self) -> threading.local:
        return threading.local()

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (one cache object per process, kept for its life)
    def _made_key(self, key: str) -> str:
        return self.make_and_validate_key(key)

    def _quick_connection(self):
        """This thread's own connection to the first (writing) server."""
        quick = self._quick
        connection = getattr(quick, "connection", None)
        if connection is None or quick.pid != os.getpid():  # none yet, or inherited across a fork
            pool = self._cache._get_connection_pool(write=True)
            connection = quick.connection = pool.connection_class(**pool.connection_kwargs)
            quick.pid = os.getpid()
        return connection

    def _drop_quick_connection(self) -> None:
        if getattr(self._quick, "connection", None) is not None:
            self._quick.connection.disconnect()

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (as _made_key)
    def _packed_read(self, keys: tuple[str, ...]) -> list[bytes]:
        # The same few sets of keys are read on every request: the command is packed once for each.
        return self._quick_connection().pack_command("MGET", *(self._made_key(key) for key in keys))

    def read_many(self, keys: list[str]) -> dict:
        """As `get_many`, on this thread's own connection to the first server (see the module's docstring)."""
        try:
            connection = self._quick_connection()
            connection.send_packed_command(self._packed_read(tuple(keys)), check_health=False)
            values = connection.read_response()
        except (redis.RedisError, OSError):
            self._drop_quick_connection()
            return self.get_many(keys)
        loads = self._cache._serializer.loads
        return {key: loads(value) for key, value in zip(keys, values, strict=True) if value is not None}

    def write_many(self, values: dict, *, delete: list[str] = ()) -> None:
        """As `delete_many(delete)` then `set_many(values, timeout=None)` (kept until replaced), in one round trip on
        this thread's own connection: every post writes the page cache's versions and forgets two counts."""
        dumps = self._cache._serializer.dumps
        commands = [("DEL", *(self._made_key(key) for key in delete))] if delete else []
        pairs = [part for key, value in values.items() for part in (self._made_key(key), dumps(value))]
        commands.append(("MSET", *pairs))
        try:
            connection = self._quick_connection()
            connection.send_packed_command(connection.pack_commands(commands), check_health=False)
            for _ in commands:
                connection.read_response()
        except (redis.RedisError, OSError):
            self._drop_quick_connection()
            if delete:
                self.delete_many(list(delete))
            self.set_many(values, timeout=None)

    def incr_counters(self, counters: list[tuple[str, int]]) -> list[int]:
        """Add one to each (key, seconds to live) counter, creating it with that life; return the new counts."""
        client = self._cache.get_client(write=True)
        with client.pipeline(transaction=False) as pipe:
            for key, timeout in counters:
                key = self.make_and_validate_key(key)
                pipe.set(key, 0, ex=timeout, nx=True)  # a new window starts at 0 with its life; a running one stays
                pipe.incr(key)
            replies = pipe.execute()
        return [int(count) for count in replies[1::2]]


def read_many(keys: list[str]) -> dict:
    """The cached values under `keys` that exist: in one quick round trip on Redis, by `get_many` elsewhere."""
    quick = getattr(cache, "read_many", None)
    return quick(keys) if quick is not None else cache.get_many(keys)


def read(key: str):
    """The cached value under `key`, or None: by the quick read, for the values every post or page asks for."""
    return read_many([key]).get(key)


def write_many(values: dict, *, delete: list[str] = ()) -> None:
    """Forget `delete` and keep `values` until replaced: in one quick round trip on Redis, by `delete_many` and
    `set_many` elsewhere."""
    quick = getattr(cache, "write_many", None)
    if quick is not None:
        quick(values, delete=delete)
        return
    if delete:
        cache.delete_many(list(delete))
    cache.set_many(values, timeout=None)
