"""A comment as it appears in its thread, built once when the comment is written (or moderated) and stored.

The read path then joins stored strings: a story page with 1,000 comments does no per-comment template work. The
row depends only on the comment and the site's TIME_ZONE; `manage.py rerender_comments` rebuilds rows after a
change to either the markup here or the time zone.
"""

from __future__ import annotations

from django.utils import timezone

from rantboard.markup import escape

REDACTED_TEXT = "This comment was removed by an editor."


def latest_item(comment) -> str:
    """The comment's line in the "Latest comments" sidebar, stored with the row (and rebuilt when a story is
    retitled)."""
    local = timezone.localtime(comment.created_at)
    return (
        f'<li><a href="{escape(comment.nic_url)}"><bdi>{escape(comment.nic)}</bdi></a> on '
        f'<a href="{escape(comment.get_absolute_url())}">{escape(comment.article.title)}</a> '
        f'<time class="count" datetime="{local.isoformat()}">{local:%b} {local.day} {local:%H:%M}</time></li>\n'
    )


def comment_row(comment, *, with_story: bool = False) -> str:
    """The HTML of one comment; `with_story` for lists outside its thread (nic pages), linking back to it."""
    local = timezone.localtime(comment.created_at)
    if with_story:
        element_id = f"comment-{comment.pk}"
        number_href = escape(comment.get_absolute_url())
    else:
        element_id = comment.anchor
        number_href = f"#{comment.anchor}"
    nic = f"<bdi>{escape(comment.nic)}</bdi>"
    if comment.website:
        nic_link = f'<a class="nic" href="{escape(comment.website)}" rel="nofollow ugc noopener">{nic}</a>'
    else:
        nic_link = f'<a class="nic" href="{escape(comment.nic_url)}">{nic}</a>'
    story = f' on <a href="{number_href}">{escape(comment.article.title)}</a>' if with_story else ""
    if comment.redacted:
        body = f'<p class="redaction">{escape(comment.redaction_note or REDACTED_TEXT)}</p>'
    else:
        # body_html is the comment renderer's own bleached output.
        body = f'<div class="comment-body">{comment.body_html}</div>'
        if comment.moderator_note:
            body += f'\n  <p class="moderator-note">{escape(comment.moderator_note)}</p>'
    css = "comment comment-redacted" if comment.redacted else "comment"
    return (
        f'<article class="{css}" id="{element_id}">\n'
        f'  <header class="comment-head">\n'
        f'    <a class="comment-number" href="{number_href}">#{comment.number}</a>\n'
        f"    {nic_link}\n"
        f'    <time datetime="{local.isoformat()}">{local:%Y-%m-%d %H:%M}</time>{story}\n'
        f'    <a class="top-link" href="#top">Top</a>\n'
        f"  </header>\n"
        f"  {body}\n"
        f"</article>\n"
    )
