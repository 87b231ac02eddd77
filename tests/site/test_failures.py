"""When the cache or the database fails: readers keep their pages and commenters their text (issue: staying up).

The cache is broken for real where the suite can (a Redis on a port nobody listens on, a cache directory that is a
file); a cache that refuses writes, and a database that stops answering, are simulated at the driver's edge.
"""

import socket
import threading
from unittest import mock

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import IntegrityError, InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client, override_settings
from django.urls import reverse

from comments.models import Comment
from rantboard.cache import FailSoftCache
from rantboard.settings import redis_cache
from tests.comments.conftest import form_stamp

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(make_article):
    return make_article(title="A story that stays up")


def post(browser, story, *, nic="Fred", body="Still posting.", **fields):
    page = browser.get(story.get_absolute_url()).content.decode()
    data = {"nic": nic, "body": body, "email": "", "website": "", "post": "1", "stamp": form_stamp(page), **fields}
    return browser.post(reverse("comments:post", args=[story.pk]), data)


def a_closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StalledRedis:
    """A server that accepts connections and never answers: a Redis stopped with SIGSTOP. Every wait a client sits
    through begins with a connection (one that timed out is dropped), so `connections` counts the waits."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.url = f"redis://127.0.0.1:{self.server.getsockname()[1]}/0"
        self.held = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        self.server.settimeout(0.1)
        while not self.stop.is_set():
            try:
                self.held.append(self.server.accept()[0])
            except TimeoutError:
                continue

    @property
    def connections(self) -> int:
        return len(self.held)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for conn in self.held:
            conn.close()
        self.server.close()


@pytest.fixture
def stalled_redis():
    stalled = StalledRedis()
    yield stalled
    stalled.close()


def redis_at(url):
    """The pages' cache and the counters both in the one Redis at `url`, as REDIS_URL alone sets them (with the
    production settings' socket timeouts)."""
    caches = {"default": redis_cache(url, "rantboard"), "counters": redis_cache(url, "rantboard-counters")}
    return override_settings(CACHES=caches)


def redis_timeout() -> float:
    return redis_cache("redis://unused", "unused")["OPTIONS"]["socket_timeout"]


def reads_and_posts_work(story):
    reader = Client()
    for url in ("/", story.get_absolute_url(), story.region.get_absolute_url()):
        assert reader.get(url).status_code == 200, url
    commenter = Client()
    assert post(commenter, story, body="Posted while the cache was away.").status_code == 302
    assert "Posted while the cache was away." in reader.get(story.get_absolute_url()).content.decode()


def test_with_redis_down_pages_are_served_and_comments_posted(story):
    with redis_at(f"redis://127.0.0.1:{a_closed_port()}/0"):
        reads_and_posts_work(story)


def test_with_redis_stalled_pages_are_served_and_comments_posted(story, stalled_redis):
    with redis_at(stalled_redis.url):
        reads_and_posts_work(story)


def test_a_stalled_redis_is_waited_on_once_per_cache_not_by_every_request(story, stalled_redis):
    # After a failure each process leaves a cache alone for a while (rantboard.cache.FAILURE_PAUSE), so a stalled
    # Redis costs one socket timeout per cache (the pages' and the counters'), not one per request and read.
    with redis_at(stalled_redis.url):
        for url in ("/", story.get_absolute_url(), story.region.get_absolute_url()):
            assert Client().get(url).status_code == 200
        commenter = Client()
        page = commenter.get(story.get_absolute_url()).content.decode()
        data = {"nic": "Fred", "body": "Stalled, not stopped.", "email": "", "website": "", "post": "1",
                "stamp": form_stamp(page)}  # fmt: skip
        assert commenter.post(reverse("comments:post", args=[story.pk]), data).status_code == 302
    assert 1 <= stalled_redis.connections <= 2
    assert redis_timeout() <= 0.5, "each of those waits must stay well under a second (REDIS_TIMEOUT)"


