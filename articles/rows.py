"""Story rows of the list pages and the day page, built in Python.

Django's template engine costs several microseconds per variable, and a list of 30 or 100 stories has a few thousand
of them; these builders do the same work with f-strings. Every value from the database is escaped here except the
renderer's own stored HTML (body_html, lead_note_html).
"""

from __future__ import annotations

from django.utils import timezone

from rantboard.markup import escape

from .models import Article, display_name


def _plural(count: int) -> str:
    return f"{count} comment" if count == 1 else f"{count} comments"


def _time(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    local = timezone.localtime(value)
    return f'<time datetime="{local.isoformat()}">{local.strftime(fmt)}</time>'


def _comments_link(article: Article) -> str:
    return f'<a href="{escape(article.get_absolute_url())}#comments">{_plural(article.comment_count)}</a>'


def story_list_item(article: Article) -> str:
    lead = f'\n    <p class="lead-note">{article.lead_note_html}</p>' if article.lead_note_html else ""
    region = article.region
    return (
        f'<li class="story-list-item">\n'
        f'    <h2 class="story-title"><a href="{escape(article.get_absolute_url())}">{escape(article.title)}</a> '
        f'<a class="source-tag" href="{escape(article.source_url)}" rel="noopener">'
        f"[{escape(article.source_name)}]</a></h2>"
        f"{lead}\n"
        f'    <p class="headline-meta"><a class="region-tag" href="{escape(region.get_absolute_url())}">'
        f"{escape(region.name)}</a> · Posted by {escape(display_name(article.posted_by))} · "
        f"{_time(article.published_at)} · {_comments_link(article)}</p>\n"
        f"  </li>\n"
    )


def index_item(article: Article) -> str:
    latest = ""
    if article.last_comment_at:
        latest = f", latest {_time(article.last_comment_at, '%H:%M')} by <bdi>{escape(article.last_comment_nic)}</bdi>"
    closed = "" if article.comments_open() else " · closed"
    return (
        f'<li><a href="#story-{article.pk}">{escape(article.title)}</a> <span class="headline-meta">'
        f"{escape(article.region.name)} · {_comments_link(article)}{latest}{closed}</span></li>\n"
    )


def story_meta(article: Article, subjects=None) -> str:
    """Posted by, when, and what it is filed under (`subjects`, when the caller read them itself)."""
    if subjects is None:
        subjects = article.subjects.all()
    filed = ""
    if subjects:
        links = ", ".join(f'<a href="{escape(s.get_absolute_url())}">{escape(s.name)}</a>' for s in subjects)
        filed = f'\n  · <span class="file-under">File under: {links}</span>'
    return (
        f'<p class="story-meta">\n'
        f'  Posted by <span class="editor">{escape(display_name(article.posted_by))}</span>\n'
        f"  · {_time(article.published_at)}{filed}\n"
        f"</p>\n"
    )


def story_block(article: Article, subjects=None) -> str:
    """A whole story as the front page and day pages show it (`subjects`, when the caller read them itself)."""
    pk = article.pk
    source = escape(article.source_url)
    lead = f'  <p class="lead-note">{article.lead_note_html}</p>\n' if article.lead_note_html else ""
    url = escape(article.get_absolute_url())
    return (
        f'<article class="story" id="story-{pk}" aria-labelledby="story-{pk}-title">\n'
        f'  <h3 class="story-title" id="story-{pk}-title">\n'
        f'    <a href="{source}" rel="noopener" class="source-link">{escape(article.title)}</a>\n'
        f'    <a class="source-tag" href="{source}" rel="noopener">[{escape(article.source_name)}]</a>\n'
        f"  </h3>\n"
        f"{lead}"
        f'  <div class="article-body">{article.body_html}</div>\n'
        f"  {story_meta(article, subjects)}"
        f'  <p class="story-links"><a href="{url}">Permalink</a> · {_comments_link(article)}</p>\n'
        f"</article>\n"
    )


def story_page_block(article: Article, subjects) -> str:
    """The story as its own page shows it: its region, the whole story, who posted it and what it is filed under;
    a banner over drafts and scheduled stories, which only editors can open."""
    banner = ""
    if not article.is_published:
        if article.is_scheduled:
            state = f"Scheduled for {timezone.localtime(article.published_at):%Y-%m-%d %H:%M}"
        else:
            state = "Draft"
        banner = f'<p class="preview-banner" role="status">{state}: only editors can see this page.</p>\n'
    source = escape(article.source_url)
    lead = f'  <p class="lead-note">{article.lead_note_html}</p>\n' if article.lead_note_html else ""
    region = article.region
    return (
        f"{banner}"
        f'<p class="story-region"><a href="{escape(region.get_absolute_url())}">{escape(region.name)}</a></p>\n'
        f'<article class="story story-full" id="story-{article.pk}" aria-labelledby="story-title">\n'
        f'  <h1 class="story-title" id="story-title">\n'
        f'    <a href="{source}" rel="noopener" class="source-link">{escape(article.title)}</a>\n'
        f'    <a class="source-tag" href="{source}" rel="noopener">[{escape(article.source_name)}]</a>\n'
        f"  </h1>\n"
        f"{lead}"
        f'  <div class="article-body">{article.body_html}</div>\n'
        f"  {story_meta(article, subjects)}"
        f"</article>\n"
    )


def story_page_head(article: Article, *, canonical: str, comments_feed: str) -> str:
    """What the story page adds to <head>: its comments feed, its one canonical address, and for previews a
    request to search engines to stay away."""
    title = escape(article.title)
    robots = "" if article.is_published else '\n  <meta name="robots" content="noindex">'
    return (
        f'<link rel="alternate" type="application/rss+xml" title="Comments on {title}" href="{comments_feed}">\n'
        f'  <link rel="canonical" href="{escape(canonical)}">{robots}'
    )
