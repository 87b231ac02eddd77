"""Addresses as bans and limits see them: read in every shape a proxy writes, refused when unreadable, IPv6 by /64."""

import logging

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Ban, Comment
from comments.moderation import ban_create
from tests.comments.conftest import form_stamp
from tests.comments.test_defences import refused
from tests.comments.test_moderation_admin import action, say

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


def post_from(story, *, nic="Roaming Rita", body="From somewhere.", **meta):
    """Fetch the story and post its form with these request headers (REMOTE_ADDR, HTTP_X_FORWARDED_FOR)."""
    browser = Client(**meta)
    page = browser.get(story.get_absolute_url()).content.decode()
    return browser.post(
        reverse("comments:post", args=[story.pk]), {"nic": nic, "body": body, "stamp": form_stamp(page)}
    )


@pytest.mark.parametrize(
    "forwarded,stored",
    [
        ("203.0.113.99:51234", "203.0.113.99"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("::ffff:203.0.113.99", "203.0.113.99"),
        ("6.6.6.6, 203.0.113.99:51234", "203.0.113.99"),
    ],
)
def test_an_address_with_a_port_or_brackets_behind_a_proxy_is_stored_bare(story, settings, forwarded, stored):
    settings.TRUSTED_PROXY_COUNT = 1
    response = post_from(story, body="Through the proxy.", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 302
    assert Comment.objects.get(body="Through the proxy.").ip == stored


@pytest.mark.parametrize(
    "banned,forwarded",
    [
        ("203.0.113.0/24", "203.0.113.99:51234"),
        ("203.0.113.0/24", "::ffff:203.0.113.99"),
        ("2001:db8::/32", "[2001:db8::1]:443"),
    ],
)
def test_a_network_ban_holds_whatever_shape_the_proxy_writes_the_address_in(story, editor, settings, banned, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    ban_create(kind="network", value=banned, reason="spam run", moderator=editor)
    response = post_from(story, body="Let me in", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    refused(response, "suspended by the editors", "Let me in", 403)


@pytest.mark.parametrize(
    "hops,meta",
    [
        (0, {"REMOTE_ADDR": ""}),  # a Unix socket
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "not-an-address"}),
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.99:port"}),
        (2, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.99"}),  # one hop short of the declared two
        (1, {"REMOTE_ADDR": PROXY}),  # no X-Forwarded-For at all: REMOTE_ADDR is the proxy's, not the visitor's
    ],
)
def test_a_post_whose_address_cannot_be_read_is_refused_and_logged(story, editor, settings, caplog, hops, meta):
    settings.TRUSTED_PROXY_COUNT = hops
    ban_create(kind="network", value="203.0.113.0/24", reason="spam run", moderator=editor)
    with caplog.at_level(logging.WARNING, logger="comments.views"):
        response = post_from(story, body="From nowhere", **meta)
    refused(response, "could not tell which address it came from", "From nowhere", 400)
    assert not Comment.objects.exists()
    assert any("no readable client address" in record.getMessage() for record in caplog.records)


def test_ipv6_posts_are_counted_per_64_and_ipv4_per_address(story, settings):
    settings.COMMENT_RATE_LIMITS = [(2, 60)]
    with time_machine.travel(timezone.now().replace(second=5, microsecond=0), tick=False):
        for n in (1, 2):
            assert post_from(story, nic=f"Six {n}", body=f"v6 {n}", REMOTE_ADDR=f"2001:db8:1:2::{n}").status_code == 302
        refused(post_from(story, nic="Six 3", body="v6 3", REMOTE_ADDR="2001:db8:1:2:ffff::3"), "faster", "v6 3", 429)
        assert post_from(story, nic="Next door", body="next /64", REMOTE_ADDR="2001:db8:1:3::1").status_code == 302
        for n in (1, 2, 3):
            assert post_from(story, nic=f"Four {n}", body=f"v4 {n}", REMOTE_ADDR=f"198.51.100.{n}").status_code == 302


def test_banning_the_64_of_an_ipv6_comment_refuses_the_rest_of_that_64(editor_client, story):
    comment = say(story, ip="2001:db8:1:2:aaaa::1")
    action(editor_client, "ban_ips", [comment], reason="rotating troll", ipv6_prefix=64)
    assert Ban.objects.get().value == "2001:db8:1:2::/64"
    refused(post_from(story, body="New address", REMOTE_ADDR="2001:db8:1:2:bbbb::9"), "suspended", "New address", 403)
    assert post_from(story, body="Neighbour", REMOTE_ADDR="2001:db8:1:3::1").status_code == 302


def test_the_ban_ips_form_offers_the_64_for_ipv6_and_a_prefix_per_ip_version(editor_client, story):
    comments = [say(story, body=f"Nasty {ip}", ip=ip) for ip in ("2001:db8:1:2::1", "2001:db8:1:2::2", "203.0.113.7")]
    form = editor_client.post(reverse("admin:comments_comment_changelist"),
                              {"action": "ban_ips", "_selected_action": [c.pk for c in comments]})  # fmt: skip
    html = form.content.decode()
    assert 'name="ipv6_prefix" value="64"' in html and 'name="ipv4_prefix"' in html
    action(editor_client, "ban_ips", comments, reason="one household, one office", ipv4_prefix=24, ipv6_prefix=64)
    assert sorted(Ban.objects.values_list("kind", "value")) == [
        ("network", "2001:db8:1:2::/64"),
        ("network", "203.0.113.0/24"),
    ]


def test_an_ipv6_ban_may_still_name_one_address(editor_client, story):
    comment = say(story, ip="2001:db8:1:2::1")
    action(editor_client, "ban_ips", [comment], reason="just this one", ipv6_prefix="")
    assert list(Ban.objects.values_list("kind", "value")) == [("ip", "2001:db8:1:2::1")]
