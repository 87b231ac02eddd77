"""One address per page: another spelling of a page's address, or a query parameter the page does not read, answers
301 to the page's own address before anything is cached; the parameters pages do read keep working."""

from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from comments.services import comment_create
from rantboard.settings import one_machine_caches

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(make_article):
    return make_article(title="Cutters sail south")


def say(article, nic, body="A remark."):
    return comment_create(article_id=article.pk, nic=nic, body=body, owner_token=f"token-{nic}").comment


def moved_to(response) -> str:
    assert response.status_code == 301, response.status_code
    return response["Location"]


@pytest.mark.parametrize(
    "typed",
    [
        "/nic/Alice%20%20%20Tester/",  # spaces the nic never had
        "/nic/%EF%BC%A1lice%20Tester/",  # a fullwidth capital A
        "/nic/alice%20tester/",
        "/nic/ALICE%20TESTER/",
        "/nic/%20Alice%20Tester%20/",
    ],
)
def test_other_spellings_of_a_nic_move_permanently_to_its_page(client, story, typed):
    say(story, "Alice Tester")
    assert moved_to(client.get(typed)) == "/nic/Alice%20Tester/"
    assert "Comments by <bdi>Alice Tester</bdi>" in client.get("/nic/Alice%20Tester/").content.decode()


def test_a_nic_page_of_older_comments_keeps_its_page_number_when_moved(client, story):
    say(story, "Alice Tester")
    assert moved_to(client.get("/nic/alice%20tester/?page=2&utm_source=x")) == "/nic/alice%20tester/?page=2"
    assert moved_to(client.get("/nic/alice%20tester/?page=2")) == "/nic/Alice%20Tester/?page=2"


def test_a_story_number_with_leading_zeros_moves_permanently_to_the_story(client, story):
    assert moved_to(client.get(f"/story/000{story.pk}/{story.slug}/")) == story.get_absolute_url()
    assert moved_to(client.get(f"/story/0{story.pk}/comments/rss/")) == f"/story/{story.pk}/comments/rss/"


def test_an_archive_day_spelled_with_leading_zeros_moves_permanently_to_the_day(client, story):
    assert moved_to(client.get("/archive/02026/011/028/")) == reverse("articles:archive_day", args=[2026, 11, 28])
    assert moved_to(client.get("/archive/2026/011/")) == reverse("articles:archive_month", args=[2026, 11])


def test_other_spellings_of_pages_leave_the_page_cache_as_it_was(client, story, settings, tmp_path):
    settings.CACHES = one_machine_caches(str(tmp_path / "cache"), str(tmp_path / "counters"))
    say(story, "Alice Tester")
    for address in ["/nic/Alice%20Tester/", story.get_absolute_url(), "/", "/latest/"]:
        assert client.get(address).status_code == 200
    stored = sorted(Path(tmp_path / "cache").iterdir())
    others = [f"/nic/Alice{'%20' * n}Tester/" for n in range(2, 12)]
    others += [f"/story/{'0' * n}{story.pk}/{story.slug}/" for n in range(1, 11)]
    others += [f"/?x={n}" for n in range(10)] + [f"/latest/?utm_source={n}" for n in range(10)]
    others += [f"{story.get_absolute_url()}?quote=zzz{n}" for n in range(10)]
    others += [f"/latest/?page={'0' * n}1" for n in range(10)] + [f"/latest/?page=0{n}" for n in range(2, 10)]
    for address in others:
        assert client.get(address).status_code == 301, address
    assert sorted(Path(tmp_path / "cache").iterdir()) == stored
    caches["default"].clear()


# --- query parameters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["?x=1", "?x=2", "?utm_source=feed&fbclid=abc", "?page=2", "?preview=1"])
def test_a_query_parameter_a_page_does_not_read_moves_permanently_to_the_clean_address(client, story, query):
    month = reverse("articles:archive_month", args=[story.published_at.year, story.published_at.month])
    for address in ["/", story.get_absolute_url(), "/archive/", month, "/feeds/latest/rss/", "/feeds/comments/atom/"]:
        assert moved_to(client.get(address + query)) == address


def test_pages_reached_through_an_unread_parameter_are_answered_from_the_cache(
    client, story, django_assert_num_queries
):
    client.get("/")
    for n in range(3):
        response = Client().get(f"/?x={n}", follow=True)
        assert response.redirect_chain == [("/", 301)]
    with django_assert_num_queries(0):
        assert client.get("/?x=99", follow=True).status_code == 200


def test_the_list_page_number_is_kept_and_anything_else_dropped(client, make_article):
    for n in range(35):
        make_article(title=f"Listed story {n:02d}")
    assert moved_to(client.get("/latest/?page=2&utm_source=x")) == "/latest/?page=2"
    assert moved_to(client.get("/latest/?ref=home")) == "/latest/"
    html = client.get("/latest/?page=2").content.decode()
    assert "Listed story 04" in html and "Listed story 34" not in html and 'href="?page=1"' in html
    assert client.get("/latest/?page=9").status_code == 404


