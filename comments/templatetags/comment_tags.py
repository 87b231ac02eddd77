"""The comment parts of story pages and the front page, so that `articles` never imports `comments`."""

import datetime as dt

from django import template
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.safestring import mark_safe

from .. import defences, services
from ..forms import CommentForm
from ..models import Comment, Commenter
from ..nics import nic_key
from ..rows import comment_row
from ..views import remembered_nic

register = template.Library()


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, article):
    """The numbered comments of a story, and the form (or the closed notice) under them."""
    request = context["request"]
    nic = remembered_nic(request)
    form = context.get("comment_form") or CommentForm(initial={"nic": nic}, user=request.user)
    posted_count = None
    if nic and nic_key(nic):
        posted_count = Commenter.objects.filter(key=nic_key(nic)).values_list("comment_count", flat=True).first()
    return {
        "request": request,
        "article": article,
        # Stored rows joined: no per-comment work on the read path (comments.rows).
        "comment_rows": mark_safe("".join(Comment.objects.rows_for(article))),  # noqa: S308
        "form": form,
        "comments_open": article.comments_open(),
        "comment_error": context.get("comment_error"),
        "comment_preview": context.get("comment_preview"),
        "nic_note": context.get("nic_note"),
        "stamp": defences.form_stamp(),
        "posted_count": posted_count,
        "pictures": sorted(services.picture_library()),
        "SITE_NAME": context.get("SITE_NAME"),
    }


@register.inclusion_tag("comments/_latest.html")
def latest_comments(count=20):
    return {"comments": Comment.objects.latest(count)}


@register.simple_tag
def comment_stats():
    """Comments archived and posted today, cached briefly (a count over every comment is not free)."""
    stats = cache.get(services.STATS_CACHE_KEY)
    if stats is None:
        start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
        stats = Comment.objects.shown().aggregate(total=Count("id"), today=Count("id", filter=Q(created_at__gte=start)))
        cache.set(services.STATS_CACHE_KEY, stats, 60)
    return stats


@register.simple_tag
def story_comment_row(comment):
    """A comment outside its thread (nic pages), built the same way as the stored rows."""
    return mark_safe(comment_row(comment, with_story=True))  # noqa: S308 (escaped in comments.rows)
