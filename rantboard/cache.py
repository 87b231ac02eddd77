"""Django's Redis cache backend, keeping one client object per connection pool, with counters in one round trip.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every operation; building one fills a table of
about 170 reply callbacks, which costs more than the round trip to Redis itself. The page cache makes one or two
cache reads per request, so that construction was a measurable part of a cached page. A `redis.Redis` is safe to
share between threads (each command takes a connection from the pool), so one per pool is kept and reused.

`incr_counters` counts several rate-limit windows in one pipelined round trip (SET ... NX EX to create a counter with
its life, then INCR), where Django's `add` and `incr` take three round trips a counter. Other cache backends lack
it, and `comments.defences` falls back to `add` and `incr` for them.
"""

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
