"""Searching what readers may see: stories (title, lead note, body, editors' notes) and comments (nic, text), with
PostgreSQL's full-text search (django.contrib.postgres, GIN indexes) or SQLite's FTS5 (search/sqlite.py), the same
words finding the same things on both. Redacted and removed comments, drafts and scheduled stories are never found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import OperationalError, connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article
from comments.bbcode import KNOWN
from comments.models import Comment

MAX_QUERY_CHARS = 200
PER_PAGE = 20
MAX_PAGES = 50
SEARCH_TIMEOUT_MS = 1500
RELEVANCE_WINDOW = 5000  # "most relevant first" ranks the newest this many matches of each kind
CONFIG = "english"  # PostgreSQL's: English stems, stop words dropped (SQLite's porter tokenizer stems the same way)


@dataclass
class Hit:
    kind: str  # "story" | "comment"
    article: Article
    comment: Comment | None
    when: object
    rank: float  # smaller is better
    snippet: SafeString | None = None  # the matching words in context, marked (made for the page's hits only)

    @property
    def row_pk(self) -> int:
        return self.comment.pk if self.comment else self.article.pk

    @property
    def url(self) -> str:
        return self.comment.get_absolute_url() if self.comment else self.article.get_absolute_url()


def clean_query(typed: str) -> tuple[str, bool]:
    """The query as searched (control characters out, spaces collapsed) and whether it was cut to MAX_QUERY_CHARS."""
    text = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", typed or "").split())
    return text[:MAX_QUERY_CHARS], len(text) > MAX_QUERY_CHARS


def _marked(snippet: str) -> SafeString:
    """A snippet with the matching words between \\x01 and \\x02: escaped, then the marks made <mark>."""
    return mark_safe(str(escape(snippet)).replace("\x01", "<mark>").replace("\x02", "</mark>"))  # noqa: S308


# The board's BBCode tags (comments/bbcode.py: unknown ones are shown as typed, so they stay), with the marks a
# search may have put inside one ("[squish]" found by "squish"). A snippet is cut at words, so a tag may be cut too:
# its start at the snippet's end ("[url=https://exa"), its end at the snippet's start ("b]Crews").
_TAG_NAMES = "|".join(sorted((re.escape(tag) for tag in KNOWN), key=len, reverse=True))
_M = "[\x01\x02]*"
_BBCODE_TAG = re.compile(
    rf"\[{_M}/?{_M}(?:{_TAG_NAMES}){_M}(?:=[^\[\]\n]*)?\]"  # whole
    rf"|\[{_M}/?{_M}(?:[a-zA-Z]{{0,6}}|\*)?{_M}(?:=[^\[\]\n…]*)?(?=…?$)"  # cut off by the snippet's end
    rf"|(?:^|(?<=^…)){_M}/?{_M}(?:{_TAG_NAMES}){_M}(?:=[^\[\]\n]*)?\]",  # cut off by its start
    re.IGNORECASE,
)


# A library picture's name between [foto] tags is no word of the comment: readers see the picture.
_FOTO = re.compile(rf"\[{_M}foto{_M}\][^\[\]\n]*(?:\[{_M}/{_M}foto{_M}\]|$)", re.IGNORECASE)


def readable_snippet(snippet: str) -> str:
    """A comment's snippet as readers read the comment: the BBCode tags gone, the words between them (a link's text,
    a squished address) kept but for a picture's name, and the words the search marked still marked. Still raw text,
    for `_marked`."""
    return _without(_BBCODE_TAG, _without(_FOTO, snippet))


def _without(markup: re.Pattern, snippet: str) -> str:
    """The snippet with what `markup` matches taken out. A mark inside what is taken out stays (its pair may be
    outside it); a pair left with nothing inside goes."""
    unmarked = markup.sub(lambda found: re.sub(r"[^\x01\x02]", "", found.group(0)), snippet)
    return unmarked.replace("\x01\x02", "")


# A story's Markdown and editors' notes (articles/rendering.py), marks allowed inside as above: a note's brackets and
# the login name of the editor it credits (the page shows their full name), a link's address after its words
# ("](https://...)", maybe cut by the snippet's end) and the bracket before them, emphasis, and the quote, heading
# and list markers at a line's start.
_MARKDOWN = re.compile(
    rf"\[{_M}\[{_M}(?:@{_M}(?:[\w.+-]{_M}){{1,150}}\s+)?"  # a note's start (marks inside a login split at . or _)
    rf"|(?:^|(?<=^…)){_M}\[?{_M}@{_M}(?:[\w.+-]{_M}){{1,150}}\s+"  # the rest of a start cut by the snippet's start
    rf"|\]{_M}\]"  # a note's end
    rf"|\]{_M}\({_M}(?:[^()\s]|\([^()\s]*\))*(?:\)|$)"  # a link's address (its own brackets too)
    rf"|\[(?=[^\[\]\n]*\]\()"  # the bracket before a link's words
    rf"|\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])"  # emphasis
    rf"|(?:^|(?<=\n))[ \t]*(?:(?:>[ \t]*)+|\#{{1,6}}[ \t]+|[-+*][ \t]+|\d{{1,9}}\.[ \t]+)",  # line markers
)


def readable_story_snippet(snippet: str) -> str:
    """A story's snippet as readers read the story: its Markdown and the notes' brackets gone, their words kept,
    and the words the search marked still marked. Still raw text, for `_marked`."""
    return _without(_MARKDOWN, snippet)


class TooBroad(Exception):  # noqa: N818 (an answer, not an error in the program)
    """The words match too much to list in time (PostgreSQL's statement timeout for searches)."""


def search(query: str, *, region: int | None = None, order: str = "new", page: int = 1) -> tuple[list[Hit], bool]:
    """One page of hits, newest first (or best first), and whether there is another page. Raises TooBroad."""
    wanted = page * PER_PAGE + 1
    start = (page - 1) * PER_PAGE
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic():
                # A search of words in nearly every text must not hold a worker: it gives up and says so.
                # The newest hits are found by walking the time index until a page matches: a short walk, which
                # parallel workers would make slower (they cost more to start than the walk takes) while taking other
                # readers' CPU (docs/decisions.md).
                workers = "" if order == "relevant" else "; SET LOCAL max_parallel_workers_per_gather = 0"
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL statement_timeout = %s{workers}", [f"{SEARCH_TIMEOUT_MS}ms"])
                hits = _page(_postgresql(query, region=region, order=order, limit=wanted), order, start)
                _postgresql_snippets(query, hits[:PER_PAGE])
        except OperationalError as error:
            if "statement timeout" not in str(error):
                raise
            raise TooBroad from error
    else:
        hits = _page(_sqlite(query, region=region, order=order, limit=wanted), order, start)
        _sqlite_snippets(query, hits[:PER_PAGE])
    return hits[:PER_PAGE], len(hits) > PER_PAGE


def _page(hits: list[Hit], order: str, start: int) -> list[Hit]:
    """From `start` on (one more than a page, to tell whether another follows), in the order asked for."""
    hits.sort(key=(lambda h: h.rank) if order == "relevant" else (lambda h: h.when), reverse=order != "relevant")
    return hits[start : start + PER_PAGE + 1]


def _stories():
    # Only what a hit shows: a story's body is read for its snippet alone, and only for the page's hits.
    return (
        Article.objects.visible()
        .select_related("region")
        .only("id", "title", "slug", "published_at", "status", "region__id", "region__name")
    )


def _comments():
    return (
        Comment.objects.visible().filter(redacted=False).select_related("article", "article__region")
        .only("id", "number", "nic", "created_at", "article__id", "article__title", "article__slug",
              "article__published_at", "article__status", "article__region__id", "article__region__name")
    )  # fmt: skip


# --- for the editors: the same indexes, over every row -------------------------------------------------------


def matching_words(comments: QuerySet, words: str) -> QuerySet:
    """The comments of `comments` (any of them: removed and redacted ones too) whose text or nic has these words,
    found along the full-text index as the site's search finds them: the admin's search box. A scan of the texts for
    a substring took seconds on a board of half a million comments. Words only to leave out (`-spam`) find nothing,
    on either database, as a search of nothing but stop words does."""
    match = fts5_query(words)
    if not match:
        return comments.none()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        terms = SearchQuery(words, search_type="websearch", config=CONFIG)
        return comments.alias(search=stored_comment_vector()).filter(search=terms)
    from . import sqlite

    fts = sqlite.TABLES_BY_KIND["comment"]  # a table name of ours; the words go in as a parameter
    return comments.filter(pk__in=RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [match]))  # noqa: S608, S611


