"""The admin's front page opens on the newsroom: today's stories and comments, the last hour's comments, and the
stories whose comments close today, each linking to the list that shows them."""

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from comments.moderation import comments_remove, flags_dismiss
from comments.services import comment_create, flag_create

pytestmark = pytest.mark.django_db


def figure(html: str, label: str) -> tuple[int, str]:
    found = re.search(rf"<th scope=\"row\">{label}</th><td><a href=\"([^\"]+)\">(\d+)</a>", html)
    return int(found.group(2)), unescape(found.group(1))


def test_the_newsroom_counts_todays_work_and_links_to_it(editor_client, make_article, settings):
    settings.COMMENTS_OPEN_DAYS = 3
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(now, tick=False):
        today = make_article(title="Today's story", published_at=now - dt.timedelta(hours=4))
        make_article(title="Yesterday's story", published_at=now - dt.timedelta(days=1))
        closing = make_article(title="Closes tonight", published_at=now - dt.timedelta(days=3) + dt.timedelta(hours=6))
        make_article(title="Closes tomorrow", published_at=now - dt.timedelta(days=2))
        with time_machine.travel(now - dt.timedelta(hours=3), tick=False):
            comment_create(article_id=today.pk, nic="Early", body="Morning.", owner_token="t1")
        comment_create(article_id=today.pk, nic="Late", body="Noon.", owner_token="t2")
        html = editor_client.get(reverse("admin:index")).content.decode()

        assert "Newsroom" in html
        assert figure(html, "Stories published today")[0] == 1
        assert figure(html, "Comments today")[0] == 2
        count, link = figure(html, "Comments in the last hour")
        assert count == 1
        listed = editor_client.get(link).content.decode()
        assert "Noon." in listed and "Morning." not in listed
        stories_link = figure(html, "Stories published today")[1]
        assert "Today&#x27;s story" in editor_client.get(stories_link).content.decode()
        assert figure(html, "Open flags") == (0, reverse("admin:comments_flaggedcomment_changelist"))
        closing_section = html[html.index("Comments closing today") :]
        assert "Closes tonight" in closing_section and "Closes tomorrow" not in closing_section
        assert reverse("admin:articles_article_change", args=[closing.pk]) in closing_section


def test_nothing_is_listed_as_closing_today_while_comments_are_closed_site_wide(editor_client, make_article, settings):
    settings.COMMENTS_OPEN_DAYS = 3
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(now, tick=False):
        make_article(title="Would close tonight", published_at=now - dt.timedelta(days=3) + dt.timedelta(hours=6))
        assert "Would close tonight" in editor_client.get(reverse("admin:index")).content.decode()
        settings.COMMENTS_CLOSED_SITEWIDE = True
        assert "Would close tonight" not in editor_client.get(reverse("admin:index")).content.decode()


def result_count(html: str) -> int:
    return int(re.search(r'<p class="paginator">\s*(\d+) ', html).group(1))


def test_each_figures_list_shows_exactly_what_the_figure_counts(editor_client, editor, make_article):
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(now, tick=False):
        today = make_article(title="On the board", published_at=now - dt.timedelta(hours=2))
        make_article(title="Draft dated today", status=Article.Status.DRAFT, published_at=now - dt.timedelta(hours=1))
        make_article(title="Scheduled for tonight", published_at=now + dt.timedelta(hours=6))
        kept = [
            comment_create(article_id=today.pk, nic=f"Nic {n}", body=f"Kept {n}.", owner_token=f"t{n}").comment
            for n in range(3)
        ]
        comments_remove(comments=Comment.objects.filter(pk=kept[0].pk), moderator=editor, reason="spam")
        html = editor_client.get(reverse("admin:index")).content.decode()

        for label, expected in [
            ("Stories published today", 1),
            ("Comments today", 2),
            ("Comments in the last hour", 2),
        ]:
            count, link = figure(html, label)
            listed = editor_client.get(link)
            assert listed.status_code == 200
            assert count == expected == result_count(listed.content.decode()), label
        stories = editor_client.get(figure(html, "Stories published today")[1]).content.decode()
        assert "Draft dated today" not in stories and "Scheduled for tonight" not in stories
        assert "Kept 0." not in editor_client.get(figure(html, "Comments today")[1]).content.decode()


def test_the_open_flags_figure_counts_every_open_flag_and_the_queue_shows_them(editor_client, editor, make_article):
    story = make_article(title="Flagged story")
    twice, once, dealt_with = (
        comment_create(article_id=story.pk, nic=f"Nic {n}", body=f"Text {n}.", owner_token=f"t{n}").comment
        for n in range(3)
    )
    for comment, tokens in [(twice, ["a", "b"]), (once, ["a"]), (dealt_with, ["c"])]:
        for token in tokens:
            flag_create(comment=comment, reason="spam", flagger_token=token)
    flags_dismiss(comments=Comment.objects.filter(pk=dealt_with.pk), moderator=editor)

    count, link = figure(editor_client.get(reverse("admin:index")).content.decode(), "Open flags")
    assert count == 3
    queue = editor_client.get(link).content.decode()
    assert result_count(queue) == 2  # the comments they are on
    assert sum(int(n) for n in re.findall(r'<td class="field-open_flags">(\d+)</td>', queue)) == 3


def test_the_newsroom_says_so_in_a_sentence_when_no_comments_close_today(editor_client):
    html = editor_client.get(reverse("admin:index")).content.decode()
    closing_section = html[html.index("Comments closing today") :]
    assert "No story's comments close today." in closing_section
    assert "No story." not in html
