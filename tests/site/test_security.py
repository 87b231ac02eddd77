"""Headers, cookies, the admin's login limit and address, and IP privacy."""

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Ban, Comment
from comments.privacy import truncate
from comments.services import comment_create

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "path", ["/", "/latest/", "/feeds/latest/rss/", "/notes.css", "/robots.txt", "/nope/", "/admin/login/"]
)
def test_every_response_carries_the_security_headers(client, make_article, path):
    make_article()
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_hsts_is_sent_over_https(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_cookies_are_httponly_and_samesite(client, story_for_cookies):
    page = client.get(story_for_cookies.get_absolute_url()).content.decode()
    stamp = page.split('name="stamp" value="')[1].split('"')[0]
    client.post(
        reverse("comments:post", args=[story_for_cookies.pk]),
        {"nic": "Fred", "body": "Hi.", "stamp": stamp},
    )
    owner = client.cookies["rb_owner"]
    assert owner["httponly"] and owner["samesite"] == "Lax"
    assert client.cookies["rb_nic"]["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["httponly"] and client.cookies["csrftoken"]["samesite"] == "Lax"


def test_cookies_are_secure_over_https(client, story_for_cookies, settings):
    page = client.get(story_for_cookies.get_absolute_url(), secure=True).content.decode()
    stamp = page.split('name="stamp" value="')[1].split('"')[0]
    client.post(
        reverse("comments:post", args=[story_for_cookies.pk]),
        {"nic": "Fred", "body": "Hi.", "stamp": stamp},
        secure=True,
    )
    assert client.cookies["rb_owner"]["secure"] and client.cookies["rb_nic"]["secure"]


def test_production_settings_make_session_and_csrf_cookies_secure():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="rantboard.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="s" * 60,
        DJANGO_ALLOWED_HOSTS="board.example.com",
    )
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY)"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert "True True True True" in out.stdout, out.stderr


def test_admin_address_comes_from_the_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="rantboard.settings", DJANGO_DEBUG="1", DJANGO_ADMIN_URL="backroom-7f3/")
    code = "from django.urls import reverse; print(reverse('admin:index'), reverse('admin_login'))"
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert "/backroom-7f3/ /backroom-7f3/login/" in out.stdout, out.stderr


def test_admin_login_is_rate_limited_per_address(db, editor, settings):
    settings.ADMIN_LOGIN_ATTEMPTS = 3
    attacker = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(3):
        response = attacker.post(reverse("admin_login"), {"username": "mara", "password": "wrong"})
        assert response.status_code == 200
    blocked = attacker.post(reverse("admin_login"), {"username": "mara", "password": "pw-for-tests"})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()
    assert int(blocked["Retry-After"]) > 0
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.post(reverse("admin_login"), {"username": "mara", "password": "pw-for-tests"}).status_code == 302


def test_a_good_login_resets_the_count(db, editor, settings):
    settings.ADMIN_LOGIN_ATTEMPTS = 2
    browser = Client(REMOTE_ADDR="203.0.113.6")
    browser.post(reverse("admin_login"), {"username": "mara", "password": "wrong"})
    assert browser.post(reverse("admin_login"), {"username": "mara", "password": "pw-for-tests"}).status_code == 302
    browser.logout()
    browser.post(reverse("admin_login"), {"username": "mara", "password": "wrong"})
    assert browser.post(reverse("admin_login"), {"username": "mara", "password": "pw-for-tests"}).status_code == 302


def test_admin_login_counts_an_ipv6_visitor_by_its_64(db, editor, settings):
    # An IPv6 host is given a whole /64 and picks addresses in it at will: counted per address, each new one would
    # bring a fresh set of guesses.
    settings.ADMIN_LOGIN_ATTEMPTS = 3
    for host in range(1, 4):
        guesser = Client(REMOTE_ADDR=f"2001:db8:7:8::{host}")
        assert guesser.post(reverse("admin_login"), {"username": "mara", "password": "wrong"}).status_code == 200
    for host in range(4, 12):
        guesser = Client(REMOTE_ADDR=f"2001:db8:7:8:{host:x}::1")
        response = guesser.post(reverse("admin_login"), {"username": "mara", "password": "pw-for-tests"})
        assert response.status_code == 429
    neighbour = Client(REMOTE_ADDR="2001:db8:7:9::1")  # the next /64 is someone else
    assert neighbour.post(reverse("admin_login"), {"username": "mara", "password": "pw-for-tests"}).status_code == 302


@pytest.mark.parametrize(
    "address,shortened",
    [("203.0.113.77", "203.0.113.0"), ("2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::"), ("::1", "::")],
)
def test_truncation_keeps_the_network_and_drops_the_host(address, shortened):
    assert truncate(address) == shortened


def test_truncate_ips_shortens_old_addresses_only_and_is_safe_to_repeat(make_article, settings):
    settings.IP_RETENTION_DAYS = 30
    story = make_article()
    old = comment_create(article_id=story.pk, nic="Old", body="old", owner_token="o", ip="203.0.113.77").comment
    new = comment_create(article_id=story.pk, nic="New", body="new", owner_token="n", ip="198.51.100.23").comment
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    out = io.StringIO()
    call_command("truncate_ips", "--dry-run", stdout=out)
    assert "1 comment IP addresses older than 30 days would be shortened" in out.getvalue()
    assert Comment.objects.get(pk=old.pk).ip == "203.0.113.77"
    call_command("truncate_ips", stdout=out)
    call_command("truncate_ips", stdout=out)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.ip, old.ip_truncated) == ("203.0.113.0", True)
    assert (new.ip, new.ip_truncated) == ("198.51.100.23", False)


