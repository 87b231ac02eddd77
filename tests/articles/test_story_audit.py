"""Publishing, unpublishing, closing and reopening leave a trail: who, when, from what to what, in the story's
history, in the admin's recent actions and in the audit trail, whether done by a list action or in the form."""

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.models import ModerationAction
from tests.articles.test_admin import _run_action, _story_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("action", "start", "before", "after"),
    [
        ("close_comments", {}, "open until", "closed by an editor"),
        ("reopen_comments", {"comments_closed": True}, "closed by an editor", "open until"),
        ("unpublish", {}, "published", "draft"),
        ("publish", {"status": Article.Status.DRAFT}, "draft", "published"),
    ],
)
def test_a_list_action_is_recorded_with_who_and_from_what_to_what(
    editor_client, editor, make_article, action, start, before, after
):
    story = make_article(title="Ferry strike talks", **start)
    assert _run_action(editor_client, action, [story]).status_code == 200

    history = editor_client.get(reverse("admin:articles_article_history", args=[story.pk])).content.decode()
    assert "has no change history" not in history
    assert before in history and after in history and editor.get_username() in history

    index = editor_client.get(reverse("admin:index")).content.decode()
    assert "Ferry strike talks" in index  # Recent actions

    row = ModerationAction.objects.get(article=story)
    assert (row.action, row.moderator) == (action, editor)
    assert row.before.startswith(before) and row.after.startswith(after)
    trail = editor_client.get(reverse("admin:comments_moderationaction_changelist")).content.decode()
    assert "Ferry strike talks" in trail and "→" in trail


def test_closing_in_the_story_form_is_recorded_like_the_action(editor_client, editor, region, subject):
    editor_client.post(reverse("admin:articles_article_add"), _story_form(region, subject, status="published"))
    story = Article.objects.get()
    published = timezone.localtime(story.published_at)
    form = _story_form(
        region, subject, status="published", comments_closed="on",
        published_at_0=f"{published:%Y-%m-%d}", published_at_1=f"{published:%H:%M:%S}",
    )  # fmt: skip
    response = editor_client.post(reverse("admin:articles_article_change", args=[story.pk]), form)
    assert response.status_code == 302
    row = ModerationAction.objects.get(article=story)
    assert row.action == "close_comments" and row.after == "closed by an editor"
    history = editor_client.get(reverse("admin:articles_article_history", args=[story.pk])).content.decode()
    assert "Closed comments: open until" in history


@pytest.mark.parametrize(
    ("start", "change", "action", "before", "after", "history"),
    [
        ({"status": "draft"}, {"status": "published"}, "publish", "draft", "published ",
         "Published: draft → published "),
        ({"status": "published"}, {"status": "draft"}, "unpublish", "published ", "draft", "Unpublished: published "),
        ({"status": "published", "comments_closed": "on"}, {"status": "published"}, "reopen_comments",
         "closed by an editor", "open until ", "Reopened comments: closed by an editor → open until "),
    ],
)  # fmt: skip
def test_publishing_unpublishing_and_reopening_in_the_story_form_are_recorded(
    editor_client, editor, region, subject, start, change, action, before, after, history
):
    editor_client.post(reverse("admin:articles_article_add"), _story_form(region, subject, **start))
    story = Article.objects.get()
    assert not ModerationAction.objects.exists()  # filing a story is not a change of state
    published = timezone.localtime(story.published_at)
    form = _story_form(
        region, subject, published_at_0=f"{published:%Y-%m-%d}", published_at_1=f"{published:%H:%M:%S}", **change
    )
    response = editor_client.post(reverse("admin:articles_article_change", args=[story.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]

    row = ModerationAction.objects.get(article=story)
    assert (row.action, row.moderator) == (action, editor)
    assert row.before.startswith(before) and row.after.startswith(after)
    page = editor_client.get(reverse("admin:articles_article_history", args=[story.pk])).content.decode()
    assert history in page and editor.get_username() in page
    trail = editor_client.get(reverse("admin:comments_moderationaction_changelist")).content.decode()
    assert row.get_action_display() in trail and story.title in trail and f"{row.before} → {row.after}" in trail
    assert story.title in editor_client.get(reverse("admin:index")).content.decode()  # Recent actions


@pytest.mark.parametrize(
    ("start_in", "move_to", "action", "before", "after"),
    [
        (timezone.timedelta(days=1), timezone.timedelta(0), "publish", "scheduled for ", "published "),
        (-timezone.timedelta(hours=1), timezone.timedelta(days=1), "unpublish", "published ", "scheduled for "),
    ],
)
def test_moving_the_publication_time_across_now_is_recorded_as_publishing_or_withdrawing(
    editor_client, editor, make_article, subject, start_in, move_to, action, before, after
):
    story = make_article(title="Ferry strike talks", published_at=timezone.now() + start_in)
    moved = timezone.localtime() + move_to
    form = {**_story_form(story.region, subject, status="published"),
            "title": story.title, "slug": story.slug, "published_at_0": f"{moved:%Y-%m-%d}",
            "published_at_1": f"{moved:%H:%M:%S}"}  # fmt: skip
    response = editor_client.post(reverse("admin:articles_article_change", args=[story.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = ModerationAction.objects.get(article=story)
    assert (row.action, row.moderator) == (action, editor)
    assert row.before.startswith(before) and row.after.startswith(after)


def test_a_change_whose_record_cannot_be_written_is_not_made(editor, make_article, monkeypatch):
    from django.db import DatabaseError

    from articles.services import articles_publish

    story = make_article(status=Article.Status.DRAFT)

    def disk_full(*args, **kwargs):
        raise DatabaseError("could not extend file")

    monkeypatch.setattr(ModerationAction.objects, "bulk_create", disk_full)
    with pytest.raises(DatabaseError):
        articles_publish(articles=Article.objects.filter(pk=story.pk), editor=editor)
    story.refresh_from_db()
    assert story.status == Article.Status.DRAFT
