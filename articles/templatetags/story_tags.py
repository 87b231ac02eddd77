"""Story pieces for templates, built by articles.rows."""

from django import template
from django.utils.safestring import mark_safe

from .. import rows

register = template.Library()


@register.simple_tag
def story_meta(article):
    """Posted by, date and time, and the subjects it is filed under."""
    return mark_safe(rows.story_meta(article))  # noqa: S308 (escaped in rows)
