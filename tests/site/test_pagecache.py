"""The page cache for anonymous readers: fast on a hit, never stale after a write, and every per-visitor part right."""

import re
import threading
import time
from email.utils import parsedate_to_datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article
from comments.models import Comment
from comments.services import comment_create
from rantboard import pagecache

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(make_article):
    return make_article(title="Cached story")


def story_page_key(story):
    """The cache key of a story's page: it lives under the structure's and the story's own versions."""
    return pagecache._page_key(pagecache._page_versions(story.pk)[1], story.get_absolute_url())


def form_values(html):
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    stamp = re.search(r'name="stamp" value="([^"]+)"', html).group(1)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    return token, stamp, csrf


@pytest.mark.parametrize("url_name", ["front", "latest"])
def test_a_cache_hit_costs_no_query(client, story, django_assert_num_queries, url_name):
    url = reverse(f"articles:{url_name}")
    client.get(url)
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200


def test_story_page_hit_costs_no_query_even_for_a_returning_commenter(client, story, django_assert_num_queries):
    comment_create(article=story, nic="Fred", body="Hi.", owner_token="t")
    client.cookies["rb_nic"] = "Fred"
    client.get(story.get_absolute_url())
    with django_assert_num_queries(0):
        html = client.get(story.get_absolute_url()).content.decode()
    assert "You have commented 1 time on Rantboard." in html


def test_a_posted_comment_is_on_the_page_at_once(client, story):
    client.get(story.get_absolute_url())
    comment_create(article=story, nic="Fred", body="Fresh words.", owner_token="t")
    assert "Fresh words." in client.get(story.get_absolute_url()).content.decode()
    assert "1 comment" in client.get("/").content.decode()


def test_each_visitor_gets_their_own_greeting_nic_token_and_csrf(story):
    comment_create(article=story, nic="Fred", body="one", owner_token="f")
    comment_create(article=story, nic="Tess", body="two", owner_token="t")
    comment_create(article=story, nic="Tess", body="three", owner_token="t")
    fred, tess, new = Client(), Client(), Client()
    fred.cookies["rb_nic"] = "Fred"
    tess.cookies["rb_nic"] = "Tess"
    pages = {
        name: c.get(story.get_absolute_url()).content.decode() for name, c in [("f", fred), ("t", tess), ("n", new)]
    }
    assert (
        "You have commented 1 time on Rantboard." in pages["f"] and 'name="nic" id="id_nic" value="Fred"' in pages["f"]
    )
    assert (
        "You have commented 2 times on Rantboard." in pages["t"] and 'name="nic" id="id_nic" value="Tess"' in pages["t"]
    )
    assert "You have commented" not in pages["n"]
    assert len({form_values(html)[0] for html in pages.values()}) == 3
    assert "rb-slot-" not in "".join(pages.values())


def test_a_visitor_can_post_from_a_cached_page_and_sees_the_comment_at_once(story):
    Client().get(story.get_absolute_url())  # someone else fills the cache
    visitor = Client(enforce_csrf_checks=True)
    html = visitor.get(story.get_absolute_url()).content.decode()
    token, stamp, csrf = form_values(html)
    response = visitor.post(
        reverse("comments:post", args=[story.pk]),
        {"nic": "Cached Carl", "body": "Posted from a cached page.", "token": token, "stamp": stamp,
         "csrfmiddlewaretoken": csrf},
    )  # fmt: skip
    assert response.status_code == 302
    page = visitor.get(story.get_absolute_url()).content.decode()
    assert "Posted from a cached page." in page
    assert "You have commented 1 time on Rantboard." in page


