"""The page cache as readers, commenters and editors meet it: a second request costs no query, a write shows at once,
and each visitor's own parts (greeting, nic, form stamp, CSRF token and cookie) are theirs."""

import re
import threading
from email.utils import parsedate_to_datetime
from html import unescape

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.defences import read_stamp
from comments.models import Comment
from comments.moderation import comment_redact
from comments.services import CLOSED_MESSAGE, comment_create
from tests.comments.conftest import form_stamp

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")


@pytest.fixture
def story(make_article):
    return make_article(title="Cached story")


def say(article, nic="Fred", body="A remark."):
    return comment_create(article_id=article.pk, nic=nic, body=body, owner_token=f"token-{nic}").comment


def page(client, url, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200
    return response.content.decode()


def form_csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def form_nic(html: str) -> str:
    return re.search(r'name="nic" value="([^"]*)"', html).group(1)


def post_from(client, article, html, *, nic="Carl", body="Posted from the page."):
    """Post the story page's form as a browser does, with the CSRF token and stamp the page gave it."""
    data = {"nic": nic, "body": body, "email": "", "website": "", "post": "1"}
    data.update(stamp=form_stamp(html), csrfmiddlewaretoken=form_csrf(html))
    return client.post(reverse("comments:post", args=[article.pk]), data)


def admin_change(client, article, **changes):
    """Save a story through its admin change form, as an editor does, with some fields changed."""
    published = timezone.localtime(article.published_at)
    data = {
        "region": article.region_id,
        "title": article.title,
        "slug": article.slug,
        "source_url": article.source_url,
        "source_name": article.source_name,
        "subjects": [s.pk for s in article.subjects.all()],
        "lead_note": article.lead_note,
        "body": article.body,
        "status": article.status,
        "published_at_0": published.strftime("%Y-%m-%d"),
        "published_at_1": published.strftime("%H:%M:%S"),
        "comments_close_at_0": "",
        "comments_close_at_1": "",
        **changes,
    }
    response = client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


# --- what a hit costs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["front", "latest", "feed_latest_rss"])
def test_a_cache_hit_costs_no_query(client, story, django_assert_num_queries, url_name):
    url = reverse(f"articles:{url_name}")
    client.get(url)
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response.status_code == 200 and "Cached story" in response.content.decode()


def test_story_page_hit_costs_no_query_even_for_a_returning_commenter(client, story, django_assert_num_queries):
    say(story, nic="Fred")
    client.cookies["rb_nic"] = "Fred"
    client.get(story.get_absolute_url())
    with django_assert_num_queries(0):
        html = page(client, story.get_absolute_url())
    assert "You have commented 1 time on Rantboard." in html and form_nic(html) == "Fred"


@pytest.mark.parametrize("kept", [0, 2])
def test_hits_stay_free_and_right_however_few_pages_the_process_keeps(
    client, make_article, settings, django_assert_num_queries, kept
):
    settings.PAGE_CACHE_LOCAL_PAGES = kept
    stories = [make_article(title=f"Kept story {n}") for n in range(4)]
    for article in stories:
        page(client, article.get_absolute_url())
    for n, article in enumerate(stories):  # more pages than the process keeps: the rest come from the shared cache
        with django_assert_num_queries(0):
            assert f"Kept story {n}" in page(client, article.get_absolute_url())


def test_page_caching_can_be_turned_off(client, story, settings, django_assert_max_num_queries):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/")
    with django_assert_max_num_queries(10) as captured:
        response = client.get("/")
    assert len(captured) > 0
    assert "ETag" not in response


def test_a_cache_that_keeps_nothing_costs_speed_never_correctness(story, settings):
    dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    settings.CACHES = {"default": dummy, "counters": dummy}
    visitor = Client(enforce_csrf_checks=True)
    page(visitor, story.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        html = page(visitor, story.get_absolute_url())
    assert "Cached story" in html and len(queries) > 0  # rendered again: nothing was kept
    assert post_from(visitor, story, html, nic="Nocache Nell", body="Kept nowhere.").status_code == 302
    assert "Kept nowhere." in page(visitor, story.get_absolute_url())
    assert "1 comment" in page(visitor, "/")


def test_a_visitor_with_a_session_cookie_who_is_not_logged_in_gets_the_cached_page(
    client, story, django_assert_max_num_queries
):
    page(Client(), story.get_absolute_url())  # someone else fills the cache
    visitor = Client(enforce_csrf_checks=True)
    visitor.cookies[django_settings.SESSION_COOKIE_NAME] = "a-session-that-has-expired"
    with django_assert_max_num_queries(1):  # the session's lookup; nothing of the page
        html = page(visitor, story.get_absolute_url())
    assert "Cached story" in html
    assert post_from(visitor, story, html, nic="Session Sam", body="Posted with a stale session.").status_code == 302
    assert "Posted with a stale session." in page(visitor, story.get_absolute_url())


# --- each visitor's own parts ----------------------------------------------------------------------------------


def test_each_visitor_gets_their_own_greeting_nic_stamp_and_csrf_token(story):
    say(story, nic="Fred", body="one")
    say(story, nic="Tess", body="two")
    say(story, nic="Tess", body="three")
    page(Client(), story.get_absolute_url())  # the page is cached before any of them comes
    fred, tess, new = Client(), Client(), Client()
    fred.cookies["rb_nic"] = "Fred"
    tess.cookies["rb_nic"] = "Tess"
    pages = {name: page(c, story.get_absolute_url()) for name, c in [("f", fred), ("t", tess), ("n", new)]}
    assert "You have commented 1 time on Rantboard." in pages["f"] and form_nic(pages["f"]) == "Fred"
    assert "You have commented 2 times on Rantboard." in pages["t"] and form_nic(pages["t"]) == "Tess"
    assert "You have commented" not in pages["n"] and form_nic(pages["n"]) == ""
    stamps = [form_stamp(html) for html in pages.values()]
    assert len(set(stamps)) == 3 and all(read_stamp(stamp, story.pk) for stamp in stamps)
    assert len({form_csrf(html) for html in pages.values()}) == 3
    # Apart from those parts, everyone reads the same page.
    own = re.compile(r'(name="(?:csrfmiddlewaretoken|stamp|nic)" value=")[^"]*"|<p class="greeting">[^<]*</p>')
    assert len({" ".join(own.sub(r"\1", html).split()) for html in pages.values()}) == 1


def test_a_visitor_can_post_from_a_cached_page_and_sees_the_comment_at_once(story):
    page(Client(), story.get_absolute_url())  # someone else fills the cache
    visitor = Client(enforce_csrf_checks=True)
    html = page(visitor, story.get_absolute_url())
    response = post_from(visitor, story, html, nic="Cached Carl", body="Posted from a cached page.")
    assert response.status_code == 302
    html = page(visitor, story.get_absolute_url())
    assert "Posted from a cached page." in html
    assert "You have commented 1 time on Rantboard." in html and form_nic(html) == "Cached Carl"


def test_a_returning_visitor_keeps_their_csrf_cookie_on_a_hit_and_its_token_is_accepted(story):
    visitor = Client(enforce_csrf_checks=True)
    page(visitor, story.get_absolute_url())  # rendered: Django sets the CSRF cookie
    cookie = visitor.cookies["csrftoken"].value
    html = page(visitor, story.get_absolute_url())  # a hit
    assert visitor.cookies["csrftoken"].value == cookie
    assert post_from(visitor, story, html, nic="Back Again").status_code == 302


def test_a_hit_form_cannot_be_posted_without_its_cookie(story):
    page(Client(), story.get_absolute_url())
    html = page(Client(), story.get_absolute_url())
    assert post_from(Client(enforce_csrf_checks=True), story, html).status_code == 403
    assert not Comment.objects.exists()


@pytest.mark.parametrize("hit", [False, True], ids=["rendered", "hit"])
def test_a_nic_cookie_with_markup_is_escaped(story, hit):
    if hit:
        page(Client(), story.get_absolute_url())
    visitor = Client()
    visitor.cookies["rb_nic"] = '"><script>alert(1)</script>'
    html = page(visitor, story.get_absolute_url())
    assert "<script>alert(1)" not in html
    assert unescape(form_nic(html)) == '"><script>alert(1)</script>'  # escaped, and given back as it was


def test_a_hit_carries_every_security_header_and_a_csrf_cookie(story):
    page(Client(), story.get_absolute_url())
    response = Client().get(story.get_absolute_url())  # a new visitor, served from the cache
    assert response["Cache-Control"] == "private, no-cache"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.cookies["csrftoken"].value  # set by Django's CSRF middleware, as on a rendered page
    html = response.content.decode()
    assert form_csrf(html) and read_stamp(form_stamp(html), story.pk)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"CSRF_COOKIE_SECURE": True, "CSRF_COOKIE_DOMAIN": ".example.org", "CSRF_COOKIE_SAMESITE": "Strict"},
        {"CSRF_COOKIE_AGE": 3600 * 24 * 30, "CSRF_COOKIE_PATH": "/story/"},
        {"CSRF_COOKIE_AGE": None},  # a cookie for the browser's session
    ],
)
def test_a_hit_sets_the_csrf_cookie_as_django_sets_it_on_a_rendered_page(
    story, settings, overrides, django_assert_num_queries
):
    for name, value in overrides.items():
        setattr(settings, name, value)
    rendered = Client().get(story.get_absolute_url())  # a miss
    with django_assert_num_queries(0):
        served = Client().get(story.get_absolute_url())  # a hit
    miss, hit = rendered.cookies["csrftoken"], served.cookies["csrftoken"]
    assert hit.value and hit.value != miss.value  # a new visitor's own secret
    assert _header_shape(hit) == _header_shape(miss)
    if settings.CSRF_COOKIE_AGE is None:
        assert hit["expires"] == miss["expires"] == "" and not hit["max-age"]
    else:
        expiries = (parsedate_to_datetime(hit["expires"]), parsedate_to_datetime(miss["expires"]))
        assert abs(expiries[0] - expiries[1]).total_seconds() < 2