def test_the_nic_page_number_is_kept(client, story):
    for n in range(35):
        say(story, "Fred", body=f"Remark {n:02d}.")
    assert moved_to(client.get("/nic/Fred/?page=2&ref=x")) == "/nic/Fred/?page=2"
    assert "Remark 04." in client.get("/nic/Fred/?page=2").content.decode()


LISTS = ["/latest/", "/region/china-japan-koreas/", "/subject/shipping/", "/nic/Fred/"]


@pytest.fixture
def lists(story, region, subject):
    story.region = region
    story.save()
    story.subjects.add(subject)
    say(story, "Fred")


@pytest.mark.parametrize("page", ["1", "01", "0001", "%2B1", "+1", "%201%20"])
def test_the_first_page_of_every_list_moves_permanently_to_the_list_itself(client, lists, page):
    for address in LISTS:
        assert client.get(address).status_code == 200, address
        assert moved_to(client.get(f"{address}?page={page}")) == address


@pytest.mark.parametrize("page", ["02", "002", "%2B2", "+2", "2&page=02"])
def test_a_page_number_spelled_another_way_moves_permanently_to_its_one_spelling(client, lists, page):
    for address in LISTS:
        assert moved_to(client.get(f"{address}?page={page}")) == f"{address}?page=2"


@pytest.mark.parametrize("page", ["x", "0", "-2", "2.0", "%D9%A2"])  # the last an Arabic-Indic two
def test_a_page_that_is_no_number_is_not_found(client, lists, page):
    for address in LISTS:
        assert client.get(f"{address}?page={page}").status_code == 404, address


# --- ?quote=N on a story page ------------------------------------------------------------------------------


@pytest.mark.parametrize("quote", ["zzz1", "zzz2", "", "0", "2", "9999999", "1e3", "%201"])
def test_a_quote_of_no_comment_moves_permanently_to_the_clean_story_address(client, story, quote):
    say(story, "Fred")
    assert moved_to(client.get(f"{story.get_absolute_url()}?quote={quote}")) == story.get_absolute_url()


def test_a_quote_number_spelled_another_way_moves_permanently_to_its_one_spelling(client, story):
    say(story, "Fred")
    url = story.get_absolute_url()
    assert moved_to(client.get(f"{url}?quote=001")) == f"{url}?quote=1"
    assert moved_to(client.get(f"{url}?quote=zzz&quote=1")) == f"{url}?quote=1"  # the last, as Django reads it
    assert moved_to(client.get(f"{url}?quote=1&utm_source=x")) == f"{url}?quote=1"


def test_quoted_story_pages_are_answered_from_the_stored_story_page(
    client, story, settings, tmp_path, django_assert_max_num_queries
):
    settings.CACHES = one_machine_caches(str(tmp_path / "cache"), str(tmp_path / "counters"))
    for n in range(1, 6):
        say(story, f"Nic {n}", body=f"Remark number {n}.")
    assert client.get(story.get_absolute_url()).status_code == 200
    stored = sorted(Path(tmp_path / "cache").iterdir())
    for n in range(1, 6):
        # The quoted comment, read by the address's check and by the form's slot; a render would read the thread too.
        with django_assert_max_num_queries(2):
            response = Client().get(f"{story.get_absolute_url()}?quote={n}")
        assert response.status_code == 200
        assert f"[quote=Nic {n}#{n}]Remark number {n}.[/quote]" in response.content.decode()
    assert sorted(Path(tmp_path / "cache").iterdir()) == stored  # nor stored a page of its own
    caches["default"].clear()


def test_the_comment_forms_buttons_without_javascript_still_work(client, story):
    """Pic-a-Nic, My Original Nic and Preview post to the comment address, which is no cached page."""
    url = reverse("comments:post", args=[story.pk])
    picked = client.post(url + "?x=1", {"nic": "", "body": "Kept as typed.", "picanic": "1"})
    assert picked.status_code == 200 and "Kept as typed.</textarea>" in picked.content.decode()
    shown = client.get(story.get_absolute_url()).content.decode()
    stamp = shown.split('name="stamp" value="')[1].split('"')[0]
    preview = client.post(url, {"nic": "Fred", "body": "[b]Bold[/b]", "stamp": stamp, "preview": "1"})
    assert preview.status_code == 200 and "<strong>Bold</strong>" in preview.content.decode()


def test_editors_previews_are_moved_the_same_way(editor_client, make_article):
    from articles.models import Article

    draft = make_article(status=Article.Status.DRAFT, title="Editor-only draft")
    assert moved_to(editor_client.get(draft.get_absolute_url() + "?preview=1")) == draft.get_absolute_url()
    assert "Editor-only draft" in editor_client.get(draft.get_absolute_url()).content.decode()
