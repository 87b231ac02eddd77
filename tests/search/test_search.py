"""Search as a reader meets it: the box in the masthead, /search/?q= with stories and comments readers may see, the
matching words marked, a region filter, newest or most relevant first, pages; bad queries get a clear page."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, Commenter
from comments.moderation import comment_redact
from comments.services import comment_create
from search.queries import MAX_PAGES, fts5_query, readable_snippet, readable_story_snippet

pytestmark = pytest.mark.django_db
SEARCH = reverse("search:search")


def results(client, **params) -> str:
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return response.content.decode()


def titles(html: str) -> list[str]:
    return re.findall(r'class="search-hit-title"><a href="[^"]+">(.*?)</a>', html)


@pytest.fixture
def board(make_article, other_region, editor):
    ferries = make_article(title="Ferries return to the northern routes", body="The ferries sail again on Monday.")
    trains = make_article(title="Trains strike", body="No trains until Friday.", region=other_region)
    draft = make_article(title="Secret ferry plans", body="ferries", status=Article.Status.DRAFT)
    say = comment_create(
        article_id=ferries.pk, nic="Deck Hand", body="I missed the ferry <b>twice</b>.", owner_token="t1"
    )
    hidden = comment_create(article_id=trains.pk, nic="Commuter", body="Ferries beat trains.", owner_token="t2")
    return {"ferries": ferries, "trains": trains, "draft": draft, "comment": say.comment, "other": hidden.comment}


def test_the_masthead_has_a_search_box_on_every_page(client, board):
    for url in ("/", board["ferries"].get_absolute_url(), SEARCH):
        html = client.get(url).content.decode()
        assert f'<form class="masthead-search" method="get" action="{SEARCH}" role="search">' in html


def test_words_find_stories_and_comments_by_their_stems_and_link_to_them(client, board):
    html = results(client, q="ferry")
    found = titles(html)
    assert "Ferries return to the northern routes" in found
    assert "Comment #1 by <bdi>Deck Hand</bdi>" in found
    assert "Secret ferry plans" not in html  # a draft
    assert f'href="{board["comment"].get_absolute_url()}"' in html  # story#c1
    assert "<mark>" in html


def test_snippets_are_escaped_with_only_the_marks_added(client, board):
    html = results(client, q="missed")
    snippet = re.search(r'class="search-snippet">(.*?)</p>', html).group(1)
    assert "twice" in snippet and "<b>" not in snippet  # the commenter's markup is text (or dropped), never markup


def test_snippets_show_a_comment_as_readers_read_it_without_its_bbcode_tags(client, board):
    body = "The [b]Crews[/b] [x]aye[/x] <3 [url=https://a.example]the report[/url]"
    comment_create(article_id=board["ferries"].pk, nic="Bosun", body=body, owner_token="t9")
    html = results(client, q="crews")
    snippet = re.search(r'class="search-snippet">(.*?)</p>', html).group(1)
    # Pieces, not the whole: PostgreSQL's headline and SQLite's snippet choose their words each their own way.
    assert "<mark>Crews</mark>" in snippet  # the found word still marked
    assert "&lt;3" in snippet  # the text still escaped
    assert "the report" in snippet  # a link's words kept
    assert "[x]aye[/x]" in snippet  # a tag the board does not know is shown as typed, as in the comment
    for tag in ("[b]", "[/b]", "[url", "[/url]"):
        assert tag not in snippet
    # A second comment, so that both databases' snippets (PostgreSQL's is short) reach the squished address.
    comment_create(
        article_id=board["ferries"].pk,
        nic="Bosun",
        body="Tugboats [squish]https://x.example/c[/squish]",
        owner_token="t9",
    )
    snippet = re.search(r'class="search-snippet">(.*?)</p>', results(client, q="tugboats")).group(1)
    assert "x.example/c" in snippet and "[squish]" not in snippet and "[/squish]" not in snippet


def test_snippets_show_a_story_as_readers_read_it_without_its_markdown_or_the_editors_login(
    client, make_article, editor
):
    body = (
        f"> Fares rise in May.\n\n**Bus fares** go up [[@{editor.username} what a bus fare costs, if true]] and "
        "[the fare table](https://a.example/t_(1)) says so."
    )
    make_article(title="Buses", body=body)
    html = results(client, q="fare")
    snippet = re.search(r'class="search-snippet">(.*?)</p>', html, re.DOTALL).group(1)
    assert "<mark>" in snippet and "what a bus" in snippet  # a note's words kept, the found word marked
    for markup in ("[[", "]]", f"@{editor.username}", "**", "](", "&gt; Fares"):
        assert markup not in snippet


@pytest.mark.parametrize(
    "snippet, readable",
    [
        ("[[@tobias a bus \x01fare\x02]] and [a link](javascript:alert(1)).", "a bus \x01fare\x02 and a link."),
        ("…@tobias about fares]] said", "…about fares said"),  # a note's start cut by the snippet's start
        ("see [the \x01report\x02](https://a.example/x", "see the \x01report\x02"),  # a link cut by its end
        (
            "> **Bold** and *it*, 3 * 4, snake_case, [sic]\n- one\n## Two",
            "Bold and it, 3 * 4, snake_case, [sic]\none\nTwo",
        ),
        ("[[@\x01tobias\x02 note]]", "note"),  # a login name found by the search leaves no empty mark
        ("[[@\x01pete\x02_m note]] and [[@john.\x01smith\x02 more]]", "note and more"),  # part of a login marked
    ],
)
def test_a_story_snippet_loses_its_markdown(snippet, readable):
    assert readable_story_snippet(snippet) == readable


@pytest.mark.parametrize(
    "snippet, readable",
    [
        ("…b]Crews[/b] rescued", "…Crews rescued"),  # a tag cut by the snippet's start
        ("the [url=https://exa…", "the …"),  # and by its end
        ("[\x01squish\x02]https://x.com[/squish]", "https://x.com"),  # a tag's name found by the search
        ("Map: [foto]harbour-map[/foto] here", "Map:  here"),  # a picture's name is no word of the comment
        ("Map: [foto]harbour-m…", "Map: "),
    ],
)
def test_a_snippet_loses_tags_cut_at_its_edges_too(snippet, readable):
    assert readable_snippet(snippet) == readable


def test_a_region_narrows_the_search(client, board, other_region):
    html = results(client, q="ferries", region=other_region.pk)
    assert titles(html) == ["Comment #1 by <bdi>Commuter</bdi>"]
    # A reader typing the region as its address spells it gets the same page, with the region chosen in the form.
    by_name = results(client, q="ferries", region=other_region.slug)
    assert titles(by_name) == titles(html)
    assert f'<option value="{other_region.pk}" selected>' in by_name


def many_comments(article: Article, count: int, *, body: str, **fields) -> None:
    """`count` comments under a story at once, each newer than the last (the write path is tested elsewhere)."""
    commenter, _ = Commenter.objects.get_or_create(key="zookeeper", defaults={"nic": "Zookeeper"})
    start = Comment.objects.filter(article=article).count()
    Comment.objects.bulk_create(
        Comment(
            article=article,
            commenter=commenter,
            number=start + n,
            nic="Zookeeper",
            body=body,
            body_html=f"<p>{body}</p>",
            created_at=timezone.now() - dt.timedelta(seconds=count - n),
            **fields,
        )
        for n in range(1, count + 1)
    )


@pytest.mark.parametrize("order", ["new", "relevant"])
def test_a_region_finds_its_older_matches_behind_many_newer_ones_elsewhere(client, board, other_region, order):
    older = comment_create(article_id=board["trains"].pk, nic="Keeper", body="A zebra on the line.", owner_token="t4")
    Comment.objects.filter(pk=older.comment.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    many_comments(board["ferries"], 600, body="zebra zebra zebra")  # newer, in the other region
    html = results(client, q="zebra", region=other_region.pk, order=order)
    assert titles(html) == ["Comment #2 by <bdi>Keeper</bdi>"]


@pytest.mark.parametrize("order", ["new", "relevant"])
@pytest.mark.parametrize("hidden", ["removed", "redacted", "draft"])
def test_what_readers_may_not_see_does_not_hide_older_matches(client, board, order, hidden):
    older = comment_create(article_id=board["trains"].pk, nic="Keeper", body="A zebra on the line.", owner_token="t4")
    Comment.objects.filter(pk=older.comment.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    if hidden == "draft":
        many_comments(board["draft"], 600, body="zebra zebra zebra")
    else:
        many_comments(board["ferries"], 600, body="zebra zebra zebra", **{hidden: True})
    assert titles(results(client, q="zebra", order=order)) == ["Comment #2 by <bdi>Keeper</bdi>"]


def test_redacted_and_removed_comments_and_hidden_stories_comments_are_not_found(client, board, editor):
    comment_redact(comment=board["comment"], moderator=editor, note="off-topic")
    Comment.objects.filter(pk=board["other"].pk).update(removed=True)
    html = results(client, q="ferry")
    assert not any("Comment" in t for t in titles(html))


def test_what_is_written_is_found_at_once_and_an_edit_changes_it(client, board):
    assert titles(results(client, q="albatross")) == []
    comment = comment_create(article_id=board["ferries"].pk, nic="Gull", body="An albatross!", owner_token="t3").comment
    assert titles(results(client, q="albatross")) == ["Comment #2 by <bdi>Gull</bdi>"]
    Comment.objects.filter(pk=comment.pk).update(body="A pelican!")
    assert titles(results(client, q="albatross")) == []
    assert titles(results(client, q="pelican")) == ["Comment #2 by <bdi>Gull</bdi>"]


def test_phrases_exclusions_and_or(client, board):
    assert "Ferries return to the northern routes" in titles(results(client, q='"northern routes"'))
    assert titles(results(client, q='"routes northern"')) == []
    assert "Ferries return to the northern routes" not in titles(results(client, q="ferries -monday"))
    either = titles(results(client, q="strike OR albatross"))
    assert either == ["Trains strike"]


def test_newest_or_most_relevant_first(client, make_article):
    old = make_article(title="Harbour news", body="harbour " * 20, published_at=timezone.now() - dt.timedelta(days=2))
    new = make_article(title="Weather", body="Rain, and the harbour.", published_at=timezone.now())
    assert titles(results(client, q="harbour")) == [new.title, old.title]
    assert titles(results(client, q="harbour", order="relevant")) == [old.title, new.title]


def test_most_relevant_first_ranks_the_newest_matches(client, make_article, monkeypatch):
    # A word in half the board is ranked among its newest RELEVANCE_WINDOW matches, on both databases, rather than
    # timing out: an old story, however relevant, is then left out of that order (newest first still finds it).
    from search import queries

    monkeypatch.setattr(queries, "RELEVANCE_WINDOW", 2)
    old = make_article(title="Harbour news", body="harbour " * 20, published_at=timezone.now() - dt.timedelta(days=3))
    make_article(title="Weather", body="Rain, and the harbour.", published_at=timezone.now() - dt.timedelta(days=1))
    make_article(title="Tides", body="The harbour again.", published_at=timezone.now())
    assert sorted(titles(results(client, q="harbour", order="relevant"))) == ["Tides", "Weather"]
    assert old.title in titles(results(client, q="harbour"))


def test_results_come_in_pages(client, make_article):
    for n in range(25):
        make_article(title=f"Storm report {n}", body="storm", published_at=timezone.now() - dt.timedelta(minutes=n))
    first, second = results(client, q="storm"), results(client, q="storm", page=2)
    assert len(titles(first)) == 20 and len(titles(second)) == 5
    assert 'rel="next"' in first and 'rel="prev"' in second


@pytest.mark.parametrize("order", ["new", "relevant"])
def test_a_page_of_many_hits_in_a_region_takes_as_many_queries_as_a_page_of_one(client, board, other_region, order):
    def queries_for_a_page() -> int:
        client.get(SEARCH, {"q": "zebra", "region": other_region.pk, "order": order})  # warm the regions' cache
        with CaptureQueriesContext(connection) as captured:
            results(client, q="zebra", region=other_region.pk, order=order)
        return len(captured)

    comment_create(article_id=board["trains"].pk, nic="Keeper", body="A zebra on the line.", owner_token="t4")
    one = queries_for_a_page()
    many_comments(board["trains"], 40, body="zebra")
    many_comments(board["ferries"], 600, body="zebra")
    assert queries_for_a_page() == one


@pytest.mark.parametrize(
    ("order", "before", "after"),
    [("new", "« Newer", "Older »"), ("relevant", "« More relevant", "Less relevant »")],  # as the lists say it
)
def test_the_links_between_pages_say_where_they_lead_in_the_order_asked_for(client, make_article, order, before, after):
    for n in range(45):
        make_article(title=f"Storm report {n}", body="storm", published_at=timezone.now() - dt.timedelta(minutes=n))
    html = results(client, q="storm", order=order, page=2)
    links = dict(re.findall(r'<a rel="(prev|next)" href="[^"]+">([^<]*)</a>', html))
    assert links == {"prev": before, "next": after}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "x" * 5000,
        "fer\x00ry",
        '"unbalanced',
        "-",
        "OR",
        "AND NOT",
        "NEAR(a b)",
        "*",
        "a:b",
        '"""',
        "ümlaut ß",
    ],
)
def test_bad_queries_get_a_clear_page(client, board, query):
    html = results(client, q=query)
    assert "Search" in html
    if len(query) > 200:
        assert "Only the first 200 characters were searched." in html


