"""What a reader sees: every story page, fetched with the test client."""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.services import filing_save
from comments.services import comment_create

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def test_front_page_shows_todays_stories_grouped_by_region(client, make_article, region, other_region, subject):
    cjk = make_article(title="Coast guard adds cutters", subjects=[subject])
    europe = make_article(title="Rail strike ends", region=other_region)
    html = client.get("/").content.decode()
    assert '<h2 class="region-header" id="region-china-japan-koreas">' in html
    assert '<h2 class="region-header" id="region-europe">' in html
    assert (
        html.index('id="region-china-japan-koreas"')
        < html.index('class="source-link">Coast guard adds cutters')
        < html.index('id="region-europe"')
    )
    assert f'<a href="#story-{cjk.pk}">Coast guard adds cutters</a>' in html
    assert f'<a href="#story-{europe.pk}">Rail strike ends</a>' in html


def test_front_page_story_links_out_to_the_source_with_a_source_tag_and_lead_note(client, make_article):
    article = make_article(source_url="https://news.example.com/abc", source_name="Kansai Wire")
    html = client.get("/").content.decode()
    assert '<a href="https://news.example.com/abc" rel="noopener" class="source-link">' in html
    assert "[Kansai Wire]</a>" in html
    assert '<p class="lead-note">An editor&#39;s lead note.</p>' in html or "An editor's lead note." in html
    assert f'href="{article.get_absolute_url()}#comments"' in html


def test_front_page_has_tabs_for_the_day_and_three_before_plus_archives(client, make_article):
    make_article()
    html = client.get("/").content.decode()
    today = timezone.localdate()
    for n in range(4):
        day = today - dt.timedelta(days=n)
        assert reverse("articles:archive_day", args=[day.year, day.month, day.day]) in html
    assert f'<a href="{reverse("articles:archive")}">Archives</a>' in html
    assert 'aria-current="page" class="active"' in html


def test_front_page_stats_line_counts_archived_and_todays_stories(client, make_article):
    make_article()
    make_article()
    make_article(published_at=timezone.now() - dt.timedelta(days=3))
    html = client.get("/").content.decode()
    assert "On the board: 3 stories and 0 comments in all. Today so far: 2 new stories and 0 new comments." in html


def test_a_day_archive_page_does_not_repeat_the_boards_figures_for_today(client, make_article):
    story = make_article(published_at=timezone.now() - dt.timedelta(days=3))
    day = timezone.localdate(story.published_at)
    html = client.get(reverse("articles:archive_day", args=[day.year, day.month, day.day])).content.decode()
    assert "Today so far" not in html and 'class="stats"' not in html


def test_front_page_sidebar_counts_todays_stories_per_subject(client, make_article, subject):
    make_article(subjects=[subject])
    make_article(subjects=[subject])
    make_article(subjects=[subject], published_at=timezone.now() - dt.timedelta(days=2))
    make_article(subjects=[subject], status=Article.Status.DRAFT)  # readers see neither a draft
    make_article(subjects=[subject], published_at=timezone.now() + dt.timedelta(minutes=5))  # nor a scheduled story
    html = client.get("/").content.decode()
    assert f'<a href="{subject.get_absolute_url()}">Shipping</a> <span class="count">2</span>' in html


def test_front_page_falls_back_to_the_latest_day_with_stories(client, make_article):
    make_article(title="Yesterday's story", published_at=timezone.now() - dt.timedelta(days=1))
    html = client.get("/").content.decode()
    assert "Yesterday&#39;s story" in html


