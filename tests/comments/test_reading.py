"""What readers see of comments: the thread, the front page figures, the sidebar, nic pages and feeds."""

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from articles.models import Article
from articles.services import articles_publish, articles_unpublish
from comments.models import Comment
from comments.moderation import comment_redact
from comments.services import comment_create
from tests.inert import assert_inert

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def say(article, nic="Fred", body="A remark.", **extra):
    return comment_create(
        article_id=article.pk, nic=nic, body=body, owner_token=f"token-{nic.lower()}", **extra
    ).comment


def test_thread_is_numbered_with_stable_anchors_nic_time_and_top(client, story):
    say(story, nic="Fred")
    say(story, nic="Tess", website="https://tess.example.net/")
    html = client.get(story.get_absolute_url()).content.decode()
    assert html.index('id="c1"') < html.index('id="c2"')
    assert '<a class="comment-number" href="#c1">#1</a>' in html
    assert f'<a class="nic" href="{reverse("comments:nic", args=["Fred"])}"><bdi>Fred</bdi></a>' in html
    assert '<a class="nic" href="https://tess.example.net/" rel="nofollow ugc noopener"><bdi>Tess</bdi></a>' in html
    assert '<a class="top-link" href="#top">Top</a>' in html
    assert "<time datetime=" in html
    assert "2 comments" in html


def test_redacted_comment_shows_its_note_instead_of_its_text(client, story, editor):
    comment = say(story, body="Something vile.")
    comment_redact(comment=comment, moderator=editor, note="Removed: off topic.")
    html = client.get(story.get_absolute_url()).content.decode()
    assert "Something vile." not in html
    assert "Removed: off topic." in html
    assert 'id="c1"' in html


def test_front_page_index_shows_count_and_latest_comment_time_and_nic(client, story):
    say(story, nic="Fred")
    say(story, nic="Tess")
    html = client.get("/").content.decode()
    assert f'<a href="{story.get_absolute_url()}#comments">2 comments</a>, latest <time' in html
    assert "by <bdi>Tess</bdi>" in html


def test_stats_line_counts_archived_and_todays_comments(client, story):
    say(story)
    old = say(story, nic="Tess")
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    html = client.get("/").content.decode()
    assert "1 story and 2 comments in all. Today so far: 1 new story and 1 new comment." in html


def test_stats_line_leaves_out_removed_comments_and_counts_every_story(client, story, make_article, editor):
    from comments.moderation import comments_remove

    other = make_article(title="Another story")
    say(story)
    say(other, nic="Tess")
    gone = say(other, nic="Troll")
    comments_remove(comments=Comment.objects.filter(pk=gone.pk), moderator=editor, reason="spam")
    html = client.get("/").content.decode()
    assert "2 comments in all. Today so far: 2 new stories and 2 new comments." in html


def test_stats_line_is_up_to_date_after_a_post(client, story):
    client.get("/")
    say(story)
    assert "and 1 comment in all" in client.get("/").content.decode()


def test_a_story_offers_its_comment_feeds_while_it_takes_comments_or_has_some(client, make_article):
    open_story, closed_empty, closed_with = (
        make_article(title="Open"),
        make_article(title="Closed, empty", comments_closed=True),
        make_article(),
    )
    say(closed_with, body="Before the close.")
    Article.objects.filter(pk=closed_with.pk).update(comments_closed=True)
    for story, offered in ((open_story, True), (closed_empty, False), (closed_with, True)):
        html = client.get(story.get_absolute_url()).content.decode()
        assert (reverse("comments:feed_story_rss", args=[story.pk]) in html) == offered, story.title


def test_sidebar_lists_the_latest_twenty_comments_newest_first(client, story):
    for n in range(25):
        say(story, nic=f"Nic {n:02d}")
    html = client.get("/").content.decode()
    sidebar = html[html.index('id="latest-comments-heading"') :]
    assert "Nic 24" in sidebar and "Nic 05" in sidebar and "Nic 04" not in sidebar
    assert sidebar.index("Nic 24") < sidebar.index("Nic 23")


def test_sidebar_leaves_out_comments_on_unpublished_stories(client, story, make_article):
    draft = make_article(status=Article.Status.PUBLISHED)
    say(draft, nic="Hidden Nic")
    Article.objects.filter(pk=draft.pk).update(status=Article.Status.DRAFT)
    assert "Hidden Nic" not in client.get("/").content.decode()


