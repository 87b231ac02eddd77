"""Query counts stay flat however many comments a page shows."""

import pytest
from django.urls import reverse

from articles.models import Article
from comments.models import Comment, Commenter
from comments.services import comment_create, comment_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uncached(settings):
    """These pin what a page costs when it is rendered; the page cache would hide it (tested on its own)."""
    settings.PAGE_CACHE_SECONDS = 0


# The story, its subjects, its thread; + the greeting's count for a returning commenter. (The latest-comments sidebar
# is kept per site version, rendered once for every page.)
STORY_PAGE_QUERIES = 4
# Latest day, its stories, their subjects, the subject sidebar (story and comment figures cached).
FRONT_PAGE_QUERIES = 4


def add_comments(article: Article, count: int) -> None:
    """Many comments at once, with the figures the write path would leave (the write path is tested elsewhere)."""
    article.refresh_from_db()
    commenter, _ = Commenter.objects.get_or_create(key="fred", defaults={"nic": "Fred"})
    start = article.last_comment_number
    comments = [
        Comment(
            article=article,
            commenter=commenter,
            number=start + n,
            nic="Fred",
            body=f"Comment {n} [b]bold[/b]",
            body_html=f"<p>Comment {n} <strong>bold</strong></p>",
        )
        for n in range(1, count + 1)
    ]
    for comment in comments:
        comment.row_html = comment_row(comment)
    Comment.objects.bulk_create(comments)
    Article.objects.filter(pk=article.pk).update(
        comment_count=start + count, last_comment_number=start + count, last_comment_nic="Fred"
    )
    Commenter.objects.filter(pk=commenter.pk).update(comment_count=start + count)


def queries_for(client, url, django_assert_max_num_queries, limit) -> int:
    client.get(url)  # warm caches, as on the live site
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_story_page_with_500_comments_makes_as_many_queries_as_with_1(client, story, django_assert_max_num_queries):
    client.cookies["rb_nic"] = "Fred"  # a returning commenter, so the greeting's query is counted too
    add_comments(story, 1)
    one = queries_for(client, story.get_absolute_url(), django_assert_max_num_queries, STORY_PAGE_QUERIES)
    add_comments(story, 499)
    many = queries_for(client, story.get_absolute_url(), django_assert_max_num_queries, STORY_PAGE_QUERIES)
    assert one == many
    assert client.get(story.get_absolute_url()).content.decode().count('class="comment"') == 500


def test_front_page_with_50_commented_stories_makes_as_many_queries_as_with_1(
    client, make_article, django_assert_max_num_queries
):
    add_comments(make_article(), 3)
    one = queries_for(client, "/", django_assert_max_num_queries, FRONT_PAGE_QUERIES)
    for _ in range(49):
        add_comments(make_article(), 3)
    fifty = queries_for(client, "/", django_assert_max_num_queries, FRONT_PAGE_QUERIES)
    assert one == fifty


def test_nic_page_queries_do_not_grow_with_comments(client, story, django_assert_max_num_queries):
    add_comments(story, 1)
    one = queries_for(client, "/nic/Fred/", django_assert_max_num_queries, 4)
    add_comments(story, 60)
    many = queries_for(client, "/nic/Fred/", django_assert_max_num_queries, 4)
    assert one == many


def test_no_public_page_shows_a_comments_email_or_ip(client, story):
    """E-mail addresses and IPs are for the admin alone: no page a reader can open shows them."""
    comment = comment_create(
        article_id=story.pk, nic="Fred", body="[b]Hello[/b] there.", owner_token="t-fred",
        email="fred.private@mail.example", ip="198.51.100.77",
    ).comment  # fmt: skip
    story_url = story.get_absolute_url()
    urls = [
        story_url,
        f"{story_url}?quote={comment.number}",
        reverse("comments:flag", args=[story.pk, comment.number]),
        reverse("comments:history", args=[story.pk, comment.number]),
        reverse("comments:edit", args=[story.pk, comment.number]),
        reverse("comments:nic", args=["Fred"]),
        reverse("comments:feed_latest_rss"),
        reverse("comments:feed_story_atom", args=[story.pk]),
        reverse("search:search") + "?q=hello",
        "/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403), url  # the edit page refuses a browser that did not post it
        page = response.content.decode()
        assert "Fred" in page or response.status_code == 403, url  # the comment is on the page
        assert "fred.private" not in page and "198.51.100.77" not in page and "198.51.100" not in page, url


def test_the_threads_sql_reads_what_the_orm_queryset_reads(story, make_article):
    """The thread is read with hand-written SQL; it must agree with the ORM's statement of it, on either database:
    shown comments only (removed ones left out, redacted ones kept), in number order, none from other stories."""
    other = make_article(title="Another story")
    add_comments(story, 5)
    add_comments(other, 3)
    Comment.objects.filter(article=story, number=2).update(removed=True)
    Comment.objects.filter(article=story, number=4).update(redacted=True, row_html="<p>redacted row</p>")
    Comment.objects.filter(article=story, number=1).update(number=9)  # out of insertion order

    rows = Comment.objects.thread_rows(story)

    assert rows == list(Comment.objects.thread_rows_queryset(story))
    assert len(rows) == 4 and "<p>redacted row</p>" in rows and rows[-1] == Comment.objects.get(number=9).row_html
