"""Limits that hold: no flood of cached pages wipes a rate limit or the admin login limiter, and parallel guesses
at the admin password get no further than the limit."""

import multiprocessing

import pytest
import time_machine
from django.contrib.auth.backends import ModelBackend
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from rantboard.cache import CounterFileCache
from rantboard.settings import one_machine_caches
from tests.comments.conftest import form_stamp

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_machine(settings, tmp_path):
    """The caches of a one-machine deployment (no REDIS_URL), as rantboard/settings.py makes them."""
    settings.CACHES = one_machine_caches(str(tmp_path / "cache"), str(tmp_path / "counters"))
    yield
    for alias in ("default", "counters"):
        caches[alias].clear()


def flood_the_page_cache():
    """What a flood of new pages does to the cache they are stored in: ten times its capacity in new entries."""
    pages = caches["default"]
    for n in range(3000):
        pages.set(f"flood-{n}", b"<html>a page</html>", timeout=60)


def post_from(ip, story, nic, body):
    browser = Client(REMOTE_ADDR=ip)
    stamp = form_stamp(browser.get(story.get_absolute_url()).content.decode())
    return browser.post(reverse("comments:post", args=[story.pk]), {"nic": nic, "body": body, "stamp": stamp})


def test_a_rate_limit_holds_after_a_flood_of_pages_on_one_machine(one_machine, settings, make_article):
    settings.COMMENT_RATE_LIMITS = [(1, 3600)]
    story = make_article()
    assert post_from("203.0.113.20", story, "First Poster", "One.").status_code == 302
    assert post_from("203.0.113.20", story, "Second Poster", "Two.").status_code == 429
    flood_the_page_cache()
    response = post_from("203.0.113.20", story, "Third Poster", "Three.")
    assert response.status_code == 429
    assert "faster than the board allows" in response.content.decode()


def test_the_admin_login_limit_holds_after_a_flood_of_pages_on_one_machine(one_machine, settings, editor):
    settings.ADMIN_LOGIN_ATTEMPTS = 2
    attacker = Client(REMOTE_ADDR="203.0.113.21")
    for _ in range(2):
        assert attacker.post(reverse("admin_login"), {"username": "mara", "password": "wrong"}).status_code == 200
    flood_the_page_cache()
    response = attacker.post(reverse("admin_login"), {"username": "mara", "password": "pw-for-tests"})
    assert response.status_code == 429


GUESSES = 10
guesses = {"sent": 0, "statuses": [], "password_checks": 0}


class EveryGuessAtOnce(ModelBackend):
    """While one password is being checked, the next guesses arrive, as they do when sent in parallel: each check
    sends the guesses not yet sent before it answers, so every guess is in flight at once (no thread, no clock)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        guesses["password_checks"] += 1
        while guesses["sent"] < GUESSES:
            guess()
        return super().authenticate(request, username=username, password=password, **kwargs)


def guess() -> None:
    guesses["sent"] += 1
    attacker = Client(REMOTE_ADDR="203.0.113.22")
    data = {"username": "mara", "password": f"guess-{guesses['sent']}"}
    guesses["statuses"].append(attacker.post(reverse("admin_login"), data).status_code)


def test_admin_password_guesses_sent_in_parallel_get_no_further_than_the_limit(settings, editor):
    settings.ADMIN_LOGIN_ATTEMPTS = 5
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.EveryGuessAtOnce"]
    guesses.update(sent=0, statuses=[], password_checks=0)
    guess()
    assert guesses["sent"] == GUESSES
    assert guesses["password_checks"] == 5
    assert sorted(guesses["statuses"]) == [200] * 5 + [429] * 5


def _count_in_a_worker(directory: str, times: int) -> None:
    counters = CounterFileCache(directory, {})
    for _ in range(times):
        counters.add("hits", 0, timeout=3600)
        counters.incr("hits")


def test_counters_on_one_machine_lose_no_count_between_worker_processes(tmp_path):
    directory = str(tmp_path / "counters")
    workers = [multiprocessing.Process(target=_count_in_a_worker, args=(directory, 50)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert CounterFileCache(directory, {}).get("hits") == 200


def test_a_counter_on_one_machine_ends_when_its_window_does_however_often_it_is_counted(tmp_path):
    counters = CounterFileCache(str(tmp_path / "counters"), {})
    with time_machine.travel(0, tick=False) as clock:
        counters.add("window", 0, timeout=600)
        clock.shift(599)
        assert counters.incr("window") == 1
        clock.shift(2)
        assert counters.get("window") is None


def test_a_live_counter_on_one_machine_is_never_culled(tmp_path):
    counters = CounterFileCache(str(tmp_path / "counters"), {"OPTIONS": {"MAX_ENTRIES": 10}})
    for n in range(30):
        counters.add(f"counter-{n}", n, timeout=3600)
    assert [counters.get(f"counter-{n}") for n in range(30)] == list(range(30))