def _header_shape(morsel) -> str:
    """A Set-Cookie header's text with its value and expiry date taken out."""
    header = morsel.OutputString().replace(morsel.value, "VALUE")
    return header.replace(morsel["expires"], "EXPIRES") if morsel["expires"] else header


# --- ETags and 304s --------------------------------------------------------------------------------------------


def test_repeat_visit_with_the_etag_is_answered_304_without_a_query(client, story, django_assert_num_queries):
    client.get(story.get_absolute_url())
    etag = client.get(story.get_absolute_url())["ETag"]  # the CSRF cookie is set now: the tag is stable from here on
    with django_assert_num_queries(0):
        repeat = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert repeat.status_code == 304 and not repeat.content


def test_the_etag_changes_when_a_comment_lands(client, story):
    client.get(story.get_absolute_url())
    etag = client.get(story.get_absolute_url())["ETag"]
    say(story, body="Change.")
    response = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "Change." in response.content.decode()


def test_the_etag_differs_between_visitors(story):
    a, b = Client(), Client()
    a.cookies["rb_nic"] = "Fred"
    b.cookies["rb_nic"] = "Tess"
    assert a.get(story.get_absolute_url())["ETag"] != b.get(story.get_absolute_url())["ETag"]


def test_a_tag_from_one_page_does_not_match_another(client, story, make_article):
    other = make_article(title="Other")
    client.get(story.get_absolute_url())
    etag = client.get(story.get_absolute_url())["ETag"]
    assert client.get(other.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_logged_in_editor_never_gets_a_304_meant_for_readers(editor_client, story):
    reader = Client()
    reader.get(story.get_absolute_url())
    etag = reader.get(story.get_absolute_url())["ETag"]
    editor_client.cookies["csrftoken"] = reader.cookies["csrftoken"].value
    assert editor_client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == 200


# --- who is served cached pages, and how -----------------------------------------------------------------------


def test_logged_in_editors_are_never_served_cached_pages(editor_client, story, make_article):
    Client().get("/")
    draft = make_article(status=Article.Status.DRAFT, title="Editor-only draft")
    assert "Editor-only draft" in page(editor_client, draft.get_absolute_url())
    assert "ETag" not in editor_client.get("/")


def test_a_cached_page_still_refuses_a_host_not_allowed(client, story):
    client.get(story.get_absolute_url())
    assert client.get(story.get_absolute_url(), HTTP_HOST="evil.example").status_code == 400


def test_head_gets_the_same_answer_cached_or_not(client, story):
    fresh = client.head(story.get_absolute_url()).status_code
    client.get(story.get_absolute_url())
    assert client.head(story.get_absolute_url()).status_code == fresh


def test_a_list_page_beyond_the_first_is_rendered_not_stored(client, make_article):
    stories = [make_article(title=f"Listed story {n:02d}") for n in range(33)]
    page(client, reverse("articles:latest"))
    html = page(client, reverse("articles:latest") + "?page=2")
    assert all(article.title in html for article in stories[:3])
    assert "ETag" not in client.get(reverse("articles:latest") + "?page=2")


# --- never stale after a write ---------------------------------------------------------------------------------


def test_a_posted_comment_is_on_the_page_at_once(client, story):
    page(client, story.get_absolute_url())
    page(client, "/")
    say(story, body="Fresh words.")
    assert "Fresh words." in page(client, story.get_absolute_url())
    assert "1 comment" in page(client, "/")


def test_the_process_copy_is_never_served_after_a_write_elsewhere(client, story):
    page(client, story.get_absolute_url())
    page(client, story.get_absolute_url())  # served from this process's copy now
    # Another app server posts: all this process sees is the shared cache's versions moving.
    say(story, nic="Elsewhere", body="Posted through the other server.")
    assert "Posted through the other server." in page(client, story.get_absolute_url())


def test_a_comment_on_another_story_keeps_this_story_cached_but_its_sidebar_fresh(
    client, story, make_article, django_assert_max_num_queries
):
    other = make_article(title="The other story")
    page(client, story.get_absolute_url())
    say(other, nic="Elsewhere", body="Words under the other story.")
    # Only the shared sidebar is rendered again (its two reads: the newest comments' ids, then those readers may see);
    # the story, its thread and its form stay cached.
    with django_assert_max_num_queries(2):
        html = page(client, story.get_absolute_url())
    assert "Cached story" in html
    sidebar = html[html.index('id="latest-comments-heading"') :]
    assert "Elsewhere" in sidebar and "The other story" in sidebar


def test_a_story_changed_in_the_admin_shows_at_once_on_every_page(client, story, make_article, admin_client):
    other = make_article(title="Old title")
    say(other, nic="Elsewhere", body="A line in the sidebar.")
    for url in (story.get_absolute_url(), other.get_absolute_url(), "/", reverse("articles:latest")):
        assert "Old title" in page(client, url)
    admin_change(admin_client, other, title="New title")
    for url in (story.get_absolute_url(), other.get_absolute_url(), "/", reverse("articles:latest")):
        html = page(client, url)
        assert "New title" in html and "Old title" not in html, url  # on a story page, in the sidebar's line


def test_an_editors_close_shows_at_once(editor_client, story):
    reader = Client()
    assert 'class="comment-form"' in page(reader, story.get_absolute_url())
    editor_client.post(CHANGELIST, {"action": "close_comments", "_selected_action": [story.pk]})
    html = page(reader, story.get_absolute_url())
    assert CLOSED_MESSAGE in html and 'class="comment-form"' not in html


def test_a_post_from_a_form_shown_before_the_close_is_refused_with_the_sentence(editor_client, story):
    reader = Client(enforce_csrf_checks=True)
    html = page(reader, story.get_absolute_url())  # the form, cached
    editor_client.post(CHANGELIST, {"action": "close_comments", "_selected_action": [story.pk]})
    response = post_from(reader, story, html, nic="Late Comer", body="Too late?")
    assert response.status_code == 403
    refused = response.content.decode()
    assert CLOSED_MESSAGE in refused and "Too late?</textarea>" in refused  # handed back to copy
    assert not Comment.objects.exists()


def test_a_story_published_from_the_admin_appears_at_once(client, make_article, admin_client):
    draft = make_article(status=Article.Status.DRAFT, title="Held back until now")
    for url in ("/", reverse("articles:latest"), "/feeds/latest/rss/"):
        assert "Held back until now" not in page(client, url)
    admin_client.post(CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]})
    for url in ("/", reverse("articles:latest"), "/feeds/latest/rss/"):
        assert "Held back until now" in page(client, url), url


