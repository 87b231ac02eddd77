"""Story views: counted for every reader's page (cache hits and 304s too), not for robots, editors or a browser's
repeat loads, handed to the database in batches, and shown as "[N views]" on the story and in the lists."""

from __future__ import annotations

import threading
import time
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import OperationalError
from django.test import Client, override_settings

from articles import readership, services
from articles.models import Article
from comments.services import comment_create
from rantboard import pagecache

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"


def reader() -> Client:
    """A new browser: no cookies yet."""
    return Client(HTTP_USER_AGENT=BROWSER)


def views_of(article: Article) -> int:
    article.refresh_from_db(fields=["view_count"])
    return article.view_count


def counted(*stories: Article) -> list[int]:
    """Each story's figure once the views counted so far are handed to the database, as the minute's batch does."""
    readership.flush()
    return [views_of(story) for story in stories]


@pytest.fixture
def story(make_article):
    return make_article(title="Ferry line reopens")


def test_every_new_reader_is_counted_including_cache_hits(story):
    url = story.get_absolute_url()
    answers = [reader().get(url) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert views_of(story) == 0  # not yet handed to the database

    assert readership.flush() == 1
    assert views_of(story) == 3
    assert readership.flush() == 0  # handed over once


def test_the_figure_is_on_the_story_page_once_handed_over_and_in_the_lists_when_they_expire(client, story):
    # Every page is cached first, so the figure must come from pages the batch retired.
    story_page, lists = story.get_absolute_url(), ["/", story.region.get_absolute_url()]
    for page in [story_page, *lists]:
        assert "[0 views]" in client.get(page).content.decode()
    tag = client.get("/")["ETag"]
    reader().get(story_page)
    assert "[0 views]" in client.get(story_page).content.decode()  # counted, not yet handed over

    story_tag = client.get(story_page)["ETag"]
    readership.flush()
    assert "[1 view]" in client.get(story_page).content.decode()
    # A browser revalidating its copy keeps it (decisions.md): a batch of views moves no ETag.
    assert client.get(story_page, HTTP_IF_NONE_MATCH=story_tag).status_code == 304
    for page in lists:
        assert "[0 views]" in client.get(page).content.decode()  # kept until their copies expire
    assert client.get("/", HTTP_IF_NONE_MATCH=tag).status_code == 304  # nor does any page's ETag change

    caches["default"].clear()  # the copies expire (PAGE_CACHE_SECONDS)
    pagecache.forget_local_copies()
    for page in lists:
        assert "[1 view]" in client.get(page).content.decode(), page


def test_a_browser_reloading_the_story_is_counted_once(story):
    browser = reader()
    url = story.get_absolute_url()
    first = browser.get(url)
    cookie = first.cookies[readership.COOKIE]
    assert cookie.value.split("-")[0] == str(story.pk)
    assert cookie["max-age"] == 30 * 60 and cookie["httponly"]
    for _ in range(3):
        assert browser.get(url).status_code == 200
    assert counted(story) == [1]


def test_a_revalidation_is_a_view_but_not_a_repeat(story):
    url = story.get_absolute_url()
    tag = reader().get(url)["ETag"]
    assert reader().get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
    assert counted(story) == [2]

    browser = reader()
    browser.get(url)
    own_tag = browser.get(url)["ETag"]  # tagged with the cookies its first visit got
    assert browser.get(url, HTTP_IF_NONE_MATCH=own_tag).status_code == 304
    assert counted(story) == [3]


def test_another_story_is_counted_and_the_browser_remembers_both(make_article, story):
    other = make_article(title="Rail strike called off")
    browser = reader()
    browser.get(story.get_absolute_url())
    second = browser.get(other.get_absolute_url())
    assert [item.split("-")[0] for item in second.cookies[readership.COOKIE].value.split(".")] == [
        str(other.pk),
        str(story.pk),
    ]
    browser.get(story.get_absolute_url())
    assert counted(story, other) == [1, 1]


def test_each_story_is_remembered_for_its_own_window_not_renewed_by_reading_others(make_article, story):
    """The cookie is set again with every story counted; a story read long ago must still fall out of it."""
    others = [make_article(title=f"Later story {n}") for n in range(2)]
    browser = reader()
    started = time.time()
    with mock.patch("articles.readership.time.time", return_value=started):
        browser.get(story.get_absolute_url())
    with mock.patch("articles.readership.time.time", return_value=started + 20 * 60):
        browser.get(others[0].get_absolute_url())  # sets the cookie again, with a new life
    with mock.patch("articles.readership.time.time", return_value=started + 31 * 60):
        browser.get(others[1].get_absolute_url())
        browser.get(story.get_absolute_url())  # 31 minutes after it was counted: counted again
        browser.get(others[0].get_absolute_url())  # 11 minutes after: not
    assert counted(story, *others) == [2, 1, 1]


def test_the_remembered_stories_are_capped_and_a_forged_cookie_is_harmless(story):
    browser = reader()
    now = int(time.time())
    browser.cookies[readership.COOKIE] = (
        ".".join(f"{n}-{now}" for n in range(100_000, 100_050)) + f".<script>-{now}.-1.²-{now}.7-{'9' * 5000}"
    )
    answer = browser.get(story.get_absolute_url())
    remembered = [item.split("-") for item in answer.cookies[readership.COOKIE].value.split(".")]
    assert remembered[0][0] == str(story.pk) and len(remembered) == readership.REMEMBERED
    assert all(story.isdigit() and when.isdigit() for story, when in remembered)
    assert counted(story) == [1]


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no User-Agent
        {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
        {"HTTP_USER_AGENT": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"},
        {"HTTP_USER_AGENT": "curl/8.5.0"},
        {"HTTP_USER_AGENT": "Wget/1.21.4"},  # the words are matched whatever their case
        {"HTTP_USER_AGENT": "python-requests/2.32"},
        {"HTTP_USER_AGENT": BROWSER, "HTTP_SEC_PURPOSE": "prefetch"},
    ],
)
def test_robots_and_prefetches_are_not_counted(story, headers):
    answer = Client(**headers).get(story.get_absolute_url())
    assert answer.status_code == 200
    assert readership.COOKIE not in answer.cookies
    assert counted(story) == [0]


def test_editors_reading_and_other_answers_are_not_counted(editor_client, story):
    url = story.get_absolute_url()
    assert editor_client.get(url, HTTP_USER_AGENT=BROWSER).status_code == 200
    assert reader().head(url).status_code == 200
    assert reader().get(url.replace(story.slug, "old-slug")).status_code == 301
    assert reader().get(f"/story/{story.pk + 1000}/x/").status_code == 404
    assert counted(story) == [0]


def test_the_quote_address_and_a_draft_are_counted_only_when_readers_see_them(make_article, story):
    comment_create(article_id=story.pk, nic="Fred", body="Quote me.", owner_token="t-fred")
    assert reader().get(story.get_absolute_url() + "?quote=1").status_code == 200  # the stored page, quote filled in
    assert reader().get(story.get_absolute_url() + "?quote=2").status_code == 301  # no comment #2: not a view
    draft = make_article(status=Article.Status.DRAFT)
    assert reader().get(draft.get_absolute_url()).status_code == 404
    assert counted(story) == [1]


def test_a_database_away_keeps_the_views_for_the_next_batch(monkeypatch, story):
    reader().get(story.get_absolute_url())

    def away(views):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services, "record_views", away)
    assert readership.flush() == 0
    monkeypatch.undo()
    reader().get(story.get_absolute_url())
    assert readership.flush() == 1
    assert views_of(story) == 2