@pytest.fixture
def story_for_cookies(make_article):
    return make_article()


@pytest.mark.parametrize(
    "hops,forwarded,expected",
    [
        (0, "203.0.113.9", "127.0.0.1"),  # the header is ignored unless proxies are declared
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a client-forged first entry is not believed
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "not-an-address", None),
        (1, "", None),  # no entry at all is fewer than the declared proxies, not the proxy's own address
        (2, "203.0.113.9", None),
    ],
)
def test_the_client_address_is_read_behind_the_declared_proxies(rf, settings, hops, forwarded, expected):
    from rantboard.client_ip import client_ip

    settings.TRUSTED_PROXY_COUNT = hops
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def _stored_where(*needles):
    """Every (model, pk, field) in the whole database whose value holds one of the needles."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    found = set()
    for row in json.loads(out.getvalue()):
        for field, value in row["fields"].items():
            if isinstance(value, str) and any(needle in value for needle in needles):
                found.add((row["model"], row["pk"], field))
    return found


def _ban_in_the_admin(client, kind, value, reason):
    response = client.post(reverse("admin:comments_ban_add"), {"kind": kind, "value": value, "reason": reason})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Ban.objects.order_by("-pk").first()


def test_after_the_retention_period_only_bans_in_force_hold_full_addresses(editor_client, make_article, settings):
    settings.IP_RETENTION_DAYS = 30
    story = make_article(published_at=timezone.now() - dt.timedelta(days=41),
                         comments_close_at=timezone.now() + dt.timedelta(days=1))  # fmt: skip
    with time_machine.travel(timezone.now() - dt.timedelta(days=40)):
        for nic, ip in [("Old Troll", "203.0.113.77"), ("Six Troll", "2001:db8:1:2::99"), ("Stayer", "198.51.100.23")]:
            comment_create(article_id=story.pk, nic=nic, body=f"I am {nic}.", owner_token=nic, ip=ip)
        ended = _ban_in_the_admin(editor_client, "ip", "203.0.113.77", "spam from 203.0.113.77")
        network = _ban_in_the_admin(editor_client, "network", "2001:db8:1:2::99/64", "rotating within its /64")
        kept = _ban_in_the_admin(editor_client, "ip", "198.51.100.23", "for good: 198.51.100.23")
        editor_client.post(reverse("admin:comments_ban_changelist"),
                           {"action": "lift", "_selected_action": [ended.pk, network.pk]})  # fmt: skip
        editor_client.post(
            reverse("admin:comments_ban_change", args=[kept.pk]),
            {"reason": "still 198.51.100.23", "expires_at_0": "", "expires_at_1": ""},
        )
    recent = comment_create(article_id=story.pk, nic="Newcomer", body="Hi.", owner_token="n", ip="192.0.2.44").comment
    full = ("203.0.113.77", "2001:db8:1:2::", "198.51.100.23")
    assert len(_stored_where(*full)) > 5  # comments, bans, audit rows, the admin's log

    call_command("truncate_ips", stdout=io.StringIO())
    call_command("truncate_ips", stdout=io.StringIO())

    assert {(model, pk) for model, pk, _ in _stored_where(*full)} == {("comments.ban", kept.pk)}
    ended.refresh_from_db()
    network.refresh_from_db()
    assert (ended.kind, ended.value, ended.reason) == ("network", "203.0.113.0/24", "spam from 203.0.113.0")
    assert (network.kind, network.value) == ("network", "2001:db8:1::/48")
    recent.refresh_from_db()
    assert recent.ip == "192.0.2.44"
    assert _post_from_address("198.51.100.23", story).status_code == 403  # the ban in force still holds


def _post_from_address(ip, story):
    browser = Client(REMOTE_ADDR=ip)
    page = browser.get(story.get_absolute_url()).content.decode()
    stamp = page.split('name="stamp" value="')[1].split('"')[0]
    return browser.post(reverse("comments:post", args=[story.pk]), {"nic": "Anyone", "body": "Hi.", "stamp": stamp})


def test_an_editors_draft_preview_is_never_kept_by_a_cache(editor_client, make_article):
    from articles.models import Article

    draft = make_article(title="Not out yet", status=Article.Status.DRAFT)
    response = editor_client.get(draft.get_absolute_url())
    assert response.status_code == 200 and "Not out yet" in response.content.decode()
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives and "public" not in directives


@pytest.mark.parametrize("page", ["front", "story", "admin", "preview"])
def test_every_page_an_editor_is_logged_in_for_is_private_and_not_stored(editor_client, make_article, page):
    story = make_article()
    if page == "preview":
        response = editor_client.post(reverse("comments:preview"), {"body": "[b]hi[/b]"})
    else:
        url = {"front": "/", "story": story.get_absolute_url(), "admin": reverse("admin:index")}[page]
        response = editor_client.get(url)
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_anonymous_cached_pages_keep_their_own_headers(client, make_article):
    story = make_article()
    for _ in range(2):  # rendered and stored, then served from the cache
        response = client.get(story.get_absolute_url())
        assert response["Cache-Control"] == "private, no-cache" and response.has_header("ETag")
    assert client.get("/comments/pick-nic/")["Cache-Control"] == "no-store"
