"""The template engine of the public pages: Jinja2, through Django's own backend (docs/decisions.md says why).

Templates live in `templates/` and are found by name as Django's would be; the admin and the feeds keep Django's
engine and their templates in the apps' `templates/` folders. Besides Django's `url` and `static`, the environment
gives the two filters the pages use, `date` (Django's date format, in the site's time zone) and `pluralize`, and the
comments' parts of story and front pages (`comments.pageparts`): the one point where stories' templates meet comments.
"""

from __future__ import annotations

import datetime as dt

from django.template.defaultfilters import pluralize
from django.templatetags.static import static
from django.utils import dateformat, timezone
from jinja2 import Environment

from .addresses import address

# The formats the pages use most, written for strftime: Django's date formatting goes through its translation
# machinery for every value, and a front page of a hundred stories formats several hundred dates. The output is
# the same; other formats go to Django's.
STRFTIME = {"Y-m-d H:i": "%Y-%m-%d %H:%M", "Y-m-d H:i T": "%Y-%m-%d %H:%M %Z", "H:i": "%H:%M", "Y-m-d": "%Y-%m-%d"}


def date(value, format_string: str) -> str:
    """As Django's `date` filter: a datetime shown in the site's time zone."""
    if not value:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if format_string == "c":
        return value.isoformat()
    if format_string in STRFTIME:
        return value.strftime(STRFTIME[format_string])
    return dateformat.format(value, format_string)


def environment(**options) -> Environment:
    from comments import pageparts

    options.pop("autoescape", None)  # always on (Django's backend asks for it too): every value is escaped
    env = Environment(autoescape=True, **options)
    env.globals.update(
        url=address,
        static=static,
        comment_section=pageparts.comment_section,
        latest_comments=pageparts.latest_comments,
        comment_stats=pageparts.comment_stats,
    )
    env.filters.update(date=date, pluralize=pluralize)
    return env
