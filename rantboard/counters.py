"""The counters that limits decide by (comment rate limits, the admin login limiter), in their own cache.

They live in `CACHES["counters"]`, never in the default cache with the pages: a flood of page writes culls or evicts
entries there, and a counter that disappears lets its limit start again (docs/security.md).
"""

from django.core.cache import caches

from .cache import CacheUnavailableError


def store():
    return caches["counters"]


def hit(key: str, *, seconds: int) -> int:
    """Add one to the counter `key` (made, with a life of `seconds`, if new) and return its new value.

    The increment is one atomic step in the store, so requests racing each other each get their own number and the
    number decides: checking first and counting afterwards would let every racing request through.
    """
    counters = store()
    try:
        counters.add(key, 0, timeout=seconds)
        try:
            count = counters.incr(key)
        except CacheUnavailableError:
            raise
        except ValueError:  # expired between add and incr: this attempt opens a new window
            if counters.add(key, 1, timeout=seconds):
                return 1
            count = counters.incr(key)
    except CacheUnavailableError:
        # The store is away: nothing is counted until it is back, and the limits let everyone through meanwhile
        # (docs/reliability.md). Refusing everyone instead would take posting and editors' logins down with it.
        return 0
    if count == 1:
        # The first count of a window: make sure it has its life. Redis's INCR on a key that expired just after
        # Django checked it makes a key that never expires (a login limit that would never lift).
        counters.touch(key, timeout=seconds)
    return count
