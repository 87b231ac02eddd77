"""Per-visitor values of cached pages (rantboard.pagecache): filled in for each request, never cached."""

import functools
import hashlib
from urllib.parse import unquote

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.safestring import mark_safe

from rantboard.markup import escape
from rantboard.pagecache import register_shared_slot, register_slot

from . import defences
from .forms import new_form_token
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


register_slot("form_token")(lambda request: new_form_token())
register_slot("stamp")(lambda request: defences.form_stamp())
register_slot("nic")(lambda request: escape(remembered_nic(request)))
register_slot("greeting")(greeting_html)


@functools.cache
def _latest_feeds() -> str:
    return (
        f'<p class="feeds"><a href="{reverse("comments:feed_latest_rss")}">Comments RSS</a> · '
        f'<a href="{reverse("comments:feed_latest_atom")}">Atom</a></p>'
    )


def latest_sidebar_html() -> str:
    """The latest-comments box: stored lines joined (comments.rows.latest_item), one query and no per-row work."""
    items = "".join(Comment.objects.latest_items(20))
    listing = f"<ol>\n{items}</ol>\n  {_latest_feeds()}" if items else "<p>No comments yet.</p>"
    return mark_safe(  # noqa: S308 (the lines are escaped in comments.rows)
        f'<section class="latest-comments" aria-labelledby="latest-comments-heading">\n'
        f'  <h2 id="latest-comments-heading">Latest comments</h2>\n'
        f"  {listing}\n"
        f"</section>\n"
    )


# The sidebar of a cached story page: the same for every page of one site version, rendered once for all of them.
register_shared_slot("latest", latest_sidebar_html)
