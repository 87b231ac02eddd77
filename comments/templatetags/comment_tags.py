"""The comment parts of story pages and the front page, so that `articles` never imports `comments`."""

import datetime as dt

from django import template
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles.models import Article, page_lists
from rantboard import pagecache, splice
from rantboard.csrf import get_token

from .. import defences, section, services, slots
from ..forms import new_form_token
from ..models import Comment
from ..rows import comment_row

register = template.Library()


@register.simple_tag(takes_context=True)
def comment_section(context, article):
    """The numbered comments of a story, and the form (or the closed notice) under them (comments.section).

    On a page being cached (rantboard.pagecache), the per-visitor values are slots filled in per request.
    """
    request = context["request"]
    form = context.get("comment_form")
    fresh = {"email": "", "website": "", "body": ""}
    refusal = {}
    if getattr(request, "page_slots", False):
        values = {**fresh, "nic": pagecache.slot("nic"), "token": pagecache.slot("form_token")}
        visitor = {
            "csrf": pagecache.slot("csrf"),
            "stamp": pagecache.slot("stamp"),
            "greeting": pagecache.slot("greeting"),
        }
    else:
        if form is None:
            values = {**fresh, "nic": slots.remembered_nic(request), "token": new_form_token()}
        else:
            values = section.form_values(form)
            if form.is_bound and article.comments_open():  # (a closed story shows no form, so no errors to check)
                refusal = {"errors": form.errors, "non_field_errors": str(form.non_field_errors())}
        visitor = {"csrf": get_token(request), "stamp": defences.form_stamp(), "greeting": slots.greeting_html(request)}
    built = section.comment_section(
        section.Section(
            article=article,
            # Stored rows joined, as bytes spliced into the response (rantboard.splice): no per-comment work and
            # no copies of the thread on the read path.
            rows=splice.defer(request, Comment.objects.thread_html(article)),
            values=values,
            posted=form is not None and form.is_bound,
            comments_open=article.comments_open(),
            pictures=page_lists(request)[1],
            comment_error=context.get("comment_error"),
            comment_preview=context.get("comment_preview"),
            nic_note=context.get("nic_note"),
            **visitor,
            **refusal,
        )
    )
    return mark_safe(built)  # noqa: S308 (escaped in comments.section)


@register.simple_tag(takes_context=True)
def latest_comments(context):
    """The latest-comments sidebar; on a story page being cached, a slot filled per site version instead
    (comments.slots.latest_sidebar), so a comment elsewhere changes the sidebar without retiring the page."""
    request = context.get("request")
    if getattr(request, "page_shared_slots", False):
        return mark_safe(pagecache.slot("latest"))  # noqa: S308 (a marker from the secret)
    return slots.latest_sidebar_html()


@register.simple_tag
def comment_stats():
    """Comments archived and posted today, cached briefly and dropped by every comment.

    The total is the sum of the stories' own counts (kept by the write path and moderation), not a count over every
    comment: on a board of half a million comments that count took about 0.4 s, paid again after each comment. Both
    are read from indexes alone (`article_comment_count`, and `comment_shown_time` from midnight), not from the
    rows."""
    stats = cache.get(services.STATS_CACHE_KEY)
    if stats is None:
        start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
        stats = {
            "total": Article.objects.aggregate(total=Sum("comment_count"))["total"] or 0,
            "today": Comment.objects.shown().filter(created_at__gte=start).count(),
        }
        cache.set(services.STATS_CACHE_KEY, stats, 60)
    return stats


@register.simple_tag
def story_comment_row(comment):
    """A comment outside its thread (nic pages), built the same way as the stored rows."""
    return mark_safe(comment_row(comment, with_story=True))  # noqa: S308 (escaped in comments.rows)
