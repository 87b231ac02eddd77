"""The story page as readers see it, rendered or cached: the story, its thread, the figures, the form, and nothing
a hostile value could turn into markup."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Subject
from articles.services import filing_save
from comments.models import Comment
from comments.moderation import comments_remove
from comments.services import CLOSED_MESSAGE, comment_create
from tests.comments.conftest import form_stamp

pytestmark = pytest.mark.django_db


def say(article, nic="Fred", body="A remark."):
    return comment_create(article_id=article.pk, nic=nic, body=body, owner_token=f"token-{nic}").comment


def views(url) -> list[str]:
    """The page as a first reader gets it (rendered) and as the next one does (from the cache)."""
    pages = [Client().get(url), Client().get(url)]
    assert [response.status_code for response in pages] == [200, 200]
    return [response.content.decode() for response in pages]


# --- the story -------------------------------------------------------------------------------------------------


def test_the_story_is_filed_under_its_subjects_in_name_order(make_article):
    later, earlier = Subject.objects.create(name="Whaling", slug="w"), Subject.objects.create(name="Fishing", slug="f")
    article = make_article(subjects=[later, earlier])
    for html in views(article.get_absolute_url()):
        filed = html[html.index('class="file-under"') :]
        assert filed.index(">Fishing</a>") < filed.index(">Whaling</a>")
        assert f'<a href="{earlier.get_absolute_url()}">Fishing</a>' in filed


def test_a_story_without_subjects_has_no_file_under_line(make_article):
    for html in views(make_article().get_absolute_url()):
        assert "File under" not in html and 'class="story-meta"' in html


@pytest.mark.parametrize("pk", [0, 10**9, 10**30])
def test_a_story_number_that_is_no_story_answers_404(client, make_article, pk):
    make_article()
    assert client.get(f"/story/{pk}/").status_code == 404
    assert client.get(f"/story/{pk}/some-title/").status_code == 404


# --- the thread ------------------------------------------------------------------------------------------------


def test_the_story_page_shows_its_thread_once_in_order_without_removed_comments(make_article, editor):
    article = make_article()
    for n in range(1, 6):
        say(article, nic=f"Nic {n}", body=f"Comment number {n}.")
    say(article, nic="Zoë", body="Ça va — 東京 🚢")
    comments_remove(comments=Comment.objects.filter(article=article, number=2), moderator=editor)
    for html in views(article.get_absolute_url()):
        assert html.count('class="comment"') == 5
        assert "Comment number 2." not in html
        positions = [html.index(f'id="c{n}"') for n in (1, 3, 4, 5, 6)]
        assert positions == sorted(positions)
        assert "Ça va — 東京 🚢" in html
        assert positions[-1] < html.index('id="comment-form"') < html.index("Latest comments")
        assert "5 comments" in html


def test_the_front_pages_figures_count_a_comment_at_once(client, make_article):
    story = make_article()
    assert (
        "1 story and 0 comments in all. Today so far: 1 new story and 0 new comments."
        in client.get("/").content.decode()
    )
    say(story)
    assert (
        "1 story and 1 comment in all. Today so far: 1 new story and 1 new comment." in client.get("/").content.decode()
    )


@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_the_front_pages_figures_count_a_story_published_or_withdrawn_in_the_admin_at_once(
    client, make_article, admin_client, action
):
    make_article(title="A first story")
    second = make_article(title="A second story", status="draft" if action == "publish" else "published")
    before, after = ("1 story", "2 stories") if action == "publish" else ("2 stories", "1 story")

    def figures(stories):
        return f"{stories} and 0 comments in all. Today so far: {stories.replace(' ', ' new ')} and 0 new comments."

    assert figures(before) in client.get("/").content.decode()
    admin_client.post(reverse("admin:articles_article_changelist"), {"action": action, "_selected_action": [second.pk]})
    html = client.get("/").content.decode()
    assert ("A second story" in html) == (action == "publish")  # the list is right at once...
    assert figures(after) in html  # ...and so must its figures be


# --- the form --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_cache", [0, 60], ids=["uncached", "cached"])
@pytest.mark.parametrize("hit", [False, True], ids=["first-reader", "next-reader"])
def test_a_browser_posts_with_the_token_its_page_gave_it(settings, make_article, page_cache, hit):
    settings.PAGE_CACHE_SECONDS = page_cache
    article = make_article()
    if hit:
        Client().get(article.get_absolute_url())
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(article.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = {"nic": "Tok Bearer", "body": "Checked.", "stamp": form_stamp(page), "post": "1"}
    url = reverse("comments:post", args=[article.pk])
    # Without the cookie the page set, the token is worth nothing.
    assert Client(enforce_csrf_checks=True).post(url, {**data, "csrfmiddlewaretoken": token}).status_code == 403
    response = browser.post(url, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Comment.objects.filter(article=article, nic="Tok Bearer").count() == 1


def test_a_post_to_a_closed_story_is_refused_with_the_sentence(client, make_article):
    article = make_article(comments_closed=True)
    for html in views(article.get_absolute_url()):
        assert CLOSED_MESSAGE in html and 'id="comment-form"' not in html
    data = {"nic": "Late Comer", "body": "Too late?", "email": "", "website": "", "post": "1"}
    response = client.post(reverse("comments:post", args=[article.pk]), data)
    assert response.status_code == 403
    html = response.content.decode()
    assert CLOSED_MESSAGE in html and "Too late?</textarea>" in html  # handed back to copy
    assert not Comment.objects.exists()


# --- hostile values --------------------------------------------------------------------------------------------


def test_hostile_values_come_out_escaped_on_the_story_page(make_article, region, editor, settings):
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    settings.SITE_NAME = "Board " + hostile
    region.name = "Region " + hostile
    filing_save(instance=region)
    editor.first_name = "Ed " + hostile
    editor.save()
    subject = Subject.objects.create(name="Subject " + hostile, slug="hostile")
    article = make_article(title="Title " + hostile, source_name="Wire " + hostile, subjects=[subject])
    say(article, nic="Commenter", body="Said " + hostile)
    pages = []
    for _ in range(2):  # rendered, then from the cache
        reader = Client()
        reader.cookies["rb_nic"] = hostile
        response = reader.get(article.get_absolute_url())
        assert response.status_code == 200
        pages.append(response.content.decode())
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
        # site, region, editor, subject, title, source, the comment, the nic in the form
        assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 8
        nic = re.search(r'name="nic" value="([^"]*)"', page).group(1)
        assert unescape(nic) == hostile  # escaped, and given back as it was


def test_times_on_the_story_page_carry_their_time_zone(client, make_article, settings):
    from django.utils import timezone

    from comments.services import comment_create

    settings.TIME_ZONE = "Asia/Tokyo"
    story = make_article(title="Ferries in Tokyo time")
    comment_create(article_id=story.pk, nic="Zoned", body="When?", owner_token="t-zoned")
    html = client.get(story.get_absolute_url()).content.decode()
    published = timezone.localtime(story.published_at).strftime("%Y-%m-%d %H:%M")
    assert f"{published} JST</time>" in html  # the story's time
    assert html.count(" JST</time>") >= 3  # and the comment's, and the closing time