@pytest.mark.parametrize(
    ("typed", "fts"),
    [
        ("ferry boats", '"ferry" AND "boats"'),
        ('"northern routes" -monday', '"northern routes" NOT "monday"'),
        ("strike OR walkout", '("strike" OR "walkout")'),
        ("-only", ""),
        ('NEAR(a b) "x', '"NEAR a" AND "b" AND "x"'),
    ],
)
def test_words_become_fts5_terms_that_cannot_be_fts5_syntax(typed, fts):
    assert fts5_query(typed) == fts


@pytest.mark.parametrize("name", ["page", "region"])
@pytest.mark.parametrize(
    "value",
    ["²", "9" * 5000, "0", "-1", "abc", "٣"],
    ids=["superscript", "5000 digits", "0", "-1", "abc", "arabic-indic"],
)
def test_a_page_or_region_that_is_no_number_of_ours_is_not_found(client, board, name, value):
    """As on the lists of stories (articles.views.StoryListView): a page or region that is not there is a 404."""
    response = client.get(SEARCH, {"q": "ferries", name: value})
    assert response.status_code == 404


def test_a_page_beyond_the_last_and_a_region_that_is_gone_are_not_found(client, board, other_region):
    assert client.get(SEARCH, {"q": "ferries", "page": MAX_PAGES + 1}).status_code == 404
    assert client.get(SEARCH, {"q": "ferries", "region": other_region.pk + 100}).status_code == 404


