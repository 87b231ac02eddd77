"""The story page's fast paths: plain-SQL reads, prepared statements, the spliced thread, the cheap CSRF token."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Subject
from articles.reads import story_for_page
from articles.views import _site_stats
from comments.models import Comment
from comments.templatetags.comment_tags import comment_stats
from rantboard import csrf, prepared, splice
from tests.comments.conftest import form_stamp, form_token

# --- reads ------------------------------------------------------------------------------------------------------


def test_the_story_read_loads_region_editor_and_subjects_in_name_order(make_article, region, editor):
    later, earlier = Subject.objects.create(name="Whaling", slug="w"), Subject.objects.create(name="Fishing", slug="f")
    article = make_article(subjects=[later, earlier], lead_note="A note.")
    found, subjects = story_for_page(article.pk)
    assert found == article
    assert (found.title, found.region.name, found.posted_by.username) == (article.title, region.name, editor.username)
    assert [s.name for s in subjects] == ["Fishing", "Whaling"]
    assert subjects[0].get_absolute_url() == earlier.get_absolute_url()
    assert timezone.is_aware(found.published_at) and found.published_at == article.published_at
    assert found.comments_open() and found.closes_at == article.closes_at
    assert found.body_html == article.body_html and found.lead_note_html == article.lead_note_html


def test_the_story_read_hides_what_readers_may_not_see(make_article):
    draft = make_article(status=Article.Status.DRAFT)
    scheduled = make_article(published_at=timezone.now() + dt.timedelta(days=1))
    for hidden in (draft, scheduled):
        assert story_for_page(hidden.pk) is None
        assert story_for_page(hidden.pk, drafts=True)[0] == hidden  # editors preview them
    assert story_for_page(10**9) is None
    assert story_for_page(10**30) is None  # beyond any id: no query, no error
    assert story_for_page(0) is None


def test_a_story_without_subjects_reads_an_empty_list(make_article):
    assert story_for_page(make_article().pk)[1] == []


# --- the thread as bytes, spliced ------------------------------------------------------------------------------


def test_the_thread_is_read_as_utf8_bytes_in_order_without_removed_comments(make_article):
    from tests.comments.test_queries import add_comments

    article = make_article()
    add_comments(article, 3)
    Comment.objects.filter(article=article, number=2).update(removed=True, row_html="gone")
    Comment.objects.filter(article=article, number=3).update(row_html="<p>Ça va — 東京 🚢</p>")
    thread = Comment.objects.thread_html(article)
    assert isinstance(thread, bytes)
    assert thread.decode().endswith("<p>Ça va — 東京 🚢</p>")
    assert b"gone" not in thread
    assert thread.decode().index('id="c1"') < thread.decode().index("Ça va")


def test_stored_rows_under_8_kb_are_kept_uncompressed_on_postgresql(make_article):
    # Every story page reads its thread's rows: compressed ones would be decompressed on every read.
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage setting; .ci/run runs the suite on PostgreSQL too")
    from tests.comments.test_queries import add_comments

    article = make_article()
    add_comments(article, 1)
    row = "<p>" + "Forty ferries wait off the harbour wall. " * 120 + "</p>"  # about 5 kB, very compressible
    Comment.objects.filter(article=article).update(row_html=row, body_html=row, body=row)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(row_html), octet_length(row_html) FROM comments_comment WHERE article_id = %s",
            [article.pk],
        )
        stored, length = cursor.fetchone()
    assert stored >= length  # kept as it is (with its header), not compressed


def test_the_health_check_runs_at_most_once_a_delay_on_postgresql(db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backend's check; .ci/run runs the suite on PostgreSQL too")
    import time

    from django.db import connections

    wrapper = connections["default"]
    wrapper.ensure_connection()
    checks = []
    saved = wrapper.health_check_enabled, wrapper.checked_at
    wrapper.is_usable = lambda: checks.append(time.monotonic()) or True

    def new_request() -> None:  # what Django does at the start of each request, then at its first query
        wrapper.health_check_done = False
        wrapper.close_if_health_check_failed()

    try:
        wrapper.health_check_enabled = True
        settings.DATABASE_HEALTH_CHECK_DELAY = 60
        wrapper.checked_at = time.monotonic()
        new_request()
        new_request()
        assert checks == [] and wrapper.health_check_done  # checked a moment ago: no round trip
        wrapper.checked_at = time.monotonic() - 61
        new_request()
        assert len(checks) == 1  # checked once the delay has passed, and then not again within it
        new_request()
        assert len(checks) == 1
        settings.DATABASE_HEALTH_CHECK_DELAY = 0  # as Django: every request
        new_request()
        new_request()
        assert len(checks) == 3
    finally:
        del wrapper.is_usable
        wrapper.health_check_enabled, wrapper.checked_at = saved


def test_splice_puts_each_part_where_its_stand_in_was():
    request = RequestFactory().get("/")
    first = splice.defer(request, "<b>één</b>".encode())
    second = splice.defer(request, b"<i>two</i>")
    unused = splice.defer(request, b"never shown")
    response = HttpResponse(f"<p>Ça {first} and {second}.</p>")
    assert splice.splice(request, response).content.decode() == "<p>Ça <b>één</b> and <i>two</i>.</p>"
    assert unused not in response.content.decode()
    assert HttpResponse(b"untouched").content == splice.splice(request, HttpResponse(b"untouched")).content


def test_a_stand_in_cannot_be_forged_by_content(settings):
    request = RequestFactory().get("/")
    marker = splice.defer(request, b"PART")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789abcdef"
    assert splice.defer(RequestFactory().get("/"), b"x") != marker  # markers come from the secret


def test_the_story_page_shows_its_thread_once_in_place(client, make_article):
    from tests.comments.test_queries import add_comments

    article = make_article()
    add_comments(article, 5)
    page = client.get(article.get_absolute_url()).content.decode()
    assert page.count('class="comment"') == 5
    assert "rb-splice-" not in page
    assert page.index('id="c5"') < page.index('id="comment-form"') < page.index("Latest comments")


# --- prepared statements ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # prepared statements are used outside transactions, as on a live page
def test_a_statement_is_prepared_once_per_connection_on_postgresql(settings):
    settings.DATABASE_PREPARED_STATEMENTS = True
    with connection.cursor() as cursor:
        for _ in range(3):
            prepared.execute(cursor, "rantboard_test_sum", "SELECT CAST(%s AS INTEGER) + CAST(%s AS INTEGER)", [2, 3])
            assert cursor.fetchone()[0] == 5
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = 'rantboard_test_sum'")
            assert cursor.fetchone()[0] == 1


@pytest.mark.django_db(transaction=True)
def test_prepared_statements_can_be_turned_off(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    with connection.cursor() as cursor:
        prepared.execute(cursor, "rantboard_test_off", "SELECT CAST(%s AS INTEGER) * 2", [21])
        assert cursor.fetchone()[0] == 42
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = 'rantboard_test_off'")
            assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_a_story_page_outlives_a_migration_and_dropped_statements(client, make_article, settings):
    """A prepared read that has gone bad (a column it returns changed type; the session's statements dropped) is
    prepared afresh and the page still answers."""
    settings.DATABASE_PREPARED_STATEMENTS = True
    article = make_article()
    assert client.get(article.get_absolute_url()).status_code == 200  # prepared on this connection
    if connection.vendor != "postgresql":
        return  # nothing is prepared on SQLite: the page above is the whole check
    with connection.cursor() as cursor:  # what an AlterField(max_length=...) migration does from another process
        cursor.execute("ALTER TABLE articles_article ALTER COLUMN title TYPE varchar(300)")
    try:
        for _ in range(2):
            assert story_for_page(article.pk)[0] == article
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200 and article.title in response.content.decode()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE articles_article ALTER COLUMN title TYPE varchar(250)")


@pytest.mark.django_db(transaction=True)
def test_the_pages_prepared_reads_are_planned_once_not_at_every_visit(client, make_article, settings):
    """PostgreSQL plans a prepared statement's first five runs for their values, then keeps one plan for all values
    unless it judges that plan dearer: a LIMIT sent as a value did that, and the sidebar's read was planned afresh at
    every visit."""
    from tests.comments.test_queries import add_comments

    settings.DATABASE_PREPARED_STATEMENTS = True
    settings.PAGE_CACHE_SECONDS = 0  # every visit reads the database
    article = make_article()
    add_comments(article, 2)
    for _ in range(8):
        assert client.get(article.get_absolute_url()).status_code == 200
        assert client.get("/").status_code == 200
    if connection.vendor != "postgresql":
        return  # nothing is prepared on SQLite: the pages above are the whole check
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, statement, generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE name LIKE 'rantboard%'"
        )
        statements = {name: (statement, generic, custom) for name, statement, generic, custom in cursor.fetchall()}
    assert {"rantboard_story", "rantboard_thread", "rantboard_day"} <= set(statements)
    assert any(name.startswith("rantboard_latest") for name in statements)
    for name, (statement, generic, custom) in statements.items():
        assert generic >= 3 and custom <= 5, (name, generic, custom)
        # The test's tables are too small for the planner to judge a LIMIT sent as a value dearer; a board's are not.
        assert not re.search(r"LIMIT \$", statement), statement


# --- the front page's counts -----------------------------------------------------------------------------------


def _counts_sql() -> list[str]:
    """The SQL of the front page's counts (stories archived and today; comments archived and today), as run."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        _site_stats(timezone.localdate())
        comment_stats()
    return [query["sql"] for query in queries.captured_queries if "COUNT" in query["sql"] or "SUM" in query["sql"]]


def test_the_front_pages_counts_are_read_from_indexes_alone(make_article):
    """After every comment the next front page counts again; on a board of half a million comments, reading each
    story's and each of the day's comments' rows for it took a quarter of a second on PostgreSQL."""
    make_article()
    statements = _counts_sql()
    assert len(statements) == 3, statements  # the stories', the comments' total, the day's comments
    with connection.cursor() as cursor:
        for sql in statements:
            if connection.vendor == "postgresql":
                # A handful of test rows fit one page, which the planner would rather read whole: ask whether the
                # indexes can answer, as they do on a board's tables.
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
                cursor.execute(f"EXPLAIN {sql}")
                plan = " ".join(row[0] for row in cursor.fetchall())
                assert "Index Only Scan" in plan and "Seq Scan" not in plan, (sql, plan)
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                plan = " ".join(row[-1] for row in cursor.fetchall())
                assert re.search(r"COVERING INDEX|USING INDEX comment_shown_time", plan), (sql, plan)


def test_a_comment_recounts_the_comments_but_not_the_stories(client, make_article):
    from tests.comments.test_reading import say

    story = make_article()
    client.get("/")
    say(story)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    assert "1 story and 1 comment archived · today 1 story and 1 comment" in html
    counts = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT COUNT(")]
    assert [sql for sql in counts if 'FROM "comments_comment"' in sql]  # the day's comments, counted again
    assert not [sql for sql in counts if 'AS "stories",' in sql]  # the stories, not
    make_article(title="A second story")  # a story published: both recounted
    assert "2 stories and 1 comment archived · today 2 stories and 1 comment" in client.get("/").content.decode()


# --- the CSRF token --------------------------------------------------------------------------------------------


def test_random_strings_use_the_whole_alphabet_evenly():
    drawn = "".join(csrf.random_string() for _ in range(2000))
    assert len(csrf.random_string()) == 32 and set(drawn) <= set(CSRF_ALLOWED_CHARS)
    counts = Counter(drawn)
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    expected = len(drawn) / len(CSRF_ALLOWED_CHARS)  # about 1,032 each
    assert all(0.8 * expected < n < 1.2 * expected for n in counts.values())


def test_tokens_keep_the_visitors_secret_under_a_fresh_mask():
    request = RequestFactory().get("/")
    first, second = csrf.get_token(request), csrf.get_token(request)
    assert first != second and len(first) == 64
    secret = request.META["CSRF_COOKIE"]
    from django.middleware.csrf import _unmask_cipher_token

    assert _unmask_cipher_token(first) == _unmask_cipher_token(second) == secret


def _redis_cache():
    url = os.environ.get("REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("REDIS_URL must be set in CI so the quick cache reads are tested against a real Redis.")
        pytest.skip("no REDIS_URL: the quick cache reads are tested in CI")
    from rantboard.cache import RedisCache

    return RedisCache(url, {"KEY_PREFIX": f"test-quick-{os.getpid()}"})


def test_quick_reads_return_what_get_many_does():
    redis_cache = _redis_cache()
    values = {"version": "3f9a", "count": 7, "names": ["kiln", "tern"], "text": "Ünïcode"}
    redis_cache.set_many(values)
    try:
        keys = [*values, "missing"]
        assert redis_cache.read_many(keys) == redis_cache.get_many(keys) == values
        redis_cache.set("version", "new")  # no stale copy: every read asks Redis
        assert redis_cache.read_many(["version"]) == {"version": "new"}
    finally:
        redis_cache.delete_many(list(values))


def test_quick_reads_survive_a_dropped_connection():
    redis_cache = _redis_cache()
    redis_cache.set("version", "before")
    try:
        assert redis_cache.read_many(["version"]) == {"version": "before"}
        redis_cache._quick.connection._sock.close()  # as when Redis restarts or a firewall drops the connection
        redis_cache.set("version", "after")
        fallbacks = []
        get_many = redis_cache.get_many
        redis_cache.get_many = lambda keys: fallbacks.append(keys) or get_many(keys)
        assert redis_cache.read_many(["version"]) == {"version": "after"}
        assert fallbacks == [["version"]]  # answered by get_many, with redis-py's retries
        assert redis_cache.read_many(["version"]) == {"version": "after"}
        assert fallbacks == [["version"]]  # and then on a new connection of its own
    finally:
        redis_cache.delete("version")


@pytest.mark.parametrize("page_cache", [0, 60])
def test_a_browser_posts_with_the_token_its_page_gave_it(settings, make_article, page_cache):
    settings.PAGE_CACHE_SECONDS = page_cache
    browser = Client(enforce_csrf_checks=True)
    article = make_article()
    page = browser.get(article.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = {"nic": "Tok Bearer", "body": "Checked.", "token": form_token(page), "stamp": form_stamp(page), "post": "1"}
    url = reverse("comments:post", args=[article.pk])
    assert Client(enforce_csrf_checks=True).post(url, {**data, "csrfmiddlewaretoken": token}).status_code == 403
    response = browser.post(url, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Comment.objects.filter(article=article, nic="Tok Bearer").count() == 1


# --- what the builders put on the page -------------------------------------------------------------------------


def test_hostile_values_come_out_escaped_on_the_story_page(client, make_article, region, editor, settings):
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    settings.SITE_NAME = "Board " + hostile
    region.name = "Region " + hostile
    region.save()
    editor.first_name = "Ed " + hostile
    editor.save()
    subject = Subject.objects.create(name="Subject " + hostile, slug="hostile")
    article = make_article(title="Title " + hostile, source_name="Wire " + hostile, subjects=[subject])
    client.cookies["rb_nic"] = hostile
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 6  # site, region, editor, subject, title, source


def test_a_post_to_a_closed_story_does_not_check_the_text_it_cannot_post(client, make_article, monkeypatch):
    article = make_article(comments_closed=True)
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'id="comment-form"' not in page

    def refuse(*args, **kwargs):
        raise AssertionError("the closed page rendered the comment")

    monkeypatch.setattr("comments.services.render", refuse)
    data = {"nic": "Late Comer", "body": "Too late?", "email": "", "website": "", "post": "1"}
    response = client.post(reverse("comments:post", args=[article.pk]), data)
    assert response.status_code == 403
    assert "Too late?" in response.content.decode()  # handed back to copy


def test_quick_writes_do_what_delete_many_and_set_many_do():
    redis_cache = _redis_cache()
    redis_cache.set_many({"stale": 1, "count": 7, "version": 3}, timeout=60)
    try:
        redis_cache.write_many({"version": 4, "other": "Ünïcode"}, delete=["stale", "count"])
        assert redis_cache.get_many(["stale", "count", "version", "other"]) == {"version": 4, "other": "Ünïcode"}
        assert redis_cache._cache.get_client().ttl(redis_cache.make_and_validate_key("version")) == -1  # kept
    finally:
        redis_cache.delete_many(["version", "other"])


def test_quick_writes_survive_a_dropped_connection():
    redis_cache = _redis_cache()
    redis_cache.set("stale", 1)
    try:
        assert redis_cache.read_many(["stale"]) == {"stale": 1}  # the thread's own connection is open
        redis_cache._quick.connection._sock.close()
        fallbacks = []
        set_many = redis_cache.set_many
        redis_cache.set_many = lambda values, timeout: fallbacks.append(timeout) or set_many(values, timeout)
        redis_cache.write_many({"version": 5}, delete=["stale"])
        assert fallbacks == [None]  # written by delete_many and set_many, with redis-py's retries
        assert redis_cache.get_many(["stale", "version"]) == {"version": 5}
        redis_cache.write_many({"version": 6})
        assert fallbacks == [None]  # and then on a new connection of its own
        assert redis_cache.get("version") == 6
    finally:
        redis_cache.delete_many(["stale", "version"])
