"""The story renderer: editor notes, sanitising, and bounded cost on hostile input."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.rendering import MAX_BODY_CHARS, NoteAuthor, render_body, render_note
from tests.inert import assert_inert, elements

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
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](data:text/html,hi)",
    "[x](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<style>body{display:none}</style>",
    '<div onclick="steal()">click</div>',
    '<iframe src="https://evil.example"></iframe>',
    '[[<span class="note" onmouseover="x()">hi</span>]]',
    '<span style="position:fixed">x</span>',
    "<svg><script>alert(1)</script></svg>",
    '<form action="https://evil.example"><input name=p></form>',
    "![tracker](https://evil.example/pixel.gif)",
]
STORY_ELEMENTS = {"a", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol",
                  "p", "pre", "span", "strong", "ul"}  # fmt: skip


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markup_comes_out_inert(source):
    html = render(source)
    assert_inert(html, allowed_elements=STORY_ELEMENTS)


def test_raw_html_in_a_body_is_shown_as_text():
    assert render('<b>bold?</b> <span class="sr-only">hidden</span>') == (
        '<p>&lt;b&gt;bold?&lt;/b&gt; &lt;span class="sr-only"&gt;hidden&lt;/span&gt;</p>'
    )


def test_only_the_renderer_makes_note_classes():
    for html_class in [
        c for _, attrs in elements(render("x [[note]] <i class='note-by'>y</i>")) for c in [attrs.get("class")] if c
    ]:
        assert html_class in {"note note-e2", "sr-only"}


def test_editor_names_are_text_not_markdown():
    odd = NoteAuthor("jo", "Jo *Star* <Smith>", "note-e9")
    html = render_body("x [[@jo y]]", author=MARA, editors={"jo": odd})
    assert "— Jo *Star* &lt;Smith&gt;" in html


def test_windows_line_endings_render_like_unix_ones():
    source = "Para one with [[a note]].\n\nPara *two*.\n\n[[Block.]]"
    assert render(source.replace("\n", "\r\n")) == render(source)
    assert render(source.replace("\n", "\r")) == render(source)


def test_long_story_typed_in_a_browser_keeps_its_markup():
    para = "The committee said it would *review* the [plan](https://example.com/p) [[third promise this year]]. "
    source = "\r\n\r\n".join(para * 3 for _ in range(110))
    assert len(source) > 30_000
    html = render(source)
    assert html.count('<span class="note note-e2">') == 330
    assert html.count("<em>review</em>") == 330


def test_list_markers_count_towards_the_nesting_limit():
    html = render("- > " * 15_000)
    assert "<ul>" not in html


def test_lead_note_never_holds_block_elements():
    for source in ["[[Whose rocks?]]", "> quoted", "1. listed", "---", "# heading", "    code"]:
        html = render_note(source)
        assert not {tag for tag, _ in elements(html)} & {"div", "blockquote", "ol", "ul", "hr", "h1", "pre", "p"}, html
    assert (
        render_note("[[Whose rocks?]]")
        == '<span class="note"><span class="sr-only">Editor\'s note: </span>Whose rocks?</span>'
    )


def test_hundred_kilobyte_body_renders_as_plain_paragraphs():
    source = ("A sentence of reasonable length with [[a note]] in it. " * 20 + "\n\n") * 95
    assert len(source) > 100_000
    html = render(source)
    assert "<p>" in html
    assert_inert(html)


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
def test_thousand_deep_nesting_does_not_raise(source):
    # (How long such inputs take is measured by bench/renderers.py, not here.)
    html = render(source)
    assert isinstance(html, str) and html
    assert_inert(html)


def test_over_long_body_degrades_to_escaped_text():
    html = render("*x* " * (MAX_BODY_CHARS // 4 + 1))
    assert "*x*" in html and "<em>" not in html


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_any_text_renders_without_raising_and_without_script(source):
    assert_inert(render(source), allowed_elements=STORY_ELEMENTS)


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
    assert_inert(render(source), allowed_elements=STORY_ELEMENTS)


def test_long_realistic_body_under_the_cap_keeps_its_markup():
    source = ("Quoted *source* paragraph with a [link](https://example.com/x) and [[a note]].\n\n") * 600
    assert len(source) < MAX_BODY_CHARS
    html = render(source)
    assert html.count('<span class="note note-e2">') == 600
    assert html.count('<a href="https://example.com/x">') == 600


def test_every_heading_level_is_shown_within_the_pages_own_outline():
    source = "# Top\n\nText.\n\n## Two\n\n### Three\n\n#### Four\n\n##### Five\n\n###### Six\n\nSetext\n======\n"
    html = render(source)
    assert [(tag, text) for tag, text in re.findall(r"<(h\d)>(.*?)</h\d>", html)] == [
        ("h2", "Top"), ("h2", "Two"), ("h3", "Three"), ("h4", "Four"), ("h4", "Five"), ("h4", "Six"), ("h2", "Setext"),
    ]  # fmt: skip
    assert "<h1>" not in html  # the story's title is the page's one h1