def test_front_page_with_no_stories_says_so(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "No stories were posted on this day." in response.content.decode()


def test_editor_notes_are_shaded_and_announced_on_the_front_page(client, make_article, editor):
    make_article(body="Text with [[a sharp note]].\n\n[[A block note.]]")
    html = client.get("/").content.decode()
    assert f'<span class="note note-e{editor.pk}"><span class="sr-only">Editor\'s note by Mara Editor: </span>' in html
    assert f'<div class="note note-e{editor.pk} note-block" role="note">' in html


def test_notes_stylesheet_shades_each_editor_in_their_colour(client, editor):
    response = client.get(reverse("articles:notes_css"))
    assert response["Content-Type"].startswith("text/css")
    assert f".note-e{editor.pk}{{background-color:#d8f0d2}}" in response.content.decode()


def test_notes_stylesheet_follows_a_colour_change(client, editor):
    client.get(reverse("articles:notes_css"))
    editor.editor_profile.note_colour = "#ffe0e0"
    filing_save(instance=editor.editor_profile)
    assert "#ffe0e0" in client.get(reverse("articles:notes_css")).content.decode()


def test_day_archive_shows_that_days_stories(client, make_article):
    when = timezone.now() - dt.timedelta(days=5)
    make_article(title="An older story", published_at=when)
    day = timezone.localdate(when)
    html = client.get(reverse("articles:archive_day", args=[day.year, day.month, day.day])).content.decode()
    assert "An older story" in html
    assert day.strftime("%B") in html


@pytest.mark.parametrize(
    "path",
    [
        "/archive/2026/2/30/",
        "/archive/2026/13/1/",
        "/archive/9999/1/1/",
        "/archive/99999999999999999999/1/1/",
        "/archive/2020/99999999999999999999/",
        "/archive/1/1/1/",
        "/archive/9999/12/",
        "/archive/1/1/",
        "/story/99999999999999999999999/x/",
    ],
)
def test_impossible_or_future_days_are_404(client, db, path):
    assert client.get(path).status_code == 404


def test_posting_order_lists_newest_first_and_paginates(client, make_article):
    for n in range(35):
        make_article(title=f"Numbered story {n:02d}", published_at=timezone.now() - dt.timedelta(minutes=n + 1))
    first = client.get(reverse("articles:latest")).content.decode()
    assert first.index("Numbered story 00") < first.index("Numbered story 01")
    assert "Numbered story 34" not in first
    assert "Page 1</span>" in first and 'rel="next" href="?page=2"' in first
    second = client.get(reverse("articles:latest") + "?page=2").content.decode()
    assert "Numbered story 34" in second


@pytest.mark.parametrize("page", ["0", "99", "abc", "-1"])
def test_bad_page_numbers_are_404_not_500(client, make_article, page):
    make_article()
    assert client.get(reverse("articles:latest"), {"page": page}).status_code == 404


def test_region_page_lists_only_that_regions_stories(client, make_article, region, other_region):
    make_article(title="In the region")
    make_article(title="Elsewhere", region=other_region)
    html = client.get(region.get_absolute_url()).content.decode()
    assert "<h1>China-Japan-Koreas</h1>" in html
    assert "In the region" in html and "Elsewhere" not in html
    assert reverse("articles:feed_region_rss", args=[region.slug]) in html


def test_unknown_region_is_404_in_the_sites_style(client, db):
    response = client.get("/region/atlantis/")
    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()


def test_subject_page_lists_stories_filed_under_it(client, make_article, subject):
    make_article(title="Filed story", subjects=[subject])
    make_article(title="Unfiled story")
    html = client.get(subject.get_absolute_url()).content.decode()
    assert "File under: Shipping" in html
    assert "Filed story" in html and "Unfiled story" not in html


def test_archive_index_and_month_list_counts(client, make_article):
    when = timezone.now() - dt.timedelta(hours=1)
    make_article(published_at=when)
    make_article(published_at=when)
    day = timezone.localdate(when)
    index = client.get(reverse("articles:archive")).content.decode()
    assert reverse("articles:archive_month", args=[day.year, day.month]) in index
    assert "2 stories" in index
    month = client.get(reverse("articles:archive_month", args=[day.year, day.month])).content.decode()
    assert reverse("articles:archive_day", args=[day.year, day.month, day.day]) in month


def test_empty_archive_month_is_404(client, db):
    assert client.get(reverse("articles:archive_month", args=[1999, 1])).status_code == 404


def test_story_page_shows_everything_a_reader_expects(client, make_article, subject, editor):
    article = make_article(
        title="Cutters sail south",
        source_url="https://news.example.com/cutters",
        source_name="Kansai Wire",
        lead_note="Same rocks, more boats.",
        body="Key paragraph.\n\n[[@mara An attributed block note.]]",
        subjects=[subject],
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<p class="story-region"><a href="/region/china-japan-koreas/">China-Japan-Koreas</a></p>' in html
    assert (
        '<a href="https://news.example.com/cutters" rel="noopener" class="source-link">Cutters sail south</a>' in html
    )
    assert "[Kansai Wire]" in html
    assert '<p class="lead-note">Same rocks, more boats.</p>' in html
    assert "<p>Key paragraph.</p>" in html
    assert f'<div class="note note-e{editor.pk} note-block" role="note">' in html
    assert 'Posted by <span class="editor">Mara Editor</span>' in html
    assert f'<a href="{subject.get_absolute_url()}">Shipping</a>' in html
    assert '<section id="comments"' in html
    assert "Comments close" in html


def test_closed_story_says_comments_are_closed(client, make_article):
    article = make_article(comments_closed=True)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Sorry. Comments have been closed on this article." in html
    assert "Skip to the comments" in html and "Skip to the comment form" not in html  # there is none to skip to
    assert "Skip to the main content" in html


def test_times_in_the_headline_index_and_the_latest_comments_name_their_zone(client, make_article):
    article = make_article()
    comment_create(article_id=article.pk, nic="Fred Bloggs", body="First.", owner_token="t")
    html = client.get("/").content.decode()
    headline = html[html.index('class="headline-meta"') :]
    latest = html[html.index('class="latest-comments"') :]
    zone = timezone.localtime().strftime("%Z")
    assert re.search(rf"latest <time [^>]+>\d\d:\d\d {zone}</time>", headline)
    assert re.search(rf'<time class="count" [^>]+>\w{{3}} \d+ \d\d:\d\d {zone}</time>', latest)


def test_story_past_its_close_at_time_is_closed(client, make_article):
    article = make_article(comments_close_at=timezone.now() - dt.timedelta(minutes=1))
    assert (
        "Sorry. Comments have been closed on this article." in client.get(article.get_absolute_url()).content.decode()
    )


def test_default_close_time_is_publication_plus_the_setting(make_article, settings):
    settings.COMMENTS_OPEN_DAYS = 3
    published = timezone.now() - dt.timedelta(days=1)
    article = make_article(published_at=published)
    assert article.closes_at == published + dt.timedelta(days=3)
    assert article.comments_open()
    assert not article.comments_open(now=published + dt.timedelta(days=3, seconds=1))


def test_sitewide_closing_closes_every_story(client, make_article, settings):
    settings.COMMENTS_CLOSED_SITEWIDE = True
    article = make_article()
    assert (
        "Sorry. Comments have been closed on this article." in client.get(article.get_absolute_url()).content.decode()
    )


def test_old_or_missing_slug_redirects_permanently_to_the_canonical_address(client, make_article):
    article = make_article(title="First title")
    old_url = article.get_absolute_url()
    article.title, article.slug = "Better title", "better-title"
    article.save()
    for url in [old_url, reverse("articles:detail_short", args=[article.pk])]:
        response = client.get(url)
        assert response.status_code == 301
        assert response["Location"] == article.get_absolute_url()


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Article.Status.DRAFT},
        {"published_at": timezone.now() + dt.timedelta(days=1)},
    ],
    ids=["draft", "scheduled"],
)
def test_drafts_and_scheduled_stories_are_invisible_to_readers(client, make_article, fields):
    article = make_article(title="Not yet", **fields)
    assert client.get(article.get_absolute_url()).status_code == 404
    for url in ["/", reverse("articles:latest"), article.region.get_absolute_url(), "/feeds/latest/rss/"]:
        assert "Not yet" not in client.get(url).content.decode()
    assert not any(address.endswith(article.get_absolute_url()) for address in sitemap_addresses(client))