def test_every_region_and_the_first_page_need_no_number(client, board):
    assert "Ferries return to the northern routes" in titles(results(client, q="ferries", region="", page=1))
    assert "Ferries return to the northern routes" in titles(results(client, q="ferries"))


def test_words_in_too_much_of_the_board_get_a_clear_page_not_a_wait(client, board, monkeypatch):
    from search import queries

    def too_broad(*args, **kwargs):
        raise queries.TooBroad

    monkeypatch.setattr(queries, "search", too_broad)
    assert "in too much of the board to list quickly" in results(client, q="the")


@pytest.mark.parametrize("kind", ["story", "comment"])
def test_postgresqls_stored_vectors_are_the_expressions_the_orm_would_search(board, django_db_setup, kind):
    """The search on PostgreSQL reads generated columns the models do not know of: each must hold what the ORM's
    SearchVector of the same fields gives, for new and changed rows alike."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the stored vectors exist on PostgreSQL only (SQLite searches its FTS5 tables)")
    from search import queries

    if kind == "story":
        Article.objects.filter(pk=board["ferries"].pk).update(body="Edited: the ferry was late.", lead_note="Hm.")
        rows = Article.objects.annotate(stored=queries.stored_story_vector(), expected=queries.story_vector())
    else:
        Comment.objects.filter(pk=board["comment"].pk).update(body="Edited: the ferry was late.", nic="Deck Hand")
        rows = Comment.objects.annotate(stored=queries.stored_comment_vector(), expected=queries.comment_vector())
    pairs = list(rows.values_list("stored", "expected"))
    assert len(pairs) >= 2
    assert all(stored == expected for stored, expected in pairs)
    assert any("'late':" in stored for stored, _ in pairs)


def test_postgresqls_search_indexes_hold_no_entries_waiting_for_a_vacuum(db):
    """A GIN index keeps new entries in a pending list that every search reads until a vacuum merges it, and every
    comment posted writes its story's row again: the search indexes take each entry when it is written."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's GIN indexes (SQLite searches its FTS5 tables)")
    names = ("search_story_vector_gin", "search_comment_vector_gin")
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)", [list(names)])
        options = dict(cursor.fetchall())
    assert options == {name: ["fastupdate=off"] for name in names}
