"""Per-visitor values of cached pages (rantboard.pagecache): filled in for each request, never cached."""

import hashlib
import secrets
from urllib.parse import unquote

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

from rantboard.pagecache import register_slot, shared_fragment

from . import defences
from .models import Comment, Commenter
from .nics import nic_key

COUNT_CACHE_PREFIX = "comments:nic-count:"


def remembered_nic(request) -> str:
    return unquote(request.COOKIES.get("rb_nic", ""))[:200]


def count_cache_key(key: str) -> str:
    return COUNT_CACHE_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:32]


def posted_count(nic: str) -> int | None:
    """How many comments the nic has posted, from the cache when it can (a returning reader's greeting)."""
    key = nic_key(nic)
    if not key:
        return None
    cached = cache.get(count_cache_key(key))
    if cached is None:
        cached = Commenter.objects.filter(key=key).values_list("comment_count", flat=True).first() or 0
        cache.set(count_cache_key(key), cached, 300)
    return cached or None


def greeting_html(request) -> str:
    count = posted_count(remembered_nic(request))
    if not count:
        return ""
    times = "time" if count == 1 else "times"
    return f'<p class="greeting">You have commented {count} {times} on {escape(settings.SITE_NAME)}.</p>'


register_slot("form_token")(lambda request: secrets.token_urlsafe(24))
register_slot("stamp")(lambda request: defences.form_stamp())
register_slot("nic")(lambda request: escape(remembered_nic(request)))
register_slot("greeting")(greeting_html)


def latest_sidebar_html() -> str:
    # Stored lines joined (comments.rows.latest_item): the sidebar costs one query and no per-row work.
    items = mark_safe("".join(Comment.objects.latest_items(20)))  # noqa: S308 (escaped in comments.rows)
    return render_to_string("comments/_latest.html", {"items": items})


# The sidebar of a cached story page: the same for every page of one site version, rendered once for all of them.
register_slot("latest")(lambda request: shared_fragment(request, "latest", latest_sidebar_html))