def test_sidebar_leaves_out_redacted_comments_which_their_thread_and_the_feed_still_show(client, story, editor):
    say(story, nic="Kind Soul", body="Ferries first.")
    troll = say(story, nic="Moon Hoax Max", body="Nonsense.")
    comment_redact(comment=troll, moderator=editor, note="Removed: off topic")
    sidebar = client.get("/").content.decode().split('id="latest-comments-heading"')[1]
    assert "Kind Soul" in sidebar and "Moon Hoax Max" not in sidebar
    assert "Removed: off topic" in client.get(story.get_absolute_url()).content.decode()
    assert "Moon Hoax Max" in client.get(reverse("comments:feed_latest_rss")).content.decode()


def test_sidebar_still_fills_when_the_newest_comments_are_all_under_a_withdrawn_story(client, story, make_article):
    for n in range(20):
        say(story, nic=f"Seen {n:02}")
    withdrawn = make_article()
    for n in range(40):  # more than the window of newest comments the sidebar looks at first
        say(withdrawn, nic=f"Hidden {n:02}")
    articles_unpublish(articles=Article.objects.filter(pk=withdrawn.pk), editor=withdrawn.posted_by)
    sidebar = client.get("/").content.decode().split('id="latest-comments-heading"')[1]
    assert "Hidden" not in sidebar
    assert sidebar.count("Seen ") == 20


def test_nic_page_shows_history_count_and_first_and_last_seen(client, story, make_article):
    other = make_article(title="Another story")
    say(story, nic="Fred", body="On the first.")
    say(other, nic="fred", body="On the second.")
    response = client.get(reverse("comments:nic", args=["FRED"]), follow=True)
    assert response.redirect_chain == [(reverse("comments:nic", args=["Fred"]), 301)]  # the nic as first typed
    html = response.content.decode()
    assert "Comments by <bdi>Fred</bdi>" in html
    assert "2 comments · first seen" in html and "last seen" in html
    assert html.index("On the second.") < html.index("On the first.")
    assert f'on <a href="{other.get_absolute_url()}#c1">Another story</a>' in html
    assert f'<a class="comment-number" href="{other.get_absolute_url()}#c1">#1</a>' in html
    assert 'id="c1"' not in html  # two comments numbered #1 on one page must not share an anchor


def test_nic_page_paginates(client, story, editor):
    from comments.moderation import comments_remove

    for n in range(66):
        say(story, body=f"Remark {n:02d}.")
    removed = Comment.objects.filter(body="Remark 40.")
    comments_remove(comments=removed, moderator=editor, reason="spam")
    url = reverse("comments:nic", args=["Fred"])
    pages = [client.get(url, {"page": n} if n > 1 else {}).content.decode() for n in (1, 2, 3)]
    assert "Page 1 of 3" in pages[0]
    listed = [re.findall(r"Remark (\d\d)\.", page) for page in pages]
    # Newest first, thirty a page, each shown comment once and the removed one nowhere.
    assert [len(page) for page in listed] == [30, 30, 5]
    assert [n for page in listed for n in page] == [f"{n:02d}" for n in range(65, -1, -1) if n != 40]
    assert client.get(url, {"page": 4}).status_code == 404


@pytest.mark.parametrize("nic", ["Fred / Bloggs", "50% off", "Ωmega?", "a#b"])
def test_nics_with_url_characters_have_working_pages(client, story, nic):
    comment = say(story, nic=nic)
    response = client.get(comment.nic_url)
    assert response.status_code == 200
    assert f"Comments by <bdi>{nic}</bdi>" in response.content.decode().replace("&#39;", "'")


def test_unknown_nic_page_is_404(client, db):
    assert client.get(reverse("comments:nic", args=["nobody"])).status_code == 404


def test_latest_comments_feeds_parse(client, story):
    say(story, nic="Fred", body="[b]Feed me[/b]")
    rss = ET.fromstring(client.get(reverse("comments:feed_latest_rss")).content)
    item = rss.find("channel/item")
    assert item.findtext("title") == "#1 Fred on Cutters sail south"
    assert "<strong>Feed me</strong>" in item.findtext("description")
    assert item.findtext("link").endswith(f"{story.get_absolute_url()}#c1")
    atom = ET.fromstring(client.get(reverse("comments:feed_latest_atom")).content)
    assert atom.find(f"{ATOM}entry/{ATOM}title").text == "#1 Fred on Cutters sail south"