def test_a_nic_cookie_with_markup_is_escaped_on_a_cached_page(story):
    visitor = Client()
    visitor.cookies["rb_nic"] = '"><script>alert(1)</script>'
    html = visitor.get(story.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert 'value="&quot;&gt;&lt;script&gt;' in html


def test_repeat_visit_with_the_etag_is_answered_304_without_a_query(client, story, django_assert_num_queries):
    first = client.get(story.get_absolute_url())
    second = client.get(story.get_absolute_url())  # the CSRF cookie is set now: the tag is stable from here on
    etag = second["ETag"]
    with django_assert_num_queries(0):
        repeat = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert repeat.status_code == 304 and not repeat.content
    assert first.status_code == 200


def test_the_etag_changes_when_a_comment_lands(client, story):
    client.get(story.get_absolute_url())
    etag = client.get(story.get_absolute_url())["ETag"]
    comment_create(article=story, nic="Fred", body="Change.", owner_token="t")
    assert client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_etag_differs_between_visitors(story):
    a, b = Client(), Client()
    a.cookies["rb_nic"] = "Fred"
    b.cookies["rb_nic"] = "Tess"
    assert a.get(story.get_absolute_url())["ETag"] != b.get(story.get_absolute_url())["ETag"]


def test_an_editors_close_shows_at_once(editor_client, story):
    reader = Client()
    assert 'class="comment-form"' in reader.get(story.get_absolute_url()).content.decode()
    editor_client.post(
        reverse("admin:articles_article_changelist"), {"action": "close_comments", "_selected_action": [story.pk]}
    )
    assert "Sorry. Comments have been closed" in reader.get(story.get_absolute_url()).content.decode()


def test_logged_in_editors_are_never_served_cached_pages(editor_client, story, make_article):
    from articles.models import Article

    Client().get("/")
    draft = make_article(status=Article.Status.DRAFT, title="Editor-only draft")
    assert "Editor-only draft" in editor_client.get(draft.get_absolute_url()).content.decode()
    assert "ETag" not in editor_client.get("/")


def test_page_caching_can_be_turned_off(client, story, settings, django_assert_max_num_queries):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/")
    with django_assert_max_num_queries(10) as captured:
        client.get("/")
    assert len(captured) > 0


def test_a_logged_in_editor_never_gets_a_304_meant_for_readers(editor_client, story):
    reader = Client()
    reader.get(story.get_absolute_url())
    etag = reader.get(story.get_absolute_url())["ETag"]
    editor_client.cookies["csrftoken"] = reader.cookies["csrftoken"].value
    assert editor_client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_tag_from_one_page_does_not_match_another(client, story, make_article):
    other = make_article(title="Other")
    client.get(story.get_absolute_url())
    etag = client.get(story.get_absolute_url())["ETag"]
    assert client.get(other.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_hit_is_served_from_the_process_own_copy_without_fetching_the_page(client, story, monkeypatch):
    client.get(story.get_absolute_url())
    fetched = []
    real_get, real_get_many = cache.get, cache.get_many
    monkeypatch.setattr(cache, "get", lambda key, *args, **kw: fetched.append(key) or real_get(key, *args, **kw))
    monkeypatch.setattr(cache, "get_many", lambda keys, **kw: fetched.extend(keys) or real_get_many(keys, **kw))
    html = client.get(story.get_absolute_url()).content.decode()
    assert "Cached story" in html
    # Only the versions (site, structure, this story): the page and its sidebar came from this process's memory.
    assert set(fetched) == {pagecache.VERSION_KEY, pagecache.STRUCTURE_KEY, pagecache.story_version_key(story.pk)}


def test_the_process_copy_is_never_served_after_a_write_elsewhere(client, story):
    client.get(story.get_absolute_url())
    # Another app server posts: only the shared version changes; this process's copy must not be served.
    comment_create(article=story, nic="Elsewhere", body="Posted through the other server.", owner_token="o")
    assert "Posted through the other server." in client.get(story.get_absolute_url()).content.decode()


def test_process_copies_expire_with_the_page_and_are_bounded(client, story, make_article, settings, monkeypatch):
    settings.PAGE_CACHE_LOCAL_PAGES = 2
    others = [make_article(title=f"Other {n}") for n in range(3)]
    for article in others:
        client.get(article.get_absolute_url())
    assert len(pagecache.local_pages._entries) == 2
    client.get(story.get_absolute_url())
    later = time.time() + settings.PAGE_CACHE_SECONDS + 1
    monkeypatch.setattr(pagecache.time, "time", lambda: later)
    key = next(reversed(pagecache.local_pages._entries))
    assert pagecache.local_pages.get(key) is None  # past PAGE_CACHE_SECONDS: gone, as the shared entry is


def test_a_hit_carries_every_security_header_and_a_csrf_cookie(story):
    reader = Client()
    reader.get(story.get_absolute_url())
    response = Client().get(story.get_absolute_url())  # a new visitor, served from the cache
    assert response["Cache-Control"] == "private, no-cache"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.cookies["csrftoken"].value  # set by Django's CSRF code, as on a rendered page
    token, stamp, csrf = form_values(response.content.decode())
    assert csrf and stamp and token


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"CSRF_COOKIE_SECURE": True, "CSRF_COOKIE_DOMAIN": ".example.org", "CSRF_COOKIE_SAMESITE": "Strict"},
        {"CSRF_COOKIE_AGE": 3600 * 24 * 30, "CSRF_COOKIE_PATH": "/story/"},
        {"CSRF_COOKIE_AGE": None},  # a cookie for the browser's session
    ],
)
def test_a_hit_sets_the_csrf_cookie_as_django_sets_it_on_a_rendered_page(story, settings, overrides):
    for name, value in overrides.items():
        setattr(settings, name, value)
    rendered = Client().get(story.get_absolute_url())  # a miss: Django's CsrfViewMiddleware sets the cookie
    with CaptureQueriesContext(connection) as queries:
        served = Client().get(story.get_absolute_url())  # a hit: rantboard.csrf.set_cookie
    assert len(queries) == 0
    django, ours = rendered.cookies["csrftoken"], served.cookies["csrftoken"]
    assert ours.value != django.value and len(ours.value) == 32
    assert _header_shape(ours) == _header_shape(django)
    if settings.CSRF_COOKIE_AGE is None:
        assert ours["expires"] == django["expires"] == "" and not ours["max-age"]
    else:
        expiries = (parsedate_to_datetime(ours["expires"]), parsedate_to_datetime(django["expires"]))
        assert abs(expiries[0] - expiries[1]).total_seconds() < 2
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', served.content.decode()).group(1)
    assert _unmask_cipher_token(token) == ours.value  # the form's token goes with the cookie


