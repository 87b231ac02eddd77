"""The board's own addresses, by URL name: Django's `reverse`, remembered.

An address is a pure function of its name and arguments once the URLconf is loaded (and the script prefix, which is
the same for every request of a deployment), and a page of a hundred stories asks for several hundred of them, at
tens of microseconds each through `reverse`. Models' `get_absolute_url` and the templates' `url()` both use this.
"""

import functools

from django.conf import settings
from django.urls import reverse


@functools.lru_cache(maxsize=65536)
def address(name: str, *args) -> str:
    return reverse(name, args=args or None)


def absolute_url(path: str) -> str:
    """A page's address as readers reach it from outside (feeds, the sitemap, canonical links): SITE_URL and the
    path, never the Host header of the request at hand, which anyone can set and a cached page would pass on."""
    return settings.SITE_URL + path
