"""The comment's admin page as an editor meets it: what it shows matches what readers see."""

import re

import pytest
from django.urls import reverse

from comments.models import Comment
from comments.moderation import comment_redact, comments_remove
from comments.services import comment_create

pytestmark = pytest.mark.django_db


def say(article, body="Something off-topic about football."):
    return comment_create(article_id=article.pk, nic="Wanderer", body=body, owner_token="t-wanderer").comment


def change_page(client, comment) -> str:
    response = client.get(reverse("admin:comments_comment_change", args=[comment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def readonly_field(html: str, name: str) -> str:
    start = html.index(f"field-{name}")
    return html[start : html.index("field-", start + len(name) + 6)]


def test_a_redacted_comments_page_shows_what_readers_see_not_the_original(editor_client, editor, make_article):
    story = make_article()
    comment = say(story)
    comment_redact(comment=comment, moderator=editor, note="off-topic")
    shown = readonly_field(change_page(editor_client, comment), "rendered")
    reader_page = editor_client.get(story.get_absolute_url()).content.decode()
    assert "off-topic" in shown
    assert "Something off-topic about football." not in shown
    assert "Something off-topic about football." not in reader_page


def test_a_removed_comments_page_says_readers_see_nothing(editor_client, editor, make_article):
    comment = say(make_article())
    comments_remove(comments=Comment.objects.filter(pk=comment.pk), moderator=editor, reason="spam")
    assert "readers see nothing" in readonly_field(change_page(editor_client, comment), "rendered")


def test_the_edit_note_help_names_the_editor_as_readers_will_see_it(editor_client, editor, make_article):
    html = change_page(editor_client, say(make_article()))
    assert f"Edited by {editor.get_full_name()}: …" in html
    assert "Edited by :" not in html


def test_as_readers_see_it_links_to_the_story_not_into_the_admin(editor_client, make_article):
    story = make_article()
    comment = say(story)
    shown = readonly_field(change_page(editor_client, comment), "rendered")
    links = re.findall(r'href="([^"]*)"', shown)
    assert f"{story.get_absolute_url()}#{comment.anchor}" in links  # the number
    assert f"{story.get_absolute_url()}?quote={comment.number}#comment-form" in links  # Quote
    assert not [link for link in links if link.startswith("?") or link.startswith(f"#{comment.anchor}")], links