def _header_shape(morsel) -> str:
    """A Set-Cookie header's text with its value and expiry date taken out."""
    header = morsel.OutputString().replace(morsel.value, "VALUE")
    return header.replace(morsel["expires"], "EXPIRES") if morsel["expires"] else header


def test_pages_outside_the_cache_do_not_read_the_site_version(client, monkeypatch):
    read = []
    monkeypatch.setattr(pagecache, "site_version", lambda: read.append(1) or "v")
    assert client.get("/healthz").status_code == 200
    assert client.get("/robots.txt").status_code == 200
    assert read == []
    assert client.get("/feeds/latest/rss/").status_code == 200  # a cached page: it does
    assert read


def test_a_hit_is_answered_before_sessions_and_the_view(client, story, monkeypatch, django_assert_num_queries):
    client.get(story.get_absolute_url())
    from django.contrib.sessions.middleware import SessionMiddleware

    def must_not_run(self, request):
        raise AssertionError("the session middleware ran for a cache hit")

    monkeypatch.setattr(SessionMiddleware, "process_request", must_not_run)
    with django_assert_num_queries(0):
        assert "Cached story" in client.get(story.get_absolute_url()).content.decode()


def test_a_cached_page_still_refuses_a_host_not_allowed(client, story):
    client.get(story.get_absolute_url())
    assert client.get(story.get_absolute_url(), HTTP_HOST="evil.example").status_code == 400


def test_head_gets_the_same_answer_cached_or_not(client, story):
    fresh = client.head(story.get_absolute_url()).status_code
    client.get(story.get_absolute_url())
    assert client.head(story.get_absolute_url()).status_code == fresh


def test_a_local_copy_never_outlives_this_server_clock(client, story, settings, monkeypatch):
    client.get(story.get_absolute_url())
    key = story_page_key(story)
    parts, content_type, _, compressed = cache.get(key)
    # Rendered by a server whose clock runs an hour ahead: this server still keeps its copy no longer than its own
    # PAGE_CACHE_SECONDS.
    cache.set(key, (parts, content_type, time.time() + 3600, compressed), timeout=settings.PAGE_CACHE_SECONDS)
    pagecache.local_pages.clear()
    client.get(story.get_absolute_url())
    assert pagecache.local_pages._entries[key][2] <= time.time() + settings.PAGE_CACHE_SECONDS


def _after(seconds, action):
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


def test_a_page_being_rendered_elsewhere_is_waited_for_not_rendered_again(client, story, django_assert_num_queries):
    url = story.get_absolute_url()
    client.get(url)
    key = story_page_key(story)
    entry = cache.get(key)
    cache.delete(key)
    pagecache.local_pages.clear()
    cache.set(key + ":rendering", 1)  # another worker has just started rendering it
    timer = _after(0.05, lambda: cache.set(key, entry))
    with django_assert_num_queries(0):
        html = client.get(url).content.decode()
    timer.join()
    assert "Cached story" in html


def test_when_the_other_render_stores_nothing_the_request_renders_the_page_itself(client, story):
    url = story.get_absolute_url()
    cache.set(story_page_key(story) + ":rendering", 1)
    timer = _after(0.05, lambda: cache.delete(story_page_key(story) + ":rendering"))
    response = client.get(url)
    timer.join()
    assert response.status_code == 200 and "Cached story" in response.content.decode()
    assert cache.get(story_page_key(story) + ":rendering") is None  # released