def test_editors_can_preview_drafts_and_scheduled_stories(editor_client, make_article):
    draft = make_article(status=Article.Status.DRAFT, body="Draft with [[a note]].")
    scheduled = make_article(published_at=timezone.now() + dt.timedelta(days=1))
    html = editor_client.get(draft.get_absolute_url()).content.decode()
    assert "Draft: only editors can see this page." in html
    assert "a note</span>" in html
    html = editor_client.get(scheduled.get_absolute_url()).content.decode()
    assert "Scheduled for" in html


def test_latest_rss_feed_parses_and_lists_published_stories(client, make_article):
    make_article(title="Feed story")
    response = client.get(reverse("articles:feed_latest_rss"))
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    titles = [item.findtext("title") for item in root.iter("item")]
    assert titles == ["China-Japan-Koreas: Feed story"]
    description = root.find("channel/item/description").text
    assert "an inline note" in description


def test_latest_atom_feed_parses(client, make_article):
    make_article(title="Atom story")
    root = ET.fromstring(client.get(reverse("articles:feed_latest_atom")).content)
    assert root.tag == f"{ATOM}feed"
    assert [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")] == ["China-Japan-Koreas: Atom story"]


def test_region_feeds_list_only_that_region(client, make_article, region, other_region):
    make_article(title="Here")
    make_article(title="There", region=other_region)
    rss = ET.fromstring(client.get(reverse("articles:feed_region_rss", args=[region.slug])).content)
    assert [i.findtext("title") for i in rss.iter("item")] == ["China-Japan-Koreas: Here"]
    atom = ET.fromstring(client.get(reverse("articles:feed_region_atom", args=[region.slug])).content)
    assert [e.findtext(f"{ATOM}title") for e in atom.iter(f"{ATOM}entry")] == ["China-Japan-Koreas: Here"]
    assert client.get(reverse("articles:feed_region_rss", args=["atlantis"])).status_code == 404


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_addresses(client) -> list[str]:
    """Every address the sitemap lists, as a search engine reads it: the index, then each page it names."""
    index = ET.fromstring(client.get("/sitemap.xml").content)
    addresses = []
    for page in index.iter(f"{SITEMAP}loc"):
        path = urlsplit(page.text)
        listed = ET.fromstring(client.get(path.path, dict(parse_qsl(path.query))).content)
        addresses += [loc.text for loc in listed.iter(f"{SITEMAP}loc")]
    return addresses


def test_sitemap_lists_published_stories_and_regions_only(client, make_article, region):
    published = make_article()
    draft = make_article(status=Article.Status.DRAFT)
    addresses = sitemap_addresses(client)
    assert f"http://testserver{published.get_absolute_url()}" in addresses
    assert f"http://testserver{region.get_absolute_url()}" in addresses
    assert not any(address.endswith(draft.get_absolute_url()) for address in addresses)


def test_every_story_of_a_large_archive_is_in_the_sitemap_by_the_sites_address(client, make_article, settings):
    from articles.sitemaps import ArticleSitemap

    stories = [make_article(title=f"Story number {n}") for n in range(5)]
    settings.SITE_URL = "https://board.example.com"
    with mock.patch.object(ArticleSitemap, "limit", 2):  # three pages of stories
        index = client.get("/sitemap.xml", HTTP_HOST="127.0.0.1").content.decode()
        addresses = sitemap_addresses(client)
    assert "https://board.example.com/sitemap-stories.xml?p=3" in index and "127.0.0.1" not in index
    assert sorted(a for a in addresses if "/story/" in a) == sorted(
        f"https://board.example.com{story.get_absolute_url()}" for story in stories
    )


def test_robots_txt_points_to_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()


def _broken_front_page():
    return mock.patch("articles.views.Article.objects.visible", side_effect=RuntimeError("a bug"))


def test_server_error_page_is_in_the_sites_style(db):
    with _broken_front_page():
        response = Client(raise_request_exception=False).get("/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something broke on our side" in html
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html


def test_server_error_page_without_the_static_manifest_is_still_the_sites_page(db, settings, tmp_path):
    # A deploy that skipped collectstatic: every {% static %} fails, the 500 page's own included.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with _broken_front_page():
        response = Client(raise_request_exception=False).get("/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something broke on our side" in html
    assert "stylesheet" not in html


def test_pages_carry_security_headers(client, db):
    response = client.get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_day_tabs_stay_anchored_on_the_front_pages_day(client, make_article):
    make_article(title="Today's")
    three_days_ago = timezone.localdate() - dt.timedelta(days=3)
    url = reverse("articles:archive_day", args=[three_days_ago.year, three_days_ago.month, three_days_ago.day])
    html = client.get(url).content.decode()
    today = timezone.localdate()
    assert reverse("articles:archive_day", args=[today.year, today.month, today.day]) in html
    assert f'<a aria-current="page" class="active" href="{url}">' in html


def test_draft_preview_shows_no_comment_form(editor_client, make_article):
    draft = make_article(status=Article.Status.DRAFT)
    html = editor_client.get(draft.get_absolute_url()).content.decode()
    assert "Comments open when the story is published." in html
    assert 'class="comment-form"' not in html