def test_a_redaction_shows_at_once_on_the_story_page(client, story, editor):
    posted = say(story, nic="Loud", body="Something to redact.")
    assert "Something to redact." in page(client, story.get_absolute_url())
    comment_redact(comment=posted, moderator=editor, note="Personal attack removed.")
    html = page(client, story.get_absolute_url())
    assert "Something to redact." not in html and "Personal attack removed." in html


def test_a_story_deleted_from_the_admin_list_leaves_the_cached_pages(client, story, make_article, admin_client):
    doomed = make_article(title="A story filed by mistake")
    assert "A story filed by mistake" in page(client, doomed.get_absolute_url())
    for url in (reverse("articles:latest"), "/", "/feeds/latest/rss/"):
        assert "A story filed by mistake" in page(client, url)
    admin_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [doomed.pk], "post": "yes"})
    assert not Article.objects.filter(pk=doomed.pk).exists()
    for url in (reverse("articles:latest"), "/", "/feeds/latest/rss/"):
        assert "A story filed by mistake" not in page(client, url), url
    assert client.get(doomed.get_absolute_url()).status_code == 404


def test_rerendering_comments_retires_the_cached_story_page(client, story):
    say(story, body="Old rendering.")
    assert "Old rendering." in page(client, story.get_absolute_url())  # now cached
    Comment.objects.update(body="New rendering.", renderer_version=0)  # as if the renderer had changed
    call_command("rerender_comments", verbosity=0)
    html = page(client, story.get_absolute_url())
    assert "New rendering." in html and "Old rendering." not in html


