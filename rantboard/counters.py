"""The counters that limits decide by (comment rate limits, the admin login limiter), in their own cache.

They live in `CACHES["counters"]`, never in the default cache with the pages: a flood of page writes culls or evicts
entries there, and a counter that disappears lets its limit start again (docs/security.md).
"""

from django.core.cache import caches


def store():
    return caches["counters"]


def hit(key: str, *, seconds: int) -> int:
    """Add one to the counter `key` (made, with a life of `seconds`, if new) and return its new value.

    The increment is one atomic step in the store, so requests racing each other each get their own number and the
    number decides: checking first and counting afterwards would let every racing request through.
    """
    counters = store()
    counters.add(key, 0, timeout=seconds)
    try:
        count = counters.incr(key)
    except ValueError:  # expired between add and incr: this attempt opens a new window
        if counters.add(key, 1, timeout=seconds):
            return 1
        count = counters.incr(key)
    if count == 1:
        # The first count of a window: make sure it has its life. Redis's INCR on a key that expired just after
        # Django checked it makes a key that never expires (a login limit that would never lift).
        counters.touch(key, timeout=seconds)
    return count
