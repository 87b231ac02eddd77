"""Django's CSRF token and cookie for the page cache's hits, made with less work than Django's own code.

`django.middleware.csrf.get_token` draws each of the 64 characters of a new secret and its mask through
`secrets.choice`, a system call apiece: about 80 microseconds on this stack, the largest single cost of serving a
cached page to a first-time visitor. This does the same thing (a secret of 32 characters kept for the cookie, a
fresh mask each time, the same format and alphabet, so Django's CsrfViewMiddleware checks these tokens unchanged)
from a single `secrets.token_bytes` per value, rejecting bytes that would bias the choice.

`set_cookie` is `CsrfViewMiddleware.process_response` for a cached page: the same Set-Cookie header, from a cookie
prepared once from the settings, with the expiry date written once a second. Django's `set_cookie` reads six settings,
formats the date and validates every attribute again for every first-time visitor: about 15 microseconds timed
alone, and 40 of a cached story hit's own 160 when it was taken out of the hit.
"""

from __future__ import annotations

import functools
import secrets
import time
from http.cookies import Morsel

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.http import http_date

_CHARS = CSRF_ALLOWED_CHARS
_UNBIASED = 256 - 256 % len(_CHARS)  # bytes at or above this would favour the first few characters
# A random byte below _UNBIASED becomes the character at its value modulo the alphabet's length; bytes.translate
# does that, and drops the others, without a Python step per byte.
_TO_CHAR = bytes(ord(_CHARS[byte % len(_CHARS)]) if byte < _UNBIASED else 0 for byte in range(256))
_DROP = bytes(range(_UNBIASED, 256))
_TO_INDEX = bytes(_CHARS.find(chr(byte)) % 256 for byte in range(256))  # a character of the alphabet -> its place
_SUMS = (_CHARS * 2).encode()  # _SUMS[i + j] is the character at (i + j) modulo the alphabet's length


def random_string(length: int = CSRF_SECRET_LENGTH) -> str:
    """`length` characters drawn uniformly and independently from the CSRF alphabet."""
    drawn = b""
    while len(drawn) < length:
        drawn += secrets.token_bytes(length + 8).translate(_TO_CHAR, _DROP)
    return drawn[:length].decode("ascii")


def get_token(request) -> str:
    """As `django.middleware.csrf.get_token`: the masked token for a form, starting the visitor's secret if they
    have none yet (the middleware then sets the cookie)."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = random_string()
        request.META["CSRF_COOKIE"] = secret
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = random_string()
    # As Django's _mask_cipher_secret: each character of the secret shifted by the mask's character there.
    shifts = zip(secret.encode().translate(_TO_INDEX), mask.encode().translate(_TO_INDEX), strict=True)
    return mask + bytes(_SUMS[s + m] for s, m in shifts).decode("ascii")


def set_cookie(request, response):
    """As `CsrfViewMiddleware.process_response` with the secret in a cookie: the visitor's secret is (re)sent when a
    token was made for this response. The response must already vary on Cookie."""
    if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return response
    morsel = _prepared_cookie().copy()
    morsel.set(morsel.key, request.META["CSRF_COOKIE"], request.META["CSRF_COOKIE"])  # the alphabet needs no quoting
    morsel["expires"] = _expiry(int(time.time()))
    response.cookies[morsel.key] = morsel
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
    return response


@functools.cache
def _prepared_cookie() -> Morsel:
    """The CSRF cookie with every attribute but its value and expiry, from the settings, as Django sets them."""
    morsel = Morsel()
    morsel.set(settings.CSRF_COOKIE_NAME, "", "")
    if settings.CSRF_COOKIE_AGE is not None:  # (None: a cookie for the browser's session, with no max-age)
        morsel["max-age"] = int(settings.CSRF_COOKIE_AGE)
    morsel["path"] = settings.CSRF_COOKIE_PATH
    if settings.CSRF_COOKIE_DOMAIN is not None:
        morsel["domain"] = settings.CSRF_COOKIE_DOMAIN
    if settings.CSRF_COOKIE_SECURE:
        morsel["secure"] = True
    if settings.CSRF_COOKIE_HTTPONLY:
        morsel["httponly"] = True
    if settings.CSRF_COOKIE_SAMESITE:
        morsel["samesite"] = settings.CSRF_COOKIE_SAMESITE
    return morsel


@functools.lru_cache(maxsize=2)
def _expiry(now: int) -> str:
    return "" if settings.CSRF_COOKIE_AGE is None else http_date(now + settings.CSRF_COOKIE_AGE)


@receiver(setting_changed)
def _forget_prepared_cookie(*, setting, **kwargs):
    if setting.startswith("CSRF_COOKIE_"):
        _prepared_cookie.cache_clear()
        _expiry.cache_clear()
