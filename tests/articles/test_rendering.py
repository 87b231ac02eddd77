"""The story renderer: editor notes, sanitising, and bounded cost on hostile input."""

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.rendering import MAX_BODY_CHARS, NoteAuthor, render_body, render_note

MARA = NoteAuthor("mara", "Mara Lindqvist", "note-e2")
TOBIAS = NoteAuthor("tobias", "Tobias Reyes", "note-e3")
EDITORS = {"mara": MARA, "tobias": TOBIAS}


def render(source: str) -> str:
    return render_body(source, author=MARA, editors=EDITORS)


def test_inline_note_is_shaded_in_the_authors_colour_and_labelled_for_screen_readers():
    html = render("The fleet grows [[by six, not four]] this year.")
    assert (
        '<span class="note note-e2"><span class="sr-only">Editor\'s note by Mara Lindqvist: </span>'
        "by six, not four</span>" in html
    )
    assert html.startswith("<p>The fleet grows ")


def test_paragraph_of_only_a_note_becomes_a_block_note():
    html = render("Source text.\n\n[[A whole paragraph of comment.]]\n\nMore source.")
    assert '<div class="note note-e2 note-block" role="note">' in html
    assert '<p><span class="note' not in html


def test_note_credited_to_another_editor_uses_their_colour_and_names_them():
    html = render("Text [[@tobias his remark]] more.")
    assert '<span class="note note-e3">' in html
    assert '<span class="note-by">— Tobias Reyes</span>' in html


def test_note_naming_an_unknown_editor_keeps_the_name_and_credits_the_author():
    html = render("Text [[@nobody a remark]].")
    assert '<span class="note note-e2">' in html
    assert "@nobody a remark" in html


def test_markdown_inside_a_note_is_rendered():
    assert "<em>really</em>" in render("[[It is *really* so.]]")


def test_note_syntax_inside_code_stays_code():
    assert "<code>[[not a note]]</code>" in render("Use `[[not a note]]` to annotate.")


def test_lead_note_renders_inline_without_a_paragraph():
    assert render_note("A *sharp* remark.") == "A <em>sharp</em> remark."


HOSTILE = [
    ("<script>alert(1)</script>", "<script"),
    ('<img src=x onerror="alert(1)">', "onerror"),
    ('<a href="javascript:alert(1)">x</a>', "javascript:"),
    ("[x](javascript:alert(1))", "javascript:"),
    ('<a href="&#106;avascript:alert(1)">x</a>', "avascript:alert"),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>', "data:"),
    ("<style>body{display:none}</style>", "<style"),
    ('<div onclick="steal()">click</div>', "onclick"),
    ('<iframe src="https://evil.example"></iframe>', "<iframe"),
    ('[[<span class="note" onmouseover="x()">hi</span>]]', "onmouseover"),
    ('<span style="position:fixed">x</span>', "style="),
    ("<svg><script>alert(1)</script></svg>", "<svg"),
    ('<form action="https://evil.example"><input name=p></form>', "<form"),
]


@pytest.mark.parametrize(("source", "forbidden"), HOSTILE)
def test_hostile_markup_comes_out_inert(source, forbidden):
    html = render(source)
    assert forbidden not in html.lower()
    assert not re.search(r"<[a-z]+[^>]*\son\w+=", html)


def test_hundred_kilobyte_body_renders_fast():
    source = ("A sentence of reasonable length with [[a note]] in it. " * 20 + "\n\n") * 95
    assert len(source) > 100_000
    started = time.perf_counter()
    html = render(source)
    assert time.perf_counter() - started < 2.0
    assert "<p>" in html and "<script" not in html


@pytest.mark.parametrize(
    "source",
    [
        ">" * 1000 + " deep quote",
        "\n".join("  " * i + "- item" for i in range(1000)),
        "<div>" * 1000 + "deep html",
        "[[" * 1000 + "x" + "]]" * 1000,
        "*" * 1000 + "x" + "*" * 1000,
        "[" * 5000 + "](" * 5000,
        "a\n---\n" * 5000,
    ],
    ids=["quotes", "list", "html", "notes", "emphasis", "brackets", "headings"],
)
def test_thousand_deep_nesting_does_not_raise_and_is_fast(source):
    started = time.perf_counter()
    html = render(source)
    assert time.perf_counter() - started < 2.0
    assert isinstance(html, str) and html


def test_over_long_body_degrades_to_escaped_text():
    html = render("<b>x</b> " * (MAX_BODY_CHARS // 4))
    assert "&lt;b&gt;" in html and "<b>" not in html


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_any_text_renders_without_raising_and_without_script(source):
    html = render(source)
    assert "<script" not in html.lower()
    assert not re.search(r"<[a-z]+[^>]*\son\w+=", html)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "[[",
                "]]",
                "@tobias ",
                "<a href='",
                "javascript:",
                "*",
                "_",
                "`",
                ">",
                "\n\n",
                "- ",
                "<div>",
                "</div>",
                "[x](",
                ")",
                "onerror=",
                "&#",
                "text ",
                "<script>",
            ]
        ),
        max_size=300,
    ).map("".join)
)
def test_markup_soup_renders_inert(source):
    html = render(source)
    assert "<script" not in html.lower()
    assert not re.search(r"<[a-z]+[^>]*\son\w+=", html)
    assert not re.search(r'href="\s*javascript:', html, re.IGNORECASE)


def test_long_realistic_body_under_the_cap_keeps_its_markup():
    source = ("Quoted *source* paragraph with a [link](https://example.com/x) and [[a note]].\n\n") * 600
    assert len(source) < MAX_BODY_CHARS
    started = time.perf_counter()
    html = render(source)
    assert time.perf_counter() - started < 2.0
    assert html.count('<span class="note note-e2">') == 600
    assert html.count('<a href="https://example.com/x">') == 600
