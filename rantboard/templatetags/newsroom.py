"""The newsroom panel on the admin's front page: what an editor looks at first (templates/admin/index.html)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, Flag

register = template.Library()


def _changelist(name: str, **query) -> str:
    return f"{reverse(f'admin:{name}_changelist')}?{urlencode(query)}"


@register.inclusion_tag("admin/newsroom.html")
def newsroom() -> dict:
    now = timezone.now()
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    end = start + dt.timedelta(days=1)
    hour_ago = (now - dt.timedelta(hours=1)).replace(microsecond=0)  # whole seconds, as in the list's link
    day = {"year": today.year, "month": today.month, "day": today.day}
    closing = (
        Article.objects.visible()
        .closing_between(max(start, now), end)
        .only("pk", "title", "published_at", "comments_close_at")
        .order_by("published_at")[:20]
    )
    # Each link is the figure's own query as list filters (the list's status or state filter and the day), so the
    # list shows exactly what was counted: no drafts or scheduled stories, no removed comments. The open flags are
    # the queue's Flags column, summed.
    figures = [
        ("Stories published today", Article.objects.visible().filter(published_at__gte=start).count(),
         _changelist("articles_article", status="published", **{f"published_at__{k}": v for k, v in day.items()})),
        ("Comments today", Comment.objects.shown().filter(created_at__gte=start).count(),
         _changelist("comments_comment", state="not_removed", **{f"created_at__{k}": v for k, v in day.items()})),
        ("Comments in the last hour", Comment.objects.shown().filter(created_at__gte=hour_ago).count(),
         _changelist("comments_comment", state="not_removed", created_at__gte=hour_ago.isoformat())),
        ("Open flags", Flag.objects.filter(resolved_at=None).count(),
         reverse("admin:comments_flaggedcomment_changelist")),
    ]  # fmt: skip
    return {
        "figures": figures,
        "closing": [(story, reverse("admin:articles_article_change", args=[story.pk])) for story in closing],
    }
