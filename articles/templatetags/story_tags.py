"""Story pieces for templates, built by articles.rows."""

from django import template
from django.utils.safestring import mark_safe

from .. import rows
from ..models import _path

register = template.Library()


@register.simple_tag
def story_meta(article, subjects=None):
    """Posted by, date and time, and the subjects it is filed under."""
    return mark_safe(rows.story_meta(article, subjects))  # noqa: S308 (escaped in rows)


@register.simple_tag
def story_page_block(article, subjects):
    return mark_safe(rows.story_page_block(article, subjects))  # noqa: S308 (escaped in rows)


@register.simple_tag(takes_context=True)
def story_page_head(context, article):
    request = context["request"]
    canonical = f"{request.scheme}://{request.get_host()}{article.get_absolute_url()}"
    feed = _path("comments:feed_story_rss", pk=article.pk)
    return mark_safe(rows.story_page_head(article, canonical=canonical, comments_feed=feed))  # noqa: S308
