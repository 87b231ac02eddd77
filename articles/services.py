"""Writes with rules in them for stories and what files them: save, publish, unpublish, close, reopen, delete.

Each is one transaction and ends by telling the page cache what changed (`rantboard.pagecache.changed`), which only
write functions do. The admin calls them; so do the commands and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from rantboard import pagecache

from .models import (
    NAV_CACHE_KEY,
    NOTES_CSS_CACHE_KEY,
    PICTURE_NAMES_CACHE_KEY,
    PICTURES_CACHE_KEY,
    STORY_STATS_CACHE_KEY,
    Article,
    EditorProfile,
    Picture,
    Region,
    Subject,
)

# What each kind of row is also cached as, besides the pages that show it.
DERIVED_CACHE_KEYS = {
    Region: [NAV_CACHE_KEY],
    Subject: [],
    Picture: [PICTURES_CACHE_KEY, PICTURE_NAMES_CACHE_KEY],
    EditorProfile: [NOTES_CSS_CACHE_KEY],
}


def _stories_changed() -> None:
    """Stories were written: every page may show them, and the front page's counts of them are stale."""
    pagecache.changed(forget=[STORY_STATS_CACHE_KEY])


def _now():
    return timezone.now().replace(microsecond=0)


def article_save(*, article: Article, editor, may_publish: bool, publishing: bool = False) -> Article:
    """Save a story as an editor filed or changed it. A new story is the editor's, and a draft unless they may
    publish; `publishing` (the status was just set to published) without a chosen time in the future publishes it
    now, not on the day the draft was started."""
    if article.pk is None:
        article.posted_by = editor
        if not may_publish:
            article.status = Article.Status.DRAFT
    if publishing and article.status == Article.Status.PUBLISHED and article.published_at < timezone.now():
        article.published_at = _now()
    with transaction.atomic():
        article.save()
        _stories_changed()
    return article


@transaction.atomic
def articles_publish(*, articles: QuerySet) -> int:
    """Publish drafts: one whose time has passed is published now; one scheduled for later keeps its time."""
    now = _now()
    drafts = articles.filter(status=Article.Status.DRAFT)
    changed = drafts.filter(published_at__lte=now).update(
        status=Article.Status.PUBLISHED, published_at=now, updated_at=now
    )
    changed += drafts.filter(published_at__gt=now).update(status=Article.Status.PUBLISHED, updated_at=now)
    _stories_changed()
    return changed


@transaction.atomic
def articles_unpublish(*, articles: QuerySet) -> int:
    changed = articles.filter(status=Article.Status.PUBLISHED).update(
        status=Article.Status.DRAFT, updated_at=timezone.now()
    )
    _stories_changed()
    return changed


@transaction.atomic
def articles_close_comments(*, articles: QuerySet) -> int:
    changed = articles.filter(comments_closed=False).update(comments_closed=True, updated_at=timezone.now())
    _stories_changed()
    return changed


@transaction.atomic
def articles_reopen_comments(*, articles: QuerySet) -> int:
    """Lift an editor's closing. A story past its close-at time stays closed until that time is moved."""
    changed = articles.filter(comments_closed=True).update(comments_closed=False, updated_at=timezone.now())
    _stories_changed()
    return changed


@transaction.atomic
def articles_delete(*, articles: Iterable[Article]) -> None:
    for article in articles:
        article.delete()
    _stories_changed()


def filing_save(*, instance: Region | Subject | Picture | EditorProfile) -> None:
    """Save a region, subject, library picture or editor's note colour."""
    with transaction.atomic():
        instance.save()
        pagecache.changed(forget=DERIVED_CACHE_KEYS[type(instance)])


def filing_delete(*, instances: Iterable[Region | Subject | Picture | EditorProfile]) -> None:
    forget = set()
    with transaction.atomic():
        for instance in instances:
            forget.update(DERIVED_CACHE_KEYS[type(instance)])
            instance.delete()
        pagecache.changed(forget=forget)


def stories_changed_in_bulk() -> None:
    """Stories, or what files them, were written in bulk (`rerender_articles`, `seed_demo`): every page that shows
    them is stale, and so is every list derived from them."""
    derived = {key for keys in DERIVED_CACHE_KEYS.values() for key in keys}
    pagecache.changed(forget=[STORY_STATS_CACHE_KEY, *sorted(derived)])