def test_an_editor_saving_an_open_form_keeps_the_views_and_comments_that_came_meanwhile(editor, story):
    open_form = Article.objects.get(pk=story.pk)  # what the editor's change form was filled from
    services.record_views({story.pk: 7})
    Article.objects.filter(pk=story.pk).update(comment_count=4, last_comment_number=4)
    open_form.title = "Ferry line reopens after repairs"
    services.article_save(article=open_form, editor=editor, may_publish=True)
    stored = Article.objects.get(pk=story.pk)
    assert (stored.title, stored.view_count, stored.comment_count, stored.last_comment_number) == (
        "Ferry line reopens after repairs",
        7,
        4,
        4,
    )
    assert open_form.view_count == 7


@pytest.mark.django_db(transaction=True)
def test_each_process_hands_its_views_over_by_itself(story):
    with override_settings(VIEW_FLUSH_SECONDS=0.05):
        reader().get(story.get_absolute_url())
        deadline = time.monotonic() + 5
        while views_of(story) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert views_of(story) == 1
    # The setting off again, the thread stops at its next turn.
    deadline = time.monotonic() + 5
    while any(t.name == "rantboard-views" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(t.name == "rantboard-views" for t in threading.enumerate())


def test_editors_see_the_views_in_the_story_list_and_form(editor_client, story):
    services.record_views({story.pk: 1234})
    listing = editor_client.get("/admin/articles/article/").content.decode()
    assert '<td class="field-view_count">1234</td>' in listing
    form = editor_client.get(f"/admin/articles/article/{story.pk}/change/").content.decode()
    assert '<div class="readonly">1234</div>' in form