def test_healthz_reports_a_cache_it_cannot_reach_without_failing(client):
    with redis_at(f"redis://127.0.0.1:{a_closed_port()}/0"):
        response = client.get("/healthz")
    # Every server shares the cache and serves from the database without it: not a reason to leave the pool.
    assert response.status_code == 200
    assert response.content.decode() == "database: ok\ncache: unreachable\n"


def test_rate_limits_count_nothing_while_the_cache_is_away(story, settings):
    settings.COMMENT_RATE_LIMITS = [(1, 60)]
    commenter = Client()
    assert post(commenter, story, body="One a minute.").status_code == 302
    assert post(commenter, story, body="Two in a minute.").status_code == 429  # the limit holds with a cache
    with redis_at(f"redis://127.0.0.1:{a_closed_port()}/0"):
        # docs/reliability.md: with the counters' cache away, posting goes on for everyone.
        for n in range(3):
            assert post(commenter, story, body=f"Posted while nothing counts, {n}.").status_code == 302
    assert Comment.objects.filter(body__startswith="Posted while nothing counts").count() == 3


def test_with_the_cache_directory_unwritable_pages_are_served_and_comments_posted(story, tmp_path):
    not_a_directory = tmp_path / "cache"
    not_a_directory.write_text("a file where the cache directory should be")
    cache = {
        "default": {"BACKEND": "rantboard.cache.FileBasedCache", "LOCATION": str(not_a_directory)},
        "counters": {"BACKEND": "rantboard.cache.CounterFileCache", "LOCATION": str(not_a_directory / "counters")},
    }
    with override_settings(CACHES=cache):
        reads_and_posts_work(story)


def test_with_the_cache_disk_full_pages_are_served_and_comments_posted(story, tmp_path):
    cache = {
        "default": {"BACKEND": "rantboard.cache.FileBasedCache", "LOCATION": str(tmp_path / "cache")},
        "counters": {"BACKEND": "rantboard.cache.CounterFileCache", "LOCATION": str(tmp_path / "counters")},
    }
    full = OSError(28, "No space left on device")
    with override_settings(CACHES=cache), mock.patch("tempfile.mkstemp", side_effect=full):
        reads_and_posts_work(story)


class WriteRefusingCache(FailSoftCache, LocMemCache):
    """A cache whose writes can be refused, as a Redis out of memory refuses them."""

    failures = (OSError,)
    refusing = False

    def _refuse(self):
        if WriteRefusingCache.refusing:
            raise OSError("OOM command not allowed when used memory > 'maxmemory'")

    def set(self, *args, **kwargs):
        return self._try("set", lambda: (self._refuse(), LocMemCache.set(self, *args, **kwargs))[1], None)

    def set_many(self, data, *args, **kwargs):
        return self._try(
            "set_many", lambda: (self._refuse(), LocMemCache.set_many(self, data, *args, **kwargs))[1], list(data)
        )

    def add(self, *args, **kwargs):
        return self._try("add", lambda: (self._refuse(), LocMemCache.add(self, *args, **kwargs))[1], False)


def test_a_comment_stored_while_the_cache_refuses_writes_is_a_success_and_shows_once_it_recovers(story):
    backend = {
        "default": {"BACKEND": f"{__name__}.WriteRefusingCache", "LOCATION": "refusing"},
        "counters": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "counters"},
    }
    with override_settings(CACHES=backend):
        reader, commenter = Client(), Client()
        assert reader.get(story.get_absolute_url()).status_code == 200  # the page is cached
        WriteRefusingCache.refusing = True
        try:
            response = post(commenter, story, body="Stored, whatever the cache says.")
        finally:
            WriteRefusingCache.refusing = False
        assert response.status_code == 302
        assert Comment.objects.filter(body="Stored, whatever the cache says.").count() == 1
        assert "Stored, whatever the cache says." in reader.get(story.get_absolute_url()).content.decode()


def database_down(error=None):
    error = error or OperationalError("server closed the connection")
    return mock.patch.object(CursorWrapper, "execute", side_effect=error)


