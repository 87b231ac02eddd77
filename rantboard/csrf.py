"""Django's CSRF token for a form, made with one read of the system's randomness instead of one per character.

`django.middleware.csrf.get_token` draws each of the 64 characters of a new secret and its mask through
`secrets.choice`, a system call apiece: about 80 microseconds on this stack, the largest single cost of serving a
cached page to a first-time visitor. This does the same thing (a secret of 32 characters kept for the cookie, a
fresh mask each time, the same format and alphabet, so Django's CsrfViewMiddleware checks these tokens unchanged)
from a single `secrets.token_bytes` per value, rejecting bytes that would bias the choice.
"""

from __future__ import annotations

import secrets

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

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
