"""Each defence of the comment form: the post that should pass passes; the one that should not is refused with its
reason, the text kept, and nothing saved."""

import datetime as dt
import os

import pytest
import time_machine
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from comments import defences
from comments.models import Ban, Comment
from comments.moderation import ban_create
from tests.comments.conftest import form_stamp

pytestmark = pytest.mark.django_db


def refused(response, message, text, status=400):
    html = response.content.decode()
    assert response.status_code == status, html[:500]
    assert message in html
    assert f"{text}</textarea>" in html
    assert not Comment.objects.filter(body=text).exists()
    return response


def test_honeypot_filled_in_is_refused(story, post):
    refused(post(story, body="Buy things", homepage="http://spam.example"), "looked automated", "Buy things")


def test_honeypot_is_hidden_from_people_and_screen_readers(client, story):
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<div class="hp" aria-hidden="true">' in html
    assert 'name="homepage" value="" id="id_homepage" tabindex="-1" autocomplete="off"' in html


def test_a_form_posted_faster_than_a_person_types_is_refused_then_accepted(client, story, settings):
    settings.COMMENT_MIN_SECONDS = 3
    with time_machine.travel(timezone.now(), tick=False) as clock:
        page = client.get(story.get_absolute_url()).content.decode()
        data = {"nic": "Fred", "body": "Quick!", "stamp": form_stamp(page), "post": "1"}
        response = refused(client.post(reverse("comments:post", args=[story.pk]), data), "faster than anyone", "Quick!")
        clock.shift(dt.timedelta(seconds=4))
        data["stamp"] = form_stamp(response.content.decode())  # the refused form carries a fresh stamp
        clock.shift(dt.timedelta(seconds=4))
        assert client.post(reverse("comments:post", args=[story.pk]), data).status_code == 302
    assert Comment.objects.count() == 1


def test_a_form_older_than_its_life_is_refused(client, story, settings):
    settings.COMMENT_MIN_SECONDS = 0
    settings.COMMENT_FORM_MAX_AGE = 3600
    with time_machine.travel(timezone.now(), tick=False) as clock:
        page = client.get(story.get_absolute_url()).content.decode()
        clock.shift(dt.timedelta(hours=2))
        data = {"nic": "Fred", "body": "Late reply", "stamp": form_stamp(page)}
        refused(client.post(reverse("comments:post", args=[story.pk]), data), "more than 1 hours old", "Late reply")


def test_a_forged_or_missing_stamp_is_refused(story, post):
    refused(post(story, body="No stamp", stamp="forged:value"), "could not be checked", "No stamp")


def test_a_stamp_from_another_storys_form_is_refused(client, story, make_article):
    other = make_article(title="Another story")
    stamp = form_stamp(client.get(other.get_absolute_url()).content.decode())
    data = {"nic": "Fred", "body": "Carried over", "stamp": stamp}
    refused(client.post(reverse("comments:post", args=[story.pk]), data), "could not be checked", "Carried over")