# --- PostgreSQL ----------------------------------------------------------------------------------------------


def story_vector():
    """The expression of the stories' stored vector (search/migrations/0004): for a test to check the two agree, and
    for the migrations' index over it on the way back."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector("title", "lead_note", "body", config=CONFIG)


def comment_vector():
    """The expression of the comments' stored vector (search/migrations/0002), for a test to check the two agree."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector("nic", "body", config=CONFIG)


def stored_story_vector():
    """The stories' vector as PostgreSQL keeps it, in a generated column the models do not know of."""
    from django.contrib.postgres.search import SearchVectorField

    return RawSQL('"articles_article"."search_vector"', [], output_field=SearchVectorField())


def stored_comment_vector():
    """The comments' vector as PostgreSQL keeps it, in a generated column the models do not know of."""
    from django.contrib.postgres.search import SearchVectorField

    return RawSQL('"comments_comment"."search_vector"', [], output_field=SearchVectorField())


def _postgresql(query: str, *, region: int | None, order: str, limit: int) -> list[Hit]:
    from django.contrib.postgres.search import SearchQuery, SearchRank

    terms = SearchQuery(query, search_type="websearch", config=CONFIG)
    hits = []
    for kind, rows, vector, date_field in (
        ("story", _stories(), stored_story_vector(), "published_at"),
        ("comment", _comments(), stored_comment_vector(), "created_at"),
    ):
        if region:
            rows = rows.filter(**({"region_id": region} if kind == "story" else {"article__region_id": region}))
        matches = rows.alias(search=vector).filter(search=terms)  # alias: matched on, never read back
        if order == "relevant":
            # Ranking reads each match's stored vector (the index holds no positions' weights), so, as on SQLite, the
            # newest RELEVANCE_WINDOW matches are ranked: a word in half the board is answered, not timed out.
            window = matches.order_by(f"-{date_field}").values_list(date_field, flat=True)
            if oldest := list(window[RELEVANCE_WINDOW - 1 : RELEVANCE_WINDOW]):
                matches = matches.filter(**{f"{date_field}__gte": oldest[0]})
            rows = matches.annotate(rank=SearchRank(vector, terms)).order_by("-rank")
        else:
            rows = matches.order_by(f"-{date_field}")
        for row in list(rows[:limit]):
            article, comment = (row, None) if kind == "story" else (row.article, row)
            hits.append(Hit(kind, article, comment, getattr(row, date_field), -getattr(row, "rank", 0.0)))
    return hits