def a_closed_connection():
    """Django's InterfaceError (psycopg2's "connection already closed"): not a DatabaseError, an outage all the same."""
    return database_down(InterfaceError("connection already closed"))


def test_a_post_the_database_cannot_store_gets_503_with_the_text_kept(story):
    commenter = Client()
    page = commenter.get(story.get_absolute_url()).content.decode()
    stamp = form_stamp(page)
    data = {"nic": "Fred", "email": "fred@example.com", "website": "https://fred.example", "post": "1",
            "body": "Words I will not type twice <b>&", "stamp": stamp}  # fmt: skip
    with database_down():
        response = commenter.post(reverse("comments:post", args=[story.pk]), data)
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "database is not answering" in html
    assert "Words I will not type twice &lt;b&gt;&amp;</textarea>" in html
    assert 'value="Fred"' in html and 'value="fred@example.com"' in html and 'value="https://fred.example"' in html
    assert f'name="stamp" value="{stamp}"' in html  # sending it again cannot post it twice
    # Sent again from that page once the database is back, it posts.
    resend = commenter.post(reverse("comments:post", args=[story.pk]), data)
    assert resend.status_code == 302
    assert Comment.objects.filter(body="Words I will not type twice <b>&").count() == 1


def test_with_the_database_down_readers_get_the_last_copy_of_a_page_marked_as_such(story):
    assert post(Client(), story, body="Said before the outage.").status_code == 302
    reader = Client()
    assert reader.get(story.get_absolute_url()).status_code == 200
    # A comment moves the page's version; the copy for the new version is never rendered.
    assert post(Client(), story, nic="Greta", body="Moves the page's version.").status_code == 302
    reader.cookies["rb_nic"] = "Fred"  # a reader whose greeting would read the database
    with database_down():
        response = reader.get(story.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert response["X-Page-Copy"] == "stale"
    assert "cannot reach its database" in html
    assert "Said before the outage." in html
    assert "ETag" not in response


def test_a_quote_link_gets_the_last_copy_too_while_the_database_is_away(story):
    """`?quote=N` is checked against the database before the page cache answers; with the database away the check
    gives way, so the reader gets the story's stored page (the form without the quote), not a 503."""
    assert post(Client(), story, body="Quote me later.").status_code == 302
    assert Client().get(story.get_absolute_url()).status_code == 200
    with database_down():
        response = Client().get(story.get_absolute_url() + "?quote=1")
    assert response.status_code == 200
    assert "Quote me later." in response.content.decode()


def test_healthz_says_whether_the_database_answers_and_livez_that_the_process_does(client):
    assert client.get("/healthz").content.decode() == "database: ok\ncache: ok\n"
    with database_down():
        down = client.get("/healthz")
        assert client.get("/livez").status_code == 200
    assert down.status_code == 503
    assert "database: unreachable" in down.content.decode()


def test_a_load_balancers_probe_over_plain_http_by_the_servers_address_gets_the_health(client, settings):
    settings.ALLOWED_HOSTS = ["board.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    probe = {"HTTP_HOST": "10.0.0.5:8000"}  # the app server's own address, not the board's name; no HTTPS
    response = client.get("/healthz", **probe)
    assert response.content.decode() == "database: ok\ncache: ok\n"
    assert response["Content-Security-Policy"] and response["X-Frame-Options"] == "DENY"  # as every response
    with database_down():
        assert client.get("/healthz", **probe).status_code == 503
    assert client.get("/", **probe).status_code == 400  # every other address still checks the host


def test_a_page_with_no_saved_copy_answers_503_while_the_database_is_away(story):
    with database_down():
        front = Client().get("/")
        short_link = Client().get(f"/story/{story.pk}/")
    for response in (front, short_link):
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert "cannot reach its database" in response.content.decode()


def test_a_bug_in_the_database_layer_is_still_a_500(story):
    bug = mock.patch.object(CursorWrapper, "execute", side_effect=IntegrityError("a bug, not an outage"))
    with bug, pytest.raises(IntegrityError):
        Client(raise_request_exception=True).get("/")


def test_a_full_file_cache_sweeps_expired_pages_before_live_ones(tmp_path):
    from django.core.cache import caches

    location = {"BACKEND": "rantboard.cache.FileBasedCache", "LOCATION": str(tmp_path), "OPTIONS": {"MAX_ENTRIES": 10}}
    with override_settings(CACHES={"default": location, "counters": location}):
        files = caches["default"]
        files.set("saved-copy", "kept for a day", timeout=86400)
        for n in range(30):  # pages that expire at once, as a minute's do
            files.set(f"page-{n}", "x", timeout=-1)
        assert files.get("saved-copy") == "kept for a day"


def cache_update_lost():
    """The cache update that follows a comment never lands (the issue's Redis refusing writes, then gone): the
    comment is stored, the story's cached page still shows the thread without it."""
    return mock.patch("comments.services.pagecache.changed")


def post_whose_cache_update_is_lost(story, commenter, data):
    reader = Client()
    assert data["body"] not in reader.get(story.get_absolute_url()).content.decode()  # the page is cached
    with cache_update_lost():
        assert commenter.post(reverse("comments:post", args=[story.pk]), data).status_code == 302
    assert data["body"] not in reader.get(story.get_absolute_url()).content.decode(), "the cached page is stale"
    return reader


def test_resending_the_same_form_retires_a_stale_story_page(story):
    commenter = Client()
    stamp = form_stamp(commenter.get(story.get_absolute_url()).content.decode())
    data = {"nic": "Fred", "body": "Said once, cached never.", "email": "", "website": "", "post": "1", "stamp": stamp}
    reader = post_whose_cache_update_is_lost(story, commenter, data)
    # The poster never saw the first answer and sends the form again: "already posted", and the page shows it.
    again = commenter.post(reverse("comments:post", args=[story.pk]), data)
    assert again.status_code == 302
    assert "Said once, cached never." in reader.get(story.get_absolute_url()).content.decode()
    assert Comment.objects.filter(body="Said once, cached never.").count() == 1


def test_the_same_words_again_within_the_window_retire_a_stale_story_page(story):
    commenter = Client()
    stamp = form_stamp(commenter.get(story.get_absolute_url()).content.decode())
    data = {"nic": "Fred", "body": "Said from two tabs.", "email": "", "website": "", "post": "1", "stamp": stamp}
    reader = post_whose_cache_update_is_lost(story, commenter, data)
    # A second tab's form (its own stamp), the same words: posted once, and the page shows it.
    again = post(commenter, story, body="Said from two tabs.")
    assert again.status_code == 302
    assert "Said from two tabs." in reader.get(story.get_absolute_url()).content.decode()
    assert Comment.objects.filter(body="Said from two tabs.").count() == 1


def test_a_closed_connection_is_an_outage_for_posters_readers_and_healthz(story):
    commenter, reader = Client(), Client()
    assert reader.get(story.get_absolute_url()).status_code == 200  # the page is cached
    stamp = form_stamp(commenter.get(story.get_absolute_url()).content.decode())
    data = {"nic": "Fred", "email": "fred@example.com", "website": "https://fred.example", "post": "1",
            "body": "Kept through a closed connection.", "stamp": stamp}  # fmt: skip
    assert post(Client(), story, nic="Greta", body="Moves the page's version.").status_code == 302
    with a_closed_connection():
        posted = commenter.post(reverse("comments:post", args=[story.pk]), data)
        read = reader.get(story.get_absolute_url())
        health = Client().get("/healthz")
    assert posted.status_code == 503
    assert posted["Retry-After"] == "30"
    assert "Kept through a closed connection.</textarea>" in posted.content.decode()
    assert read.status_code == 200
    assert read["X-Page-Copy"] == "stale"
    assert health.status_code == 503
    assert "database: unreachable" in health.content.decode()