def test_a_form_sent_twice_posts_once(client, story):
    stamp = form_stamp(client.get(story.get_absolute_url()).content.decode())
    data = {"nic": "Fred", "body": "Said once, sent twice", "stamp": stamp}
    first = client.post(reverse("comments:post", args=[story.pk]), data)
    second = client.post(reverse("comments:post", args=[story.pk]), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Comment.objects.count() == 1
    # Changed before it was sent again (the first answer never came): not silently the first words, but the reason.
    changed = client.post(reverse("comments:post", args=[story.pk]), {**data, "body": "Edited before resending"})
    refused(changed, "This form has already posted comment #1", "Edited before resending", 409)
    assert Comment.objects.count() == 1


def _post_from(ip, story, nic, body):
    return post_from(Client(REMOTE_ADDR=ip), story, nic, body)


def test_per_ip_rate_limit_answers_429_with_retry_after_and_resets(story, settings):
    settings.COMMENT_RATE_LIMITS = [(2, 60)]
    with time_machine.travel(timezone.now().replace(second=5, microsecond=0), tick=False) as clock:
        assert _post_from("198.51.100.7", story, "One", "first").status_code == 302
        assert _post_from("198.51.100.7", story, "Two", "second").status_code == 302
        response = refused(
            _post_from("198.51.100.7", story, "Three", "third"), "faster than the board allows", "third", 429
        )
        assert response["Retry-After"] == "55"
        assert _post_from("198.51.100.8", story, "Four", "elsewhere").status_code == 302
        clock.shift(dt.timedelta(seconds=60))
        assert _post_from("198.51.100.7", story, "Three", "third").status_code == 302


def test_per_nic_rate_limit_counts_every_address(story, settings):
    settings.COMMENT_RATE_LIMITS = [(2, 60)]
    now = timezone.now().replace(second=5, microsecond=0)
    with time_machine.travel(now, tick=False):
        assert defences.check_rate(ip="198.51.100.1", nic_key="roaming rita", now=now.timestamp()) is None
        assert defences.check_rate(ip="198.51.100.2", nic_key="roaming rita", now=now.timestamp()) is None
        refusal = defences.check_rate(ip="198.51.100.3", nic_key="roaming rita", now=now.timestamp())
    assert refusal is not None and refusal.status == 429 and refusal.retry_after == 55


def test_rate_limit_counts_are_shared_through_redis(settings, story):
    url = os.environ.get("REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("REDIS_URL must be set in CI so the rate limit is tested against a real Redis.")
        pytest.skip("no REDIS_URL: the Redis-backed limit is tested in CI")
    redis = {"BACKEND": "rantboard.cache.RedisCache", "LOCATION": url, "KEY_PREFIX": f"test-{os.getpid()}"}
    settings.CACHES = {"default": redis, "counters": redis}
    settings.COMMENT_RATE_LIMITS = [(1, 3600)]
    caches["counters"].clear()
    assert defences.check_rate(ip="203.0.113.9", nic_key="fred") is None
    # A second app server shares nothing but Redis: new settings give this process new clients, as another
    # server has, and they see the first one's count.
    settings.CACHES = {"default": dict(redis), "counters": dict(redis)}
    refusal = defences.check_rate(ip="203.0.113.9", nic_key="someone else")
    assert refusal is not None and refusal.status == 429
    caches["counters"].clear()


def test_too_many_links_are_refused_with_the_count(story, post, settings):
    settings.COMMENT_MAX_LINKS = 2
    body = "See https://a.example/1 and [url=https://b.example]b[/url] and [img]https://c.example/x.png[/img]"
    refused(post(story, body=body), "at most 2 links; yours has 3", body.replace('"', "&#34;"))


def test_a_quotes_link_to_the_comment_it_quotes_is_not_counted_as_a_link(story, post, settings):
    from comments.services import comment_create

    settings.COMMENT_MAX_LINKS = 1
    for n, nic in enumerate(("Kind Soul", "Honest Abe", "Deck Hand"), start=1):
        comment_create(article_id=story.pk, nic=nic, body=f"Point {n}.", owner_token=f"t{n}", ip=f"198.51.100.{n}")
    body = "".join(f"[quote={nic}#{n}]Point {n}.[/quote]\nNo.\n" for n, nic in ((1, "Kind Soul"), (2, "Honest Abe"),
                   (3, "Deck Hand"))) + "See https://a.example/1"  # fmt: skip
    assert post(story, body=body).status_code == 302
    refused(post(story, body=body + " and https://b.example/2"), "at most 1 links; yours has 2", "b.example/2")


def test_the_same_words_from_the_same_nic_post_once(story, post):
    post(story, body="Exactly this.")
    post(story, body="Exactly this.")
    assert Comment.objects.count() == 1
    story.refresh_from_db()
    assert story.comment_count == 1


@pytest.mark.parametrize("kind,value,nic", [("nic", "TROLL  face", "troll face"), ("ip", "127.0.0.1", "Anyone"),
                                            ("network", "127.0.0.0/8", "Anyone")])  # fmt: skip
def test_bans_refuse_posts_until_they_expire(story, post, editor, kind, value, nic):
    ban = ban_create(kind=kind, value=value, reason="spam", moderator=editor,
                     expires_at=timezone.now() + dt.timedelta(days=1))  # fmt: skip
    refused(post(story, nic=nic, body="Let me in"), "suspended by the editors", "Let me in", 403)
    Ban.objects.filter(pk=ban.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    from django.core.cache import cache

    cache.clear()
    assert post(story, nic=nic, body="Let me in").status_code == 302


def test_the_write_functions_refuse_a_banned_nic_or_address_whoever_calls_them(story, editor):
    """Not only the form: the demo command, an import or a shell post through the same rule."""
    from comments.services import CommentRefused, comment_create, comment_edit_by_author

    mine = comment_create(article_id=story.pk, nic="Quiet Quinn", body="First.", owner_token="t-q", ip="192.0.2.7")
    ban_create(kind="ip", value="192.0.2.7", reason="spam run", moderator=editor)
    ban_create(kind="nic", value="Troll Face", reason="spam", moderator=editor)
    for nic, ip in (("Troll Face", "198.51.100.1"), ("Anyone", "192.0.2.7")):
        with pytest.raises(CommentRefused, match="suspended by the editors"):
            comment_create(article_id=story.pk, nic=nic, body="Let me in.", owner_token="t-x", ip=ip)
    with pytest.raises(CommentRefused, match="suspended by the editors"):
        comment_edit_by_author(
            comment_id=mine.comment.pk, owner_token="t-q", body="Changed.", body_html="<p>Changed.</p>", ip="192.0.2.7"
        )
    assert list(Comment.objects.values_list("body", flat=True)) == ["First."]


def test_an_expired_ban_stops_applying_without_touching_the_cache(story, post, editor):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        ban_create(kind="nic", value="Brief Troll", reason="cool off", moderator=editor,
                   expires_at=timezone.now() + dt.timedelta(hours=1))  # fmt: skip
        assert post(story, nic="Brief Troll", body="now?").status_code == 403
        clock.shift(dt.timedelta(hours=1, seconds=1))
        assert post(story, nic="Brief Troll", body="now?").status_code == 302


@pytest.mark.parametrize(
    "nic",
    ["Mara Editor", "mara", "MARA", "M a r a", "\u041c\u0430r\u0430", "Mar4", "admin", "Ad-min", "The Moderator",
     "Rantboard", "Site Admin", "Mara Editor Official", "ADM1N"],
)  # fmt: skip
def test_nics_that_imitate_staff_are_refused(story, post, editor, nic):
    refused(post(story, nic=nic, body="Official notice"), "could pass for the board", "Official notice")


@pytest.mark.parametrize("nic", ["Marathon Man", "Tamara", "Fred", "Old Salt 1971", "Creditor", "Badminton Bob"])
def test_ordinary_nics_are_not_mistaken_for_staff(story, post, editor, nic):
    assert post(story, nic=nic, body="Just me").status_code == 302


def test_an_editor_may_comment_under_their_own_name(editor_client, story, post):
    assert post(story, nic="Mara Editor", body="Editor here.").status_code == 302


def post_from(browser, story, nic, body):
    page = browser.get(story.get_absolute_url()).content.decode()
    return browser.post(
        reverse("comments:post", args=[story.pk]), {"nic": nic, "body": body, "stamp": form_stamp(page)}
    )


@override_settings(COMMENT_RATE_LIMITS=[(3, 60), (10, 3600)])
def test_failed_tries_under_someone_elses_nic_never_count_against_its_owner(story):
    owner = Client()
    assert post_from(owner, story, "Alice Tester", "Mine.").status_code == 302
    impostor = Client(REMOTE_ADDR="198.51.100.7")
    for attempt in range(15):
        response = post_from(impostor, story, "Alice Tester", f"Silence her {attempt}")
        assert response.status_code == 400, attempt
        assert "belongs to another commenter" in response.content.decode()
    assert post_from(owner, story, "Alice Tester", "Still here.").status_code == 302
    assert Comment.objects.filter(body="Still here.").exists()
