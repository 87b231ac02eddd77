"""Writes with rules in them for stories and what files them: save, publish, unpublish, close, reopen, delete.

Each is one transaction and ends by telling the page cache what changed (`rantboard.pagecache.changed`), which only
write functions do. The admin calls them; so do the commands and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from rantboard import pagecache

from .models import (
    NOTES_CSS_CACHE_KEY,
    PICTURES_CACHE_KEY,
    STORY_STATS_CACHE_KEY,
    Article,
    EditorProfile,
    Picture,
    Region,
    Subject,
    story_cache_key,
)
from .signals import pictures_changed, stories_changed_by_editor

# What each kind of row is also cached as, besides the pages that show it.
DERIVED_CACHE_KEYS = {
    Region: [],
    Subject: [],
    Picture: [PICTURES_CACHE_KEY],
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
        stored = Article.objects.filter(pk=article.pk).first() if article.pk else None
        if stored is None:
            article.save()
        else:
            # The comment and view figures moved while the editor had the form open: the editor's copy of them is
            # stale, and only their own writes set them.
            kept = {"id", *Article.TALLIES}
            article.save(update_fields=[f.name for f in Article._meta.concrete_fields if f.name not in kept])
            for name in Article.TALLIES:
                setattr(article, name, getattr(stored, name))
            _record_form_changes(stored, article, editor)
        _stories_changed()
    return article


def _record_form_changes(stored: Article, article: Article, editor) -> None:
    """Publishing, unpublishing, closing or reopening done in the story's form is recorded as the list actions
    record it (the admin's own log entry only names the fields that changed)."""
    changes = []
    if (stored.status == Article.Status.DRAFT) != (article.status == Article.Status.DRAFT):
        action = "unpublish" if article.status == Article.Status.DRAFT else "publish"
        changes.append(StoryChange(article, action, publication_state(stored), publication_state(article)))
    elif stored.is_published != article.is_published:
        # A scheduled story brought forward to now is published; a published one moved to a later time is
        # withdrawn until then.
        action = "publish" if article.is_published else "unpublish"
        changes.append(StoryChange(article, action, publication_state(stored), publication_state(article)))
    if stored.comments_closed != article.comments_closed:
        action = "close_comments" if article.comments_closed else "reopen_comments"
        changes.append(StoryChange(article, action, comments_state(stored), comments_state(article)))
    _record(editor, changes)


def _record(editor, changes: list[StoryChange]) -> None:
    """In the story's history (Django's admin log, which the admin's History and Recent actions show) and, through
    `stories_changed_by_editor`, in the audit trail: both in the transaction that makes the change, so that no
    change stands without its record."""
    for change in changes:
        LogEntry.objects.log_actions(
            editor.pk, [change.article], CHANGE, change_message=change.message, single_object=True
        )
    if changes:
        stories_changed_by_editor.send(sender=Article, editor=editor, changes=changes)


@dataclass(frozen=True)
class StoryChange:
    """One story's state changed by an editor: what they did, and the state before and after, in words."""

    article: Article
    action: str  # "publish" | "unpublish" | "close_comments" | "reopen_comments"
    before: str
    after: str

    LABELS = {
        "publish": "Published",
        "unpublish": "Unpublished",
        "close_comments": "Closed comments",
        "reopen_comments": "Reopened comments",
    }

    @property
    def message(self) -> str:
        return f"{self.LABELS[self.action]}: {self.before} → {self.after}"


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def publication_state(article: Article) -> str:
    if article.status == Article.Status.DRAFT:
        return "draft"
    if article.is_scheduled:
        return f"scheduled for {_when(article.published_at)}"
    return f"published {_when(article.published_at)}"


def comments_state(article: Article) -> str:
    if article.comments_closed:
        return "closed by an editor"
    if article.comments_open():
        return f"open until {_when(article.closes_at)}"
    return f"closed since {_when(article.closes_at)}"


def _change_states(*, articles: QuerySet, editor, action: str, describe, update: dict, only) -> int:
    """Apply `update` to the stories `only` selects, and record each change (_record)."""
    stories = list(articles.filter(only).select_related(None).order_by("pk"))
    if not stories:
        return 0
    before = {story.pk: describe(story) for story in stories}
    Article.objects.filter(pk__in=[story.pk for story in stories]).update(**update, updated_at=_now())
    changes = [
        StoryChange(article=story, action=action, before=before[story.pk], after=describe(story))
        for story in Article.objects.filter(pk__in=before).order_by("pk")
    ]
    _record(editor, changes)
    _stories_changed()
    return len(changes)


def drafts_closing_before_publication(articles: QuerySet, now=None) -> QuerySet:
    """Drafts whose comments would close before they are published (a past close-at time): published, they would
    open with their thread already closed. The story form refuses the same (ArticleAdminForm.clean)."""
    now = now or _now()
    return articles.filter(status=Article.Status.DRAFT, comments_close_at__isnull=False).filter(
        Q(published_at__lte=now, comments_close_at__lte=now)
        | Q(published_at__gt=now, comments_close_at__lte=F("published_at"))
    )


@transaction.atomic
def articles_publish(*, articles: QuerySet, editor) -> int:
    """Publish drafts: one whose time has passed is published now; one scheduled for later keeps its time. Drafts
    whose comments would close before publication are left as they are (`drafts_closing_before_publication`)."""
    now = _now()
    articles = articles.exclude(pk__in=drafts_closing_before_publication(articles, now).values("pk"))
    changed = _change_states(
        articles=articles.filter(published_at__lte=now), editor=editor, action="publish", describe=publication_state,
        update={"status": Article.Status.PUBLISHED, "published_at": now}, only=Q(status=Article.Status.DRAFT),
    )  # fmt: skip
    changed += _change_states(
        articles=articles.filter(published_at__gt=now), editor=editor, action="publish", describe=publication_state,
        update={"status": Article.Status.PUBLISHED}, only=Q(status=Article.Status.DRAFT),
    )  # fmt: skip
    return changed


@transaction.atomic
def articles_unpublish(*, articles: QuerySet, editor) -> int:
    return _change_states(
        articles=articles, editor=editor, action="unpublish", describe=publication_state,
        update={"status": Article.Status.DRAFT}, only=Q(status=Article.Status.PUBLISHED),
    )  # fmt: skip


@transaction.atomic
def articles_close_comments(*, articles: QuerySet, editor) -> int:
    return _change_states(
        articles=articles, editor=editor, action="close_comments", describe=comments_state,
        update={"comments_closed": True}, only=Q(comments_closed=False),
    )  # fmt: skip


@transaction.atomic
def articles_reopen_comments(*, articles: QuerySet, editor) -> int:
    """Lift an editor's closing. A story past its close-at time stays closed until that time is moved."""
    return _change_states(
        articles=articles, editor=editor, action="reopen_comments", describe=comments_state,
        update={"comments_closed": False}, only=Q(comments_closed=True),
    )  # fmt: skip


@transaction.atomic
def articles_delete(*, articles: Iterable[Article]) -> None:
    for article in articles:
        article.delete()
    _stories_changed()


def filing_save(*, instance: Region | Subject | Picture | EditorProfile) -> None:
    """Save a region, subject, library picture or editor's note colour."""
    with transaction.atomic():
        names = _picture_names([instance])  # a library picture's name before this change (none for a new one)
        instance.save()
        pagecache.changed(forget=DERIVED_CACHE_KEYS[type(instance)])
        if names:
            pictures_changed.send(sender=Picture, names=names)


def filing_delete(*, instances: Iterable[Region | Subject | Picture | EditorProfile]) -> None:
    forget = set()
    with transaction.atomic():
        instances = list(instances)
        names = _picture_names(instances)
        for instance in instances:
            forget.update(DERIVED_CACHE_KEYS[type(instance)])
            instance.delete()
        pagecache.changed(forget=forget)
        if names:
            pictures_changed.send(sender=Picture, names=names)


def _picture_names(instances) -> set[str]:
    ids = [instance.pk for instance in instances if isinstance(instance, Picture) and instance.pk]
    return set(Picture.objects.filter(pk__in=ids).values_list("name", flat=True)) if ids else set()


def record_views(views: dict[int, int]) -> None:
    """Add readers' views to their stories (`{story id: views}`, a batch from articles.readership), and have the
    stories' own pages rendered again with the figure.

    The lists show the figure too, but they are left to catch up when their copies expire (PAGE_CACHE_SECONDS):
    batches come every few seconds on a busy board, and moving the site version with each would send every page to
    be rendered again and change every page's ETag, so that repeat visits would no longer be answered 304
    (docs/decisions.md)."""
    with transaction.atomic():
        for pk, count in sorted(views.items()):  # in id order, so that two servers' batches never wait on each other
            Article.objects.filter(pk=pk).update(view_count=F("view_count") + count)
        pagecache.changed(stories=views, forget=[story_cache_key(pk) for pk in views], elsewhere=False)


def stories_changed_in_bulk() -> None:
    """Stories, or what files them, were written in bulk (`rerender_articles`, `seed_demo`): every page that shows
    them is stale, and so is every list derived from them."""
    derived = {key for keys in DERIVED_CACHE_KEYS.values() for key in keys}
    pagecache.changed(forget=[STORY_STATS_CACHE_KEY, *sorted(derived)])
