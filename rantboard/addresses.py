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


def number_from(text: str, *, digits: int) -> int | None:
    """A number typed into an address or form field (`?page=`, `?story=`, an admin filter): `text` when it is ASCII
    digits only, at most `digits` of them; None for anything else. `str.isdigit()` alone passes "²", which `int()`
    refuses, and a run of digits of any length, which the database refuses past the size of its integers."""
    if not (text.isascii() and text.isdigit()) or len(text) > digits:
        return None
    return int(text)


def page_number(value: str, **url_kwargs) -> str | None:
    """A list's `?page=` in its one spelling: the number without sign, spaces or leading zeros, and no parameter at
    all for the first page (the list's own address). Anything that is not a number is left as sent, for the list to
    answer 404. Registered with the page cache, which moves every other spelling to this one (301)."""
    text = value.strip()
    digits = text[1:] if text.startswith("+") else text
    if not (digits.isascii() and digits.isdigit()):
        return value
    digits = digits.lstrip("0") or "0"  # no int(): a number of ten thousand digits is no error here
    return None if digits == "1" else digits