def test_story_comments_feeds_list_that_storys_comments(client, story, make_article):
    other = make_article()
    say(story, nic="Here")
    say(other, nic="There")
    rss = ET.fromstring(client.get(reverse("comments:feed_story_rss", args=[story.pk])).content)
    assert [i.findtext("title") for i in rss.iter("item")] == ["#1 Here on Cutters sail south"]
    atom = ET.fromstring(client.get(reverse("comments:feed_story_atom", args=[story.pk])).content)
    assert len(list(atom.iter(f"{ATOM}entry"))) == 1


def test_no_email_or_ip_appears_on_any_page_or_feed(client, story):
    say(story, nic="Private Pat", email="pat.secret@mail.example", ip="203.0.113.77", body="Hello.")
    urls = [
        "/",
        story.get_absolute_url(),
        reverse("articles:latest"),
        story.region.get_absolute_url(),
        reverse("comments:nic", args=["Private Pat"]),
        reverse("comments:feed_latest_rss"),
        reverse("comments:feed_latest_atom"),
        reverse("comments:feed_story_rss", args=[story.pk]),
        reverse("comments:feed_story_atom", args=[story.pk]),
        reverse("articles:feed_latest_rss"),
        "/sitemap.xml",
    ]
    for url in urls:
        body = client.get(url, follow=True).content.decode()
        assert "pat.secret" not in body, url
        assert "203.0.113.77" not in body, url


def test_rerender_comments_rebuilds_stored_rows(story):
    import io

    from django.core.management import call_command

    comment = say(story, body="[b]kept[/b]")
    Comment.objects.filter(pk=comment.pk).update(row_html="stale", renderer_version=0)
    call_command("rerender_comments", stdout=io.StringIO())
    comment.refresh_from_db()
    assert '<div class="comment-body"><p><strong>kept</strong></p></div>' in comment.row_html
    assert 'id="c1"' in comment.row_html


def test_retitling_a_story_updates_its_lines_in_the_sidebar(client, story):
    say(story, nic="Fred")
    story.title, story.slug = "A better title", "a-better-title"
    story.save()
    html = client.get("/").content.decode()
    sidebar = html[html.index('id="latest-comments-heading"') :]
    assert f'<a href="{story.get_absolute_url()}#c1">A better title</a>' in sidebar


HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _feed_html(client, url):
    """The HTML of each item (RSS description, Atom summary), as a feed reader renders it."""
    root = ET.fromstring(client.get(url).content)
    rss = [item.findtext("description") for item in root.iter("item")]
    return rss + [entry.findtext(f"{ATOM}summary") for entry in root.iter(f"{ATOM}entry")]


@pytest.mark.parametrize("feed", ["feed_latest_rss", "feed_latest_atom", "feed_story_rss", "feed_story_atom"])
def test_a_redaction_note_is_text_in_the_feeds(client, story, editor, feed):
    comment = say(story, body="Something rude.")
    comment_redact(comment=comment, moderator=editor, note=f"Removed {HOSTILE} & more")
    args = [story.pk] if "story" in feed else []
    items = [html for html in _feed_html(client, reverse(f"comments:{feed}", args=args)) if "Removed" in html]
    assert items == [f"Removed {escape(HOSTILE)} &amp; more"]
    assert_inert(items[0])


FEEDS = [
    f"{app}:feed_{which}_{kind}"
    for app, which in [("articles", "latest"), ("articles", "region"), ("comments", "latest"), ("comments", "story")]
    for kind in ("rss", "atom")
]


@pytest.mark.parametrize("name", FEEDS)
def test_typed_text_is_inert_in_every_feeds_items_and_plain_text_in_its_titles(client, make_article, region, name):
    region.name = f"Region {HOSTILE}"
    region.save()
    story = make_article(title=f"Title {HOSTILE}", source_name=f"Source {HOSTILE}", lead_note=f"Lead {HOSTILE}",
                         body=f"Body {HOSTILE}")  # fmt: skip
    say(story, nic="Nic <b>bold</b>", body=f"Comment {HOSTILE}")
    args = [region.slug] if "region" in name else [story.pk] if "story" in name else []
    url = reverse(name, args=args)
    items = _feed_html(client, url)
    assert items
    for html in items:
        assert_inert(html)
    # Titles are plain text (the RSS Best Practices Profile, and Atom's default type="text"): a feed reader shows
    # the characters as typed, so the generator's XML escaping is all they need.
    root = ET.fromstring(client.get(url).content)
    titles = [item.findtext("title") for item in root.iter("item")]
    titles += [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]
    assert titles and all(HOSTILE in title or "<b>bold</b>" in title for title in titles)


