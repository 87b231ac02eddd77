"""The comments' parts of story pages and the front page: the one point where stories' templates meet comments.

The `articles` app's code never imports `comments` (the dependency runs comments -> articles; only the demo-content
command fills both); its templates call these,
which the template environment provides (rantboard/jinja2.py): `comment_section(article)`, `latest_comments()`,
`comment_stats()`.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import DatabaseError, InterfaceError
from django.db.models import Sum
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from jinja2 import pass_context
from markupsafe import escape

from articles.models import Article, Picture
from rantboard import pagecache
from rantboard.addresses import number_from

from . import bbcode, services, visitor
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
        quote = pagecache.slot("quote", article.pk) if caching else _quoted(article.pk, request.GET.get("quote", ""))
        initial = {"nic": nic, "website": website, "body": quote}
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


def _quotable(story_pk: int, number: str) -> Comment | None:
    """Comment #N of the story when readers can see it (so may quote it); None for anything else."""
    if (number := number_from(number, digits=7)) is None:
        return None
    return Comment.objects.visible().public().filter(article_id=story_pk, number=number, redacted=False).first()


def _quoted(story_pk: int, number: str) -> str:
    """The Quote link without JavaScript (?quote=N): comment #N's text in a [quote], to reply under. Only what
    readers can see is quoted."""
    comment = _quotable(story_pk, number)
    if comment is None:
        return ""
    return f"[quote={bbcode.quote_option(comment.nic)}#{comment.number}]{comment.body}[/quote]\n"


def quote_number(value: str, *, pk: int, **url_kwargs) -> str | None:
    """`?quote=` in its one spelling: the number of a comment readers can quote, without leading zeros; None for
    anything else (a word, a number with no comment, a removed or redacted one), whose page is the story page."""
    try:
        comment = _quotable(pk, value.lstrip("0"))
    except (DatabaseError, InterfaceError):
        # The database is away: leave the address as it is, so the page cache can answer with the story's last
        # copy (its form without the quote) rather than a 503 for the whole page.
        return value
    return str(comment.number) if comment is not None else None


def register_quote() -> None:
    """?quote=N leaves the story page as stored: the page cache moves any other value to the story's own address
    (or N's one spelling) before anything is rendered, and fills the form's text per request. So a flood of
    `?quote=` values is neither a render each nor a page stored each, and a story keeps one stored page."""
    pagecache.register_query_parameter("quote", quote_number, in_slot=True)
    # Escaped as the templates escape the form's text, so a cached page and a rendered one say the same thing.
    pagecache.register_slot("quote", lambda request, pk: str(escape(_quoted(int(pk), request.GET.get("quote", "")))))


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
