"""Large stored parts of a page, joined into the response as bytes instead of passing through the templates.

A story's thread is most of its page (about 150 KB for 200 comments). As text it would be decoded from the
database, copied at every level of the templates' block nesting, and encoded again at the end; each copy of a page
that size is measurable. A template puts a short stand-in where the part goes (`defer`), and the view's response
has the stand-in replaced by the part's bytes, read as bytes from the database, in one join (`splice`).
"""

from __future__ import annotations

import hashlib

from django.conf import settings


def _marker(index: int) -> str:
    # Derived from the secret, so no content can contain one by chance or by design.
    secret = hashlib.sha256(f"{settings.SECRET_KEY}:splice".encode()).hexdigest()[:20]
    return f"rb-splice-{secret}-{index}."


def defer(request, data: bytes) -> str:
    """A stand-in for `data` (UTF-8 HTML, already safe to show) to put in a page that `splice` will finish."""
    parts = request.__dict__.setdefault("_spliced_parts", [])
    parts.append(data)
    return _marker(len(parts) - 1)


def splice(request, response):
    """The response with every stand-in made for this request replaced by its part."""
    parts = request.__dict__.pop("_spliced_parts", None)
    if not parts or response.streaming:
        return response
    if hasattr(response, "render"):
        response.render()
    content = response.content
    pieces = []
    for index, data in enumerate(parts):
        before, found, after = content.partition(_marker(index).encode())
        if found:  # (a stand-in the page did not use is simply not there)
            pieces += [before, data]
            content = after
    pieces.append(content)
    response.content = b"".join(pieces)
    return response