# --- requests at the same time ---------------------------------------------------------------------------------


class SlowRender:
    """A request in another thread whose render is held at its first database query until released: a render
    still under way (on another app server, or another worker)."""

    def __init__(self, *, fail: bool = False) -> None:
        self.started, self.released = threading.Event(), threading.Event()
        self.fail = fail
        self.thread = None

    def _hold(self, execute, sql, params, many, context):
        if not self.started.is_set():
            self.started.set()
            self.released.wait(10)
            if self.fail:
                raise DatabaseError("the database went away")
        return execute(sql, params, many, context)

    def request(self, url: str) -> dict:
        """GET the url in another thread and wait until its render is under way; returns where its response will
        be once `finish` has run."""
        answer = {}

        def run() -> None:
            try:
                with connection.execute_wrapper(self._hold):
                    answer["response"] = Client(raise_request_exception=False).get(url)
            finally:
                connection.close()

        self.thread = threading.Thread(target=run)
        self.thread.start()
        assert self.started.wait(10), "the other request never started rendering"
        return answer

    def release_soon(self) -> threading.Timer:
        timer = threading.Timer(0.2, self.released.set)
        timer.start()
        return timer

    def finish(self) -> None:
        self.released.set()
        self.thread.join(10)


@pytest.mark.django_db(transaction=True)  # the other request runs on its own connection
def test_a_page_being_rendered_by_another_request_is_waited_for_not_rendered_again(
    client, make_article, settings, django_assert_num_queries
):
    settings.PAGE_RENDER_WAIT_SECONDS = 10  # long enough for a slow machine; released after a fraction of a second
    story, other = make_article(title="Cached story"), make_article(title="Another story")
    page(client, other.get_absolute_url())  # the sidebar, shared by every story page, is ready
    slow = SlowRender()
    first = slow.request(story.get_absolute_url())
    try:
        timer = slow.release_soon()
        with django_assert_num_queries(0):
            html = page(client, story.get_absolute_url())
        timer.join()
    finally:
        slow.finish()
    assert "Cached story" in html
    assert first["response"].status_code == 200 and "Cached story" in first["response"].content.decode()
    assert form_stamp(html) != form_stamp(first["response"].content.decode())  # each its own


