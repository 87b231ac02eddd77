"""The comment renderer: each tag, hostile input, and properties that hold for any input up to the length cap."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comments.bbcode import Picture, render_comment
from comments.forms import MAX_COMMENT_CHARS
from tests import inert

LIBRARY = {"harbour-map": Picture(url="/pictures/harbour-map", alt="Map of the harbour", width=480, height=300)}
REL = 'rel="nofollow ugc noopener"'


def render(source: str) -> str:
    return render_comment(source, pictures=LIBRARY)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("[b]bold[/b]", "<p><strong>bold</strong></p>"),
        ("[i]it[/i]", "<p><em>it</em></p>"),
        ("[u]under[/u]", "<p><u>under</u></p>"),
        ("[s]gone[/s]", "<p><s>gone</s></p>"),
        ("[small]quiet[/small]", "<p><small>quiet</small></p>"),
        ("[big]loud[/big]", "<p><big>loud</big></p>"),
        ("[B]case[/b]", "<p><strong>case</strong></p>"),
        ("[*] one\n[*] two", "<ul><li>one</li><li>two</li></ul>"),
        ("[quote]said[/quote]", "<blockquote><p>said</p></blockquote>"),
        ("[quote=Fred]said[/quote]", "<blockquote><cite><bdi>Fred</bdi> said:</cite><p>said</p></blockquote>"),
        (
            "[quote=Fred Bloggs#12]said[/quote]",
            '<blockquote><cite><bdi>Fred Bloggs</bdi> (<a href="#c12">#12</a>) said:</cite><p>said</p></blockquote>',
        ),
        ("[url=https://example.com/a]text[/url]", f'<p><a href="https://example.com/a" {REL}>text</a></p>'),
        ("[url]https://example.com/a[/url]", f'<p><a href="https://example.com/a" {REL}>https://example.com/a</a></p>'),
        (
            "[squish]https://www.example.com/a/long/path?x=1[/squish]",
            f'<p><a href="https://www.example.com/a/long/path?x=1" {REL} class="squished">example.com</a></p>',
        ),
        (
            "[img]https://pics.example.net/cat.jpg[/img]",
            f'<p><a href="https://pics.example.net/cat.jpg" {REL} class="outside-picture">'
            "[picture at pics.example.net]</a></p>",
        ),
        (
            "[foto]harbour-map[/foto]",
            '<p><img class="foto" src="/pictures/harbour-map" alt="Map of the harbour" width="480" height="300" '
            'loading="lazy"></p>',
        ),
        ("[foto]no-such-picture[/foto]", "<p>[foto]no-such-picture[/foto]</p>"),
        ("line one\nline two", "<p>line one<br>\nline two</p>"),
        ("para one\n\npara two", "<p>para one</p>\n<p>para two</p>"),
        ("[foo]unknown[/foo]", "<p>[foo]unknown[/foo]</p>"),
        ("[b]left open", "<p><strong>left open</strong></p>"),
        ("stray [/b] close", "<p>stray [/b] close</p>"),
        ("[b][i]crossed[/b][/i]", "<p><strong><em>crossed</em></strong>[/i]</p>"),
        ("a [*] mid-line", "<p>a [*] mid-line</p>"),
        ("see https://example.com/x.", f'<p>see <a href="https://example.com/x" {REL}>https://example.com/x</a>.</p>'),
        (
            "https://www.example.org/a/very/long/path/that/goes/on/and/on.html",
            f'<p><a href="https://www.example.org/a/very/long/path/that/goes/on/and/on.html" {REL} '
            'class="squished">example.org</a></p>',
        ),
    ],
)
def test_each_tag_renders(source, expected):
    assert render(source) == expected


def test_nesting_deeper_than_the_limit_stays_literal():
    html = render("[b]" * 10 + "deep")
    assert html.count("<strong>") == 6
    assert "[b][b][b][b]deep" in html


def test_the_closes_of_too_deep_tags_stay_literal_and_the_outer_tags_pair_as_typed():
    html = render("[b][i][u][s][small][big][b][i]deep[/i][/b][/big][/small][/s][/u][/i][/b] after")
    assert html == ("<p><strong><em><u><s><small><big>[b][i]deep[/i][/b]</big></small></s></u></em></strong> after</p>")


HOSTILE = [
    ("[url=javascript:alert(1)]x[/url]", "<p>[url=javascript:alert(1)]x[/url]</p>"),
    ("[url]javascript:alert(1)[/url]", "<p>[url]javascript:alert(1)[/url]</p>"),
    ('[url]x" onmouseover=alert(1)[/url]', "<p>[url]x&quot; onmouseover=alert(1)[/url]</p>"),
    ('[img]x" onerror=alert(1)[/img]', "<p>[img]x&quot; onerror=alert(1)[/img]</p>"),
    (
        '[img]https://a.example/x.png" onerror="alert(1)[/img]',
        "<p>[img]https://a.example/x.png&quot; onerror=&quot;alert(1)[/img]</p>",
    ),
    ("[url=\x01javascript:alert(1)]x[/url]", "<p>[url=javascript:alert(1)]x[/url]</p>"),
    ("[url=&#106;avascript:alert(1)]x[/url]", "<p>[url=&amp;#106;avascript:alert(1)]x[/url]</p>"),
    ("[url=java&#x09;script:alert(1)]x[/url]", "<p>[url=java&amp;#x09;script:alert(1)]x[/url]</p>"),
    ("[url=data:text/html,hi]x[/url]", "<p>[url=data:text/html,hi]x[/url]</p>"),
    ("[url=//evil.example]x[/url]", "<p>[url=//evil.example]x[/url]</p>"),
    (
        "[img][url=https://evil.example]x[/url][/img]",
        "<p>[img][url=https://evil.example]x[/url][/img]</p>",
    ),
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ('<img src=x onerror="alert(1)">', "<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>"),
    ("[b]unclosed [i]crossed[/b] text[/i]", "<p><strong>unclosed <em>crossed</em></strong> text[/i]</p>"),
    (
        "[url=https://a.example][url=https://b.example]nested[/url][/url]",
        f'<p><a href="https://a.example" {REL}>[url=https://b.example]nested[/url]</a></p>',
    ),
    ("[quote=\u202eevil\u202c]x[/quote]", "<blockquote><cite><bdi>evil</bdi> said:</cite><p>x</p></blockquote>"),
]


@pytest.mark.parametrize(("source", "expected"), HOSTILE)
def test_known_hostile_bbcode_comes_out_inert(source, expected):
    assert render(source) == expected


COMMENT_ELEMENTS = {"a", "bdi", "big", "blockquote", "br", "cite", "em", "img", "li", "p", "s", "small", "strong", "u",
                    "ul"}  # fmt: skip


def assert_inert(html: str) -> None:
    inert.assert_inert(html, url_prefixes=("http://", "https://"), allowed_elements=COMMENT_ELEMENTS)
    for tag, attrs in inert.elements(html):
        if tag == "img":
            assert attrs["src"].startswith("/pictures/")  # only the site's own library is loaded inline


BBCODE_PIECES = st.sampled_from(
    [
        "[b]", "[/b]", "[i]", "[/i]", "[u]", "[s]", "[*]", "\n", "\n\n", "[quote]", "[/quote]", "[quote=",
        "[url=", "[url]", "[/url]", "]", "[img]", "[/img]", "[squish]", "[foto]", "[/foto]", "harbour-map",
        "https://example.com/", "javascript:", "data:", "&#106;", '"', "'", "<", ">", "onerror=", "\u202e",
        "text ", " ", "[small]", "[big]", "[/big]",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(BBCODE_PIECES | st.text(max_size=8), max_size=200).map("".join))
def test_any_markup_soup_renders_inert(source):
    assert_inert(render(source))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=MAX_COMMENT_CHARS))
def test_any_text_up_to_the_cap_renders_inert(source):
    assert_inert(render(source))


@pytest.mark.parametrize(
    "unit", ["[b]", "[*]\n", "[quote]", "[url=https://a.example]", "https://a.example/ ", "<", "[b]x[/b]", "\n"]
)
def test_worst_case_input_at_the_cap_renders_inert(unit):
    # (How long it takes is measured by bench/renderers.py, not here.)
    source = (unit * (MAX_COMMENT_CHARS // len(unit) + 1))[:MAX_COMMENT_CHARS]
    assert_inert(render(source))