@pytest.mark.parametrize("feed", ["feed_latest_rss", "feed_latest_atom", "feed_story_rss", "feed_story_atom"])
def test_an_editors_change_shows_its_note_in_the_feeds_as_text(client, story, editor, feed):
    from comments.moderation import comment_edit

    comment = say(story, body="Ring 0161 496 0733.")
    comment_edit(comment=comment, moderator=editor, body="Ring [number removed].", note=f"Took out {HOSTILE}")
    args = [story.pk] if "story" in feed else []
    (item,) = _feed_html(client, reverse(f"comments:{feed}", args=args))
    assert "Ring [number removed]." in item and "0161" not in item
    assert f"Took out {escape(HOSTILE)}" in item
    assert_inert(item)


def test_every_atom_entry_says_when_it_was_updated(client, story):
    first = say(story, body="First.")
    Comment.objects.filter(pk=first.pk).update(edited_at=first.created_at + dt.timedelta(minutes=3))
    say(story, body="Second.")
    for url in (reverse("comments:feed_latest_atom"), reverse("comments:feed_story_atom", args=[story.pk])):
        entries = list(ET.fromstring(client.get(url).content).iter(f"{ATOM}entry"))
        updated = {e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}updated") for e in entries}
        published = {e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}published") for e in entries}
        assert len(updated) == 2 and all(updated.values())
        first_title = f"#1 {first.nic} on {story.title}"
        assert updated[first_title] > published[first_title]  # the author's edit moves it


def test_an_editors_redaction_moves_the_atom_entrys_updated(client, story, editor):
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=30), tick=False):
        comment = say(story, body="Call me on 555 0100.")
    comment_redact(comment=comment, moderator=editor, note="Phone number taken out.")
    for url in (reverse("comments:feed_latest_atom"), reverse("comments:feed_story_atom", args=[story.pk])):
        entry = next(ET.fromstring(client.get(url).content).iter(f"{ATOM}entry"))
        updated = dt.datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
        assert updated > comment.created_at + dt.timedelta(minutes=29), url
        assert "Phone number taken out." in entry.findtext(f"{ATOM}summary")


def test_a_nic_page_past_its_last_visible_comment_is_404_not_an_empty_page(client, story, make_article, editor):
    rescheduled = make_article()
    for n in range(30):
        say(story, body=f"Seen {n}.")
    for n in range(2):
        say(rescheduled, body=f"Hidden {n}.")
    articles_unpublish(articles=Article.objects.filter(pk=rescheduled.pk), editor=editor)
    Article.objects.filter(pk=rescheduled.pk).update(published_at=timezone.now() + dt.timedelta(days=1))
    articles_publish(articles=Article.objects.filter(pk=rescheduled.pk), editor=editor)
    url = reverse("comments:nic", args=["Fred"])
    assert client.get(url).content.decode().count("Seen ") == 30
    assert client.get(url, {"page": 2}).status_code == 404  # the figure counts the story's two: they show tomorrow


def _nic_figure(client) -> str:
    nic_page = client.get(reverse("comments:nic", args=["Fred"])).content.decode()
    return nic_page[nic_page.index('<p class="stats">') :].split(" ·")[0]


def test_a_withdrawn_story_takes_its_comments_out_of_the_nics_figure_until_it_is_published_again(
    client, story, make_article, editor
):
    withdrawn = make_article(title="Withdrawn later")
    say(story, body="Seen.")
    for n in range(31):
        say(withdrawn, body=f"Hidden {n}.")
    articles_unpublish(articles=Article.objects.filter(pk=withdrawn.pk), editor=editor)
    assert _nic_figure(client).endswith(">1 comment")
    assert client.get(reverse("comments:nic", args=["Fred"]), {"page": 2}).status_code == 404
    articles_publish(articles=Article.objects.filter(pk=withdrawn.pk), editor=editor)
    assert _nic_figure(client).endswith(">32 comments")
    assert "Hidden 0." in client.get(reverse("comments:nic", args=["Fred"]), {"page": 2}).content.decode()