@pytest.mark.parametrize(("wait", "mark_life"), [(0, None), (0.5, 1), (2, 2)])
def test_the_rendering_mark_lives_whole_seconds_or_not_at_all(client, story, settings, monkeypatch, wait, mark_life):
    # Redis takes whole seconds (Django truncates, so 0.5 would make a mark that dies at once); 0 turns waiting off.
    settings.PAGE_RENDER_WAIT_SECONDS = wait
    marks = []
    real_add = cache.add

    def add(key, value, timeout=None):
        if key.endswith(":rendering"):
            marks.append(timeout)
        return real_add(key, value, timeout)

    monkeypatch.setattr(cache, "add", add)
    assert client.get(story.get_absolute_url()).status_code == 200
    assert marks == ([] if mark_life is None else [mark_life])


def test_a_comment_on_another_story_keeps_this_story_cached_but_its_sidebar_fresh(
    client, story, make_article, django_assert_max_num_queries
):
    other = make_article(title="The other story")
    client.get(story.get_absolute_url())
    comment_create(article=other, nic="Elsewhere", body="Words under the other story.", owner_token="e")
    # Only the shared sidebar is rendered again (its one query); the story, its thread and its form stay cached.
    with django_assert_max_num_queries(1):
        html = client.get(story.get_absolute_url()).content.decode()
    assert "Cached story" in html
    assert "Elsewhere" in html and "The other story" in html  # the new comment's line in the sidebar


def test_a_comment_on_this_story_renders_its_page_again(client, story, make_article):
    client.get(story.get_absolute_url())
    comment_create(article=story, nic="Here", body="Words under this very story.", owner_token="h")
    assert "Words under this very story." in client.get(story.get_absolute_url()).content.decode()


def test_a_change_to_any_story_renders_every_story_page_again(client, story, make_article):
    other = make_article(title="Old title")
    comment_create(article=other, nic="Elsewhere", body="A line in the sidebar.", owner_token="e")
    client.get(story.get_absolute_url())
    other.title = "New title"
    other.save()
    html = client.get(story.get_absolute_url()).content.decode()
    assert "New title" in html and "Old title" not in html  # the sidebar line names the story by its new title


def test_a_redaction_shows_at_once_on_the_story_page(client, story, editor):
    from comments.moderation import comment_redact

    posted = comment_create(article=story, nic="Loud", body="Something to redact.", owner_token="l")
    client.get(story.get_absolute_url())
    comment_redact(comment=posted.comment, moderator=editor, note="Personal attack removed.")
    html = client.get(story.get_absolute_url()).content.decode()
    assert "Something to redact." not in html and "Personal attack removed." in html


def test_a_story_deleted_from_the_admin_list_leaves_the_cached_pages(client, story, make_article, admin_client):
    doomed = make_article(title="A story filed by mistake")
    assert "A story filed by mistake" in client.get(reverse("articles:latest")).content.decode()
    admin_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "delete_selected", "_selected_action": [doomed.pk], "post": "yes"},
    )
    assert not Article.objects.filter(pk=doomed.pk).exists()
    assert "A story filed by mistake" not in client.get(reverse("articles:latest")).content.decode()


def test_rerendering_comments_retires_the_cached_story_page(client, story):
    comment_create(article=story, nic="Fred", body="Old rendering.", owner_token="f")
    assert "Old rendering." in client.get(story.get_absolute_url()).content.decode()  # now cached
    Comment.objects.update(body="New rendering.", renderer_version=0)  # as if the renderer had changed
    call_command("rerender_comments", verbosity=0)
    assert "New rendering." in client.get(story.get_absolute_url()).content.decode()


def test_a_version_the_cache_drops_at_once_is_never_none(monkeypatch):
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: True)  # a cache that keeps nothing
    assert pagecache.site_version() is not None


@pytest.mark.django_db(transaction=True)  # (so that "outside a transaction" is outside one)
def test_versions_are_written_once_outside_a_transaction_and_again_at_commit_inside_one(story, monkeypatch):
    from django.db import transaction

    writes = []
    monkeypatch.setattr(pagecache, "write_many", lambda values, delete=(): writes.append(set(values)))
    pagecache.bump(stories=[story.pk])
    assert len(writes) == 1  # (on_commit outside a transaction would have run a second write at once)
    with transaction.atomic():
        pagecache.bump(stories=[story.pk])
        assert len(writes) == 2
    assert len(writes) == 3  # again when the transaction commits, retiring any page rendered in between
    assert pagecache.VERSION_KEY in writes[-1] and pagecache.story_version_key(story.pk) in writes[-1]
