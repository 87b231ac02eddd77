"""The comments' parts of story pages and the front page: the one point where stories' templates meet comments.

`articles` code never imports `comments` (the dependency runs comments -> articles); its templates call these,
which the template environment provides (rantboard/jinja2.py): `comment_section(article)`, `latest_comments()`,
`comment_stats()`.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import Sum
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from jinja2 import pass_context

from articles.models import Article, Picture
from rantboard import pagecache

from . import services, visitor
from .defences import new_stamp
from .forms import CommentForm
from .models import Comment
from .nics import MAX_NIC_LENGTH


@pass_context
def comment_section(context, article: Article) -> str:
    """A story's numbered comments, then the form (or why there is none).

    The page's context may carry a bound `comment_form` with its errors (a refused post), `comment_error`,
    `comment_preview` and `nic_note`. On a page the page cache keeps, the visitor's own values are slot markers.
    """
    request = context["request"]
    rows = Comment.objects.thread_rows(article)  # the count and the rows from one statement: they always agree
    caching = pagecache.caching(request)
    form = context.get("comment_form")
    if form is None:
        nic = pagecache.slot("nic") if caching else visitor.remembered_nic(request)
        website = pagecache.slot("website") if caching else visitor.remembered_website(request)
        initial = {"nic": nic, "website": website, "body": _quoted(article, request.GET.get("quote", ""))}
        form = CommentForm(story_pk=article.pk, initial=initial)
    comments_open = article.comments_open()
    greeting = pagecache.slot("greeting", article.pk) if caching else visitor.greeting_html(request, article.pk)
    section = {
        "article": article,
        "rows": mark_safe("".join(rows)),  # noqa: S308 (rows are the project's template's output, stored at write)
        "count": len(rows),
        "comments_open": comments_open,
        "closed_message": services.CLOSED_MESSAGE,
        "refused_text": form.data.get("body") if form.is_bound and not comments_open else "",
        "form": form,
        "max_nic_length": MAX_NIC_LENGTH,
        "csrf_value": pagecache.slot("csrf") if caching else get_token(request),
        "stamp": pagecache.slot("stamp", article.pk) if caching else new_stamp(article.pk),
        "greeting": mark_safe(greeting),  # noqa: S308 (a marker made from the secret, or a template's output)
        "pictures": Picture.objects.names(),
        "comment_error": context.get("comment_error"),
        "comment_preview": context.get("comment_preview"),
        "nic_note": context.get("nic_note"),
    }
    return mark_safe(render_to_string("comments/_section.html", section))  # noqa: S308 (a template's output)


def _quoted(article: Article, number: str) -> str:
    """The Quote link without JavaScript (?quote=N): comment #N's text in a [quote], to reply under. Only what
    readers can see is quoted."""
    if not number.isdigit() or len(number) > 7:
        return ""
    comment = Comment.objects.shown().filter(article=article, number=int(number), redacted=False).first()
    if comment is None:
        return ""
    return f"[quote={comment.nic}#{comment.number}]{comment.body}[/quote]\n"


@pass_context
def latest_comments(context) -> str:
    """The latest-comments sidebar, kept once per site version for every page; on a story page being cached, a
    shared slot, so a comment elsewhere changes the sidebar without retiring the page."""
    request = context.get("request")
    if pagecache.caching_shared(request):
        return mark_safe(pagecache.slot("latest"))  # noqa: S308 (a marker made from the secret)
    return mark_safe(pagecache.shared_fragment(request, "latest"))  # noqa: S308 (a template's output)


def comment_stats() -> dict[str, int]:
    """Comments archived and posted today, cached briefly and forgotten by every comment.

    The total is the sum of the stories' own counts (kept by the write path and moderation), not a count over every
    comment; both are read from indexes (`article_comment_count`, and `comment_shown_time` from midnight)."""
    stats = cache.get(services.STATS_CACHE_KEY)
    if stats is None:
        start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
        stats = {
            "total": Article.objects.aggregate(total=Sum("comment_count"))["total"] or 0,
            "today": Comment.objects.shown().filter(created_at__gte=start).count(),
        }
        cache.set(services.STATS_CACHE_KEY, stats, 60)
    return stats