@pytest.mark.django_db(transaction=True)
def test_when_the_other_render_fails_the_waiting_request_renders_the_page_itself(make_article, settings):
    settings.PAGE_RENDER_WAIT_SECONDS = 10
    story = make_article(title="Cached story")
    slow = SlowRender(fail=True)
    first = slow.request(story.get_absolute_url())
    try:
        timer = slow.release_soon()
        # (Not raising: the test client would pick up the other thread's exception as its own.)
        response = Client(raise_request_exception=False).get(story.get_absolute_url())
        timer.join()
    finally:
        slow.finish()
    assert first["response"].status_code == 500
    assert response.status_code == 200 and "Cached story" in response.content.decode()
    assert "Cached story" in page(Client(), story.get_absolute_url())


@pytest.mark.django_db(transaction=True)
def test_waiting_for_another_render_can_be_turned_off(client, make_article, settings):
    settings.PAGE_RENDER_WAIT_SECONDS = 0
    story = make_article(title="Cached story")
    slow = SlowRender()
    first = slow.request(story.get_absolute_url())
    try:
        html = page(client, story.get_absolute_url())  # rendered here while the other is still under way
        assert not slow.released.is_set()
    finally:
        slow.finish()
    assert "Cached story" in html and first["response"].status_code == 200


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="SQLite's shared in-memory test database locks a table another connection is writing to",
)
@pytest.mark.django_db(transaction=True)
def test_a_page_rendered_while_a_write_is_uncommitted_is_not_served_after_the_commit(client, make_article):
    story = make_article(title="Cached story")
    page(client, story.get_absolute_url())
    with transaction.atomic():
        say(story, body="Committed a moment later.")
        # Another request renders the page meanwhile, from the rows as they were: no comment yet.
        reader = {}
        thread = threading.Thread(target=lambda: reader.update(html=_page_in_own_connection(story)))
        thread.start()
        thread.join(10)
        assert "Committed a moment later." not in reader["html"]
    assert "Committed a moment later." in page(client, story.get_absolute_url())
    assert "Committed a moment later." in page(Client(), story.get_absolute_url())


def _page_in_own_connection(article) -> str:
    try:
        return page(Client(), article.get_absolute_url())
    finally:
        connection.close()


def test_every_page_that_answers_get_answers_head_with_the_same_headers_and_no_body(client, story, editor):
    from comments.services import comment_create

    comment = comment_create(article_id=story.pk, nic="Header Hal", body="Hi.", owner_token="t-hal").comment
    day = timezone.localdate(story.published_at)
    pages = [
        "/", story.get_absolute_url(), story.region.get_absolute_url(), reverse("articles:latest"),
        reverse("articles:archive"), reverse("articles:archive_day", args=[day.year, day.month, day.day]),
        comment.nic_url, reverse("articles:feed_latest_rss"), "/robots.txt", "/sitemap.xml",
        reverse("comments:flag", args=[story.pk, comment.number]),
    ]  # fmt: skip
    for url in pages:
        got = client.get(url)
        head = client.head(url)
        assert got.status_code == 200, url
        assert head.status_code == 200, url
        assert head["Content-Type"] == got["Content-Type"], url
        assert head.content == b"", url
