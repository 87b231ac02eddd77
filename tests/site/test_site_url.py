"""Absolute links come from SITE_URL, never from the request: a Host header with another port, sent right after a
write, cannot put its address into a cached page or feed that every later reader gets."""

import pytest
from django.test import Client

from comments.services import comment_create

pytestmark = pytest.mark.django_db

SITE = "https://board.example.com"
POISON = "127.0.0.1:6666"


@pytest.fixture
def story(make_article, settings):
    settings.SITE_URL = SITE
    return make_article(title="Cutters sail south")


def write(story):
    comment_create(article_id=story.pk, nic="Fred", body="A remark.", owner_token="token-fred")


def feeds(story):
    slug = story.region.slug
    return [
        "/feeds/latest/rss/",
        "/feeds/latest/atom/",
        f"/feeds/region/{slug}/rss/",
        f"/feeds/region/{slug}/atom/",
        "/feeds/comments/rss/",
        "/feeds/comments/atom/",
        f"/story/{story.pk}/comments/rss/",
        f"/story/{story.pk}/comments/atom/",
    ]


@pytest.mark.parametrize("n", range(8))
def test_a_feed_asked_for_through_another_port_after_a_write_links_later_readers_to_the_site(story, n):
    address = feeds(story)[n]
    write(story)
    first = Client().get(address, HTTP_HOST=POISON).content.decode()
    later = Client().get(address).content.decode()
    for body in (first, later):
        assert POISON not in body
        assert f"{SITE}{story.get_absolute_url()}" in body
        assert f"{SITE}{address}" in body  # the feed's own address


def test_a_story_page_asked_for_through_another_port_after_a_write_keeps_its_canonical_link(story):
    write(story)
    first = Client().get(story.get_absolute_url(), HTTP_HOST=POISON).content.decode()
    later = Client().get(story.get_absolute_url()).content.decode()
    for body in (first, later):
        assert POISON not in body
        assert f'<link rel="canonical" href="{SITE}{story.get_absolute_url()}">' in body


def test_robots_txt_and_the_sitemap_use_the_site_address(story):
    robots = Client().get("/robots.txt", HTTP_HOST=POISON).content.decode()
    assert f"Sitemap: {SITE}/sitemap.xml" in robots
    index = Client().get("/sitemap.xml", HTTP_HOST=POISON).content.decode()
    assert POISON not in index and f"<loc>{SITE}/sitemap-stories.xml</loc>" in index
    sitemap = "".join(
        Client().get(f"/sitemap-{section}.xml", HTTP_HOST=POISON).content.decode() for section in ("stories", "regions")
    )
    assert POISON not in sitemap
    assert f"<loc>{SITE}{story.get_absolute_url()}</loc>" in sitemap
    assert f"<loc>{SITE}{story.region.get_absolute_url()}</loc>" in sitemap


def test_no_cached_page_carries_the_address_it_was_asked_for_through(story):
    write(story)
    pages = ["/", "/latest/", story.get_absolute_url(), story.region.get_absolute_url(), "/nic/Fred/", "/archive/"]
    for address in pages:
        assert Client().get(address, HTTP_HOST=POISON).status_code == 200
    for address in pages:
        assert POISON not in Client().get(address).content.decode()
