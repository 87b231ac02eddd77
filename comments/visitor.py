"""What a story page shows one visitor: the nic and website this browser posts under, their greeting, a fresh form
stamp.

On a page the page cache keeps (rantboard.pagecache), these are slots filled in for each request; the fillers are
registered in CommentsConfig.ready(). Elsewhere (a logged-in editor, a refused post) the values are put in directly.
"""

from __future__ import annotations

import time
from urllib.parse import unquote

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from markupsafe import escape

from rantboard import pagecache

from . import bbcode
from .defences import new_stamp
from .models import Comment, Commenter
from .nics import nic_key
from .services import count_cache_key

NIC_COOKIE = "rb_nic"  # the nic this browser last posted under (read by the toolbar script for "My Original Nic")
WEBSITE_COOKIE = "rb_website"  # the website it last gave, put back in the form like the nic


def remembered_nic(request) -> str:
    return unquote(request.COOKIES.get(NIC_COOKIE, ""))[:200]


def remembered_website(request) -> str:
    website = unquote(request.COOKIES.get(WEBSITE_COOKIE, ""))[:500]
    return website if bbcode.clean_url(website) else ""  # only what the form itself would accept


def posted_count(nic: str) -> int:
    """How many comments the nic has posted, from the cache when it can (a returning reader's greeting)."""
    key = nic_key(nic)
    if not key:
        return 0
    count = cache.get(count_cache_key(key))
    if count is None:
        count = Commenter.objects.filter(key=key).values_list("comment_count", flat=True).first() or 0
        cache.set(count_cache_key(key), count, 300)
    return count


LAST_POST_COOKIE = "rb_last"  # the story, number and time of this browser's last comment (signed): "Edit it" offer
LAST_POST_SALT = "rantboard.last-post"


def last_post(request, story_pk: int) -> tuple[int, float] | None:
    """(number, seconds left to edit it) of this browser's last comment, if it is on this story and still editable."""
    value = request.get_signed_cookie(LAST_POST_COOKIE, default="", salt=LAST_POST_SALT)
    try:
        story, number, posted = value.split(":")
        left = float(posted) + settings.COMMENT_EDIT_MINUTES * 60 - time.time()
        return (int(number), left) if int(story) == story_pk and left > 0 else None
    except ValueError:
        return None


def _still_editable(story_pk: int, number: int) -> bool:
    """Whether the comment the last-post cookie names is still as its author left it: on the board, and no editor has
    redacted or changed it (services.edit_refusal says the rest: the cookie holds the time, and the form the owner)."""
    return Comment.objects.as_their_authors_left_them().filter(article_id=story_pk, number=number).exists()


def greeting_html(request, story_pk: int | str = "") -> str:
    nic = remembered_nic(request)
    if not nic:
        return ""  # a browser that never posted: nothing to say, and nothing to read
    editable = last_post(request, int(story_pk)) if str(story_pk).isdigit() else None
    if editable and not _still_editable(int(story_pk), editable[0]):
        editable = None  # an editor stepped in, or took it off the board: an offer that can only be refused is none
    context = {"count": posted_count(nic), "SITE_NAME": settings.SITE_NAME, "story_pk": story_pk}
    if editable:
        context.update(edit_number=editable[0], edit_minutes=max(1, round(editable[1] / 60)))
    return render_to_string("comments/_greeting.html", context)


def latest_comments_html() -> str:
    # A redacted comment keeps its place in its thread, with the editors' note; the front page need not point to it.
    return render_to_string("comments/_latest.html", {"comments": Comment.objects.latest(20, redacted=False)})


def register_slots() -> None:
    pagecache.register_slot("stamp", lambda request, story_pk: new_stamp(int(story_pk)))
    # Escaped as the templates escape, so a cached page and a rendered one say the same thing.
    pagecache.register_slot("nic", lambda request, arg: str(escape(remembered_nic(request))), cookies=[NIC_COOKIE])
    pagecache.register_slot(
        "website", lambda request, arg: str(escape(remembered_website(request))), cookies=[WEBSITE_COOKIE]
    )
    pagecache.register_slot(
        "greeting",
        lambda request, story_pk: greeting_html(request, story_pk),
        cookies=[NIC_COOKIE, LAST_POST_COOKIE],
        fresh=[LAST_POST_COOKIE],  # a commenter just redirected to their comment sees it, whichever worker answers
    )
    # The latest comments on a cached story page: the same for every page of one site version, rendered once.
    pagecache.register_shared_slot("latest", latest_comments_html)