def _postgresql_snippets(query: str, hits: list[Hit]) -> None:
    """Headlines for the page's hits only, in one query per kind: a headline reads a whole text."""
    from django.contrib.postgres.search import SearchHeadline, SearchQuery

    terms = SearchQuery(query, search_type="websearch", config=CONFIG)
    marks = {"start_sel": "\x01", "stop_sel": "\x02", "max_words": 30, "min_words": 12, "config": CONFIG}
    for kind, model in (("story", Article), ("comment", Comment)):
        if ids := _ids(hits, kind):
            heads = (
                model.objects.filter(pk__in=ids)
                .annotate(headline=SearchHeadline("body", terms, **marks))
                .order_by()  # by id, for a dict: the model's own order would join the stories to sort
            )
            _attach(hits, kind, dict(heads.values_list("pk", "headline")))


def _ids(hits: list[Hit], kind: str) -> list[int]:
    return [hit.row_pk for hit in hits if hit.kind == kind]


def _attach(hits: list[Hit], kind: str, snippets: dict[int, str]) -> None:
    """Both databases' snippets end here, each kind's markup taken out (Markdown's brackets are not BBCode's)."""
    readable = readable_snippet if kind == "comment" else readable_story_snippet
    for hit in hits:
        if hit.kind == kind:
            hit.snippet = _marked(readable(snippets.get(hit.row_pk, "")))


# --- SQLite --------------------------------------------------------------------------------------------------

TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')


def fts5_query(query: str) -> str:
    """The query in FTS5's syntax, with PostgreSQL's websearch rules: words must all match, "a phrase" matches as
    one, -word excludes, OR between two terms is either. Every term is quoted, so no input is FTS5 syntax."""
    positives, negatives, either = [], [], False
    for minus_phrase, phrase, minus_word, word in TOKEN.findall(query):
        if word == "OR" and not minus_word:
            either = bool(positives)
            continue
        words = re.findall(r"\w+", phrase if phrase or minus_phrase else word)
        if not words:
            continue
        term = '"' + " ".join(words) + '"'
        if minus_phrase or minus_word:
            negatives.append(term)
        elif either:
            positives[-1] = f"({positives[-1]} OR {term})"
            either = False
        else:
            positives.append(term)
    if not positives:
        return ""
    return " AND ".join(positives) + "".join(f" NOT {term}" for term in negatives)


def _sqlite(query: str, *, region: int | None, order: str, limit: int) -> list[Hit]:
    from . import sqlite

    match = fts5_query(query)
    if not match:
        return []
    hits = []
    for kind, rows, date_field in (("story", _stories(), "published_at"), ("comment", _comments(), "created_at")):
        if region:
            rows = rows.filter(**({"region_id": region} if kind == "story" else {"article__region_id": region}))
        # What readers may see (the ORM's own definition) is joined with the full-text match in SQL, before the limit.
        ranks = dict(sqlite.matching(kind, match, rows, limit=limit, order=order))
        found = list(rows.filter(pk__in=list(ranks)))
        if order == "relevant":
            found.sort(key=lambda row, ranks=ranks: ranks[row.pk])
        else:
            found.sort(key=lambda row, field=date_field: getattr(row, field), reverse=True)
        for row in found:
            article, comment = (row, None) if kind == "story" else (row.article, row)
            hits.append(Hit(kind, article, comment, getattr(row, date_field), ranks[row.pk]))
    return hits


def _sqlite_snippets(query: str, hits: list[Hit]) -> None:
    from . import sqlite

    match = fts5_query(query)
    for kind in ("story", "comment"):
        _attach(hits, kind, sqlite.snippets(kind, match, _ids(hits, kind)))
