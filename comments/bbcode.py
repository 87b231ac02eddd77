"""Comment markup: the board's BBCode tags, rendered to sanitised HTML.

A pure function of its input (no request, no database): ``render_comment(source, pictures=..., quotes=...)``, where
``quotes`` looks up the story's comments a quote names (comments.services). The order of work
is the safety argument: everything is escaped first, then only the allow-listed tags become HTML, each built here
from validated parts; unknown tags stay literal text; tags left open close at the end; nesting deeper than
MAX_DEPTH stays literal; only http and https links. The result still goes through bleach with the exact allow-list.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit

import bleach

from .nics import nic_key, visible

# Raised whenever the same text would be stored as different HTML (the renderer or templates/comments/_comment.html
# changed): `manage.py rerender_comments` then rebuilds the rows an older version made.
RENDERER_VERSION = 7

MAX_DEPTH = 6
SQUISH_OVER = 40  # bare links longer than this show just their host
MAX_URL_LENGTH = 2000

ALLOWED_TAGS = frozenset(
    {"a", "bdi", "big", "blockquote", "br", "cite", "em", "img", "li", "p", "s", "small", "strong", "u", "ul"}
)
ALLOWED_PROTOCOLS = frozenset({"http", "https"})
LINK_CLASSES = frozenset({"squished", "outside-picture"})


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in {"href", "rel"} or (name == "class" and value in LINK_CLASSES)
    if tag == "img":
        return name in {"src", "alt", "width", "height", "loading"} or (name == "class" and value == "foto")
    if tag == "cite":
        return name == "class" and value == "unmatched"
    return False


@dataclass(frozen=True)
class Picture:
    """One picture of the site's library, as the renderer needs it."""

    url: str
    alt: str
    width: int | None = None
    height: int | None = None


@dataclass
class QuotedComment:
    """A comment of the quoting comment's story, as checking a quote of it needs: its number, its nic and each text
    readers have seen it show, as rendered; none for a redacted or removed one, which vouches for nothing but still
    makes its nic one of the story's commenters."""

    number: int
    nic: str
    shown: tuple[str, ...] = ()

    @cached_property
    def texts(self) -> tuple[str, ...]:
        """Its texts as quotes are compared (`said_ways`): worked out when a quote is first checked against it."""
        return tuple({said: None for body_html in self.shown for said in said_ways(body_html)})

    @cached_property
    def links(self) -> frozenset[str]:
        """The addresses its texts link to (and its pictures'): a checked quote may hold no other."""
        return frozenset(LINK_RE.findall("".join(self.shown)))

    @cached_property
    def plain(self) -> str:
        """Its texts as plain words, for a quick look before the tokens: cheaper by ten."""
        return "\n".join(_shown_text(body_html).casefold() for body_html in self.shown)

    def says(self, parts: list[str]) -> bool:
        """Whether one of its texts holds the quote's parts (`said_in`, the text between the quoter's elisions), in
        order."""
        # Every token of a quote is in the plain text of what it quotes: its longest rules most comments out at once.
        if max((token for part in parts for token in part.split("\x1f")), key=len) not in self.plain:
            return False
        for text in self.texts:
            at = 0
            for part in parts:
                at = text.find(part, at)
                if at < 0:
                    break
                at += len(part) - 1  # the separator after the part starts the next one's search
            else:
                return True
        return False


# Given the numbers that quotes give ([quote=Nic#N]) and the nics of quotes that give none ([quote=Nic]), the story's
# comments that may be the ones quoted: those numbers, and those nics' latest.
QuoteLookup = Callable[[set[int], set[str]], Iterable[QuotedComment]]
MAX_CHECKED_QUOTES = 50  # different quotes checked in one comment; the rest say they were not

# A quote is compared token by token: a word, or one character of a script written without spaces (a quote of a few
# characters of a Chinese sentence is a quote), or any other character that is not a space (so "5%" is not "-5%" and
# an emoji counts). A quote cannot start or end inside a word ("true" is not in "untrue").
_NO_SPACES = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
QUOTE_TOKEN_RE = re.compile(rf"[{_NO_SPACES}]|(?:(?![{_NO_SPACES}])\w)+|\S")
# Markup that starts a new line of text (a space where it was) and the rest, which joins its text to its
# neighbours', as readers read it ("CO<small>2</small>" is "CO2").
BLOCK_TAG_RE = re.compile(r"</?(?:p|br|ul|li|blockquote|cite)\b[^>]*>")
HTML_TAG_RE = re.compile(r"<[^>]*>")
CITE_RE = re.compile(r"<cite\b[^>]*>.*?</cite>", re.DOTALL)
# Characters that reorder the text around them: a quote holding one could show words in an order its check did not.
REORDERING_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
# How a quote the check did not find shows: its mark in the stored HTML, which the admin's list filters by.
UNMATCHED_CITE = '<cite class="unmatched">'
# The addresses a rendered text links to or shows pictures from; "#cN", a quote's link to its source, is not one.
LINK_RE = re.compile(r'(?:href|src)="(?!#c)([^"]*)"')
# Where a quoter left words out: "...", "…", "[...]".
ELISION_RE = re.compile(r"\[\s*(?:\.{3}|…)\s*\]|\.{3,}|…")


def said_in(text_html: str) -> str:
    """The text rendered HTML shows, as a quote of it is compared: casefolded tokens (QUOTE_TOKEN_RE), each between
    two \\x1f, so that a match starts and ends at tokens; markup, spacing and invisible characters left out."""
    return _tokens(_shown_text(text_html))


def _shown_text(text_html: str) -> str:
    return INVISIBLE_RE.sub("", html.unescape(HTML_TAG_RE.sub("", BLOCK_TAG_RE.sub(" ", text_html))))


def shows_anything(text_html: str) -> bool:
    """Whether rendered HTML shows a reader something of its own: a picture, or a character outside the quotes'
    "X said:" lines that draws something (as nics.visible reads characters, spaces aside)."""
    if "<img" in text_html:
        return True
    return bool(visible(_shown_text(CITE_RE.sub("", text_html))).strip())


def _tokens(text: str) -> str:
    tokens = QUOTE_TOKEN_RE.findall(text.casefold())
    return "\x1f" + "\x1f".join(tokens) + "\x1f" if tokens else ""


def said_ways(text_html: str) -> tuple[str, ...]:
    """A comment's text as a quote of it may have been taken: with the names of the quotes inside it, as a selection
    on the page copies them, and without, as the Quote button's BBCode gives them (whose own check may since have
    come out otherwise, a namesake having posted)."""
    return tuple(said_in(way) for way in _ways(text_html))


INLINE = {"b": "strong", "i": "em", "u": "u", "s": "s", "small": "small", "big": "big"}
# Tags whose content is taken as plain text (a URL or a picture name), never parsed further.
RAW = frozenset({"url", "squish", "img", "foto"})
KNOWN = frozenset({*INLINE, *RAW, "quote", "*"})
QUOTED_NUMBER_RE = re.compile(r"(.*\S)\s*#(\d{1,7})")
BLOCK_CONTEXT = frozenset({"", "quote"})  # where [*] starts a list item

# A tag's option may hold square brackets in pairs, as a nic may ("[quote=Bob [NYC]#4]").
_OPTION_PART = r"(?:[^\[\]\n]|\[[^\[\]\n]{0,100}\])"
TOKEN_RE = re.compile(rf"\[(/?)([a-zA-Z]{{1,6}}|\*)(?:=({_OPTION_PART}{{1,2000}}))?\]|\n")
PAIRED_BRACKETS_RE = re.compile(f"{_OPTION_PART}*")
BARE_URL_RE = re.compile(r"\bhttps?://[^\s<>\[\]\"']+", re.IGNORECASE)
BLANK_LINE_RE = re.compile(r"\n[ \t]*\n\s*")
# Characters that reorder text (bidi overrides and isolates) or hide (zero-width): the tools of look-alike tricks.
INVISIBLE_RE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class _Node:
    tag: str  # "" for the root
    option: str | None = None
    children: list = field(default_factory=list)  # of str (escaped text) and _Node
    open_text: str = ""  # the tag as typed, for when it has to go back to being literal
    closed: bool = False

    @property
    def raw(self) -> bool:
        # [url=...]text[/url] holds markup; [url]address[/url], [img], [squish] and [foto] hold plain text.
        return self.tag in RAW and not (self.tag == "url" and self.option is not None)


def clean_url(raw: str) -> str | None:
    """An absolute http(s) URL, or None. Takes unescaped text; callers escape the result for HTML."""
    url = CONTROL_RE.sub("", INVISIBLE_RE.sub("", raw)).strip()
    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        return None
    if any(c in url for c in "<>\"'`\\"):
        return None
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ALLOWED_PROTOCOLS or not hostname:
        return None
    return url


def host_of(url: str) -> str:
    host = (urlsplit(url).hostname or url).lower()
    return host.removeprefix("www.")


def _link(url: str, text_html: str, *, css_class: str | None = None) -> str:
    cls = f' class="{css_class}"' if css_class else ""
    return f'<a href="{html.escape(url, quote=True)}" rel="nofollow ugc noopener"{cls}>{text_html}</a>'


def _autolink(escaped: str) -> str:
    """Link bare http(s) URLs in escaped text; long ones show only their host."""

    def replace(match: re.Match) -> str:
        shown = match.group(0)
        trail = ""
        while shown and shown[-1] in ".,;:!?)":
            if shown[-1] == ")" and shown.count("(") >= shown.count(")"):
                break
            trail = shown[-1] + trail
            shown = shown[:-1]
        url = clean_url(html.unescape(shown))
        if url is None:
            return match.group(0)
        if len(url) > SQUISH_OVER:
            return _link(url, html.escape(host_of(url)), css_class="squished") + trail
        return _link(url, shown) + trail

    return BARE_URL_RE.sub(replace, escaped)


def _at_line_start(text: str, index: int) -> bool:
    line_start = text.rfind("\n", 0, index) + 1
    return not text[line_start:index].strip(" \t")


def _parse(escaped: str) -> _Node:
    """Build a tree of known tags over escaped text. Unknown, stray and too-deep tags stay as text."""
    root = _Node("")
    stack = [root]
    pos = 0
    # Too-deep openers kept as text, by tag: their closers are text too, or "[i]x[/i]" typed past the limit would
    # close an outer [i] (and all it holds) early. They are all typed with the stack full, so a close that shortens
    # the stack leaves them behind for good.
    deep: Counter[str] = Counter()

    def text_until(end: int) -> None:
        if end > pos:
            stack[-1].children.append(escaped[pos:end])

    for match in TOKEN_RE.finditer(escaped):
        top = stack[-1]
        if match.group(0) == "\n":
            item = next((i for i in range(len(stack) - 1, 0, -1) if stack[i].tag == "*"), None)
            if item is not None and not top.raw:
                text_until(match.start())
                for node in stack[item:]:
                    node.closed = True
                del stack[item:]
                deep.clear()
                pos = match.end()  # the newline ends the item and is not kept
            continue
        closing, name, option = match.group(1), match.group(2).lower(), match.group(3)
        if top.raw:
            # Inside [url], [img] ...: only the matching close tag ends it; everything else is content.
            if closing and name == top.tag:
                text_until(match.start())
                top.closed = True
                stack.pop()
                pos = match.end()
            continue
        if name not in KNOWN:
            continue
        if closing:
            if deep[name]:
                deep[name] -= 1
                continue  # the close of a too-deep tag stays literal with it
            depth = next((i for i in range(len(stack) - 1, 0, -1) if stack[i].tag == name), None)
            if depth is None or name == "*":
                continue  # a stray close tag stays literal
            text_until(match.start())
            for node in stack[depth:]:
                node.closed = True
            del stack[depth:]  # crossed tags: closing an outer tag closes the ones opened inside it
            deep.clear()
            pos = match.end()
            continue
        if option is not None and name not in {"url", "quote"}:
            continue
        if name == "*" and (top.tag not in BLOCK_CONTEXT or not _at_line_start(escaped, match.start())):
            continue
        if len(stack) > MAX_DEPTH:
            deep[name] += 1
            continue  # too deep: stays literal
        text_until(match.start())
        node = _Node(name, option, open_text=match.group(0))
        top.children.append(node)
        stack.append(node)
        pos = match.end()
    text_until(len(escaped))
    return root


def _literal(node: _Node) -> str:
    """A node's escaped text as typed, tags included."""
    inner = "".join(c if isinstance(c, str) else _literal(c) for c in node.children)
    close = f"[/{node.tag}]" if node.tag and node.closed and node.tag != "*" else ""
    return node.open_text + inner + close


def _raw_content(node: _Node) -> str:
    return "".join(c if isinstance(c, str) else _literal(c) for c in node.children)


def _inline_text(text: str, *, autolink: bool = True) -> str:
    text = _autolink(text) if autolink else text
    return text.replace("\n", "<br>\n")


def _cited(node: _Node) -> tuple[str, int | None]:
    """Who a quote tag names, and the comment number it gives: [quote=Nic#12] is ("Nic", 12)."""
    option = INVISIBLE_RE.sub("", html.unescape(node.option or "")).strip()
    if found := QUOTED_NUMBER_RE.fullmatch(option):
        return found.group(1).strip()[:60], int(found.group(2))
    return option[:60], None


def _named(node: _Node, numbers: set[int], nics: set[str]) -> None:
    """The numbers the quotes in a tree give, and the nics of those that give none, at any depth."""
    for child in node.children:
        if isinstance(child, _Node):
            if child.tag == "quote" and child.option:
                nic, number = _cited(child)
                if number is not None:
                    numbers.add(number)
                elif nic:
                    nics.add(nic)
            _named(child, numbers, nics)


class _Renderer:
    def __init__(self, pictures: Mapping[str, Picture], quoted: list[QuotedComment] | None = None) -> None:
        self.pictures = pictures
        self.quoted = quoted  # None: quotes are not checked (no story to check them in)
        # Each quoted comment with the keys its nic goes by (as typed, and as a quote tag holds it): worked out once,
        # for a comment may hold hundreds of quotes; and each check's answer, for the same quote may come again.
        self.keyed = [(c, {nic_key(c.nic), nic_key(quote_option(c.nic))}) for c in quoted or ()]
        self.checked: dict[tuple, str] = {}
        self.in_link = False  # no link may start inside a link

    def blocks(self, node: _Node) -> str:
        """Children of the root or a quote: paragraphs split at blank lines, lists and quotes between them."""
        out: list[str] = []
        paragraph: list[str] = []

        def flush() -> None:
            content = "".join(paragraph).strip()
            content = re.sub(r"^(?:<br>\s*)+|(?:<br>\s*)+$", "", content)
            if content:
                out.append(f"<p>{content}</p>")
            paragraph.clear()

        children = node.children
        i = 0
        while i < len(children):
            child = children[i]
            if isinstance(child, str):
                pieces = BLANK_LINE_RE.split(child)
                for n, piece in enumerate(pieces):
                    if n:
                        flush()
                    paragraph.append(_inline_text(piece))
            elif child.tag == "*":
                flush()
                items = []
                while i < len(children):
                    current = children[i]
                    if isinstance(current, _Node) and current.tag == "*":
                        items.append(f"<li>{self.inline_children(current).strip()}</li>")
                    elif not (isinstance(current, str) and not current.strip()):
                        break
                    i += 1
                out.append("<ul>" + "".join(items) + "</ul>")
                continue
            elif child.tag == "quote":
                flush()
                out.append(self.quote(child))
            else:
                paragraph.append(self.node(child))
            i += 1
        flush()
        return "\n".join(out)

    def inline_children(self, node: _Node) -> str:
        return "".join(
            _inline_text(c, autolink=not self.in_link) if isinstance(c, str) else self.node(c) for c in node.children
        )

    def quote(self, node: _Node) -> str:
        content = self.blocks(node)
        nic, number = _cited(node) if node.option else ("", None)
        cite = self.cite(nic, number, content) if nic else ""
        return f"<blockquote>{cite}{content}</blockquote>"

    def cite(self, nic: str, number: int | None, content: str) -> str:
        """ "Nic (#12) said:", linked to the comment, when the story's comment #12 is Nic's and shows the quoted words;
        otherwise what the board found. Nobody can put words in a commenter's mouth under their nic: a quote naming a
        commenter of the story is checked against what they said there, whatever the quoter typed. A name nobody in
        the story goes by (a minister, a newspaper) is shown as typed, worded apart: "Quoted from The Minister:"."""
        name = f"<bdi>{html.escape(nic)}</bdi>"
        if self.quoted is None:
            return _said(name, number)
        check = (nic_key(nic), number, content)
        if check not in self.checked:
            if len(self.checked) >= MAX_CHECKED_QUOTES:
                return f"{UNMATCHED_CITE}Quoted as {name}{_source(number)}; not checked (too many quotes):</cite>"
            self.checked[check] = self.check(name, *check)
        return self.checked[check]

    def check(self, name: str, key: str, number: int | None, content: str) -> str:
        theirs = [c for c, keys in self.keyed if key and key in keys]
        if number is None and not theirs:
            return f"<cite>Quoted from {name}:</cite>"
        found = None
        if not REORDERING_RE.search(content):
            ways = [
                [said for part in ELISION_RE.split(_shown_text(way)) if (said := _tokens(part))]
                for way in _ways(content)
            ]
            links = set(LINK_RE.findall(content))
            found = next(
                (c for c in sorted(theirs, key=lambda c: c.number) for parts in ways
                 if parts and (number is None or c.number == number) and links <= c.links and c.says(parts)),
                None,
            )  # fmt: skip
        if found is not None:
            return _said(name, found.number)
        if number is not None:
            return f"{UNMATCHED_CITE}Quoted as {name}{_source(number)}, but that comment does not say this:</cite>"
        return f"{UNMATCHED_CITE}Quoted as {name}, but none of their comments here says this:</cite>"

    def node(self, node: _Node) -> str:
        tag = node.tag
        if tag in INLINE:
            element = INLINE[tag]
            return f"<{element}>{self.inline_children(node)}</{element}>"
        if tag == "quote":  # a quote inside inline markup: still a quote
            return self.quote(node)
        raw = html.unescape(_raw_content(node)).strip()
        if self.in_link and tag in {"url", "squish", "img"}:
            return _inline_text(_literal(node), autolink=False)
        if tag == "url":
            if node.option is not None:
                url = clean_url(html.unescape(node.option))
                text = self.link_text(node)
            else:
                url = clean_url(raw)
                text = html.escape(raw)
            if url and text.strip():
                return _link(url, text)
        elif tag == "squish":
            url = clean_url(raw)
            if url:
                return _link(url, html.escape(host_of(url)), css_class="squished")
        elif tag == "img":
            url = clean_url(raw)
            if url:
                # A link to the picture, never loaded inline: no reader is tracked by the picture's host.
                return _link(url, html.escape(f"[picture at {host_of(url)}]"), css_class="outside-picture")
        elif tag == "foto":
            picture = self.pictures.get(raw.lower())
            if picture:
                size = ""
                if picture.width and picture.height:
                    size = f' width="{int(picture.width)}" height="{int(picture.height)}"'
                return (
                    f'<img class="foto" src="{html.escape(picture.url, quote=True)}" '
                    f'alt="{html.escape(picture.alt, quote=True)}"{size} loading="lazy">'
                )
        return _inline_text(_literal(node), autolink=False)

    def link_text(self, node: _Node) -> str:
        """The text of [url=...]text[/url]: inline markup allowed, but no link inside a link."""
        self.in_link = True
        try:
            return self.inline_children(node)
        finally:
            self.in_link = False


def sanitize(fragment: str) -> str:
    return bleach.clean(
        fragment, tags=ALLOWED_TAGS, attributes=_allowed_attribute, protocols=ALLOWED_PROTOCOLS, strip=True
    )


def normalise_source(source: str) -> str:
    """What is stored: newlines unified, control characters and NULs removed, NFC."""
    source = (source or "").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", CONTROL_RE.sub("", source))


def _ways(content: str) -> tuple[str, ...]:
    """Rendered text with and without the names of the quotes inside it (see `said_ways`): once if it holds none."""
    return (content, CITE_RE.sub(" ", content)) if "<cite" in content else (content,)


def _said(name: str, number: int | None) -> str:
    """A checked quote's cite (or an unchecked one's): "Tess (#12) said:"."""
    return f"<cite>{name}{_source(number)} said:</cite>"


def _source(number: int | None) -> str:
    return f' (<a href="#c{number}">#{number}</a>)' if number is not None else ""


def quote_option(nic: str) -> str:
    """A nic as a quote tag's option can hold it: square brackets the option cannot take (one left open, pairs
    nested) become round ones, so that "Bob [NYC" is quoted as "Bob (NYC" instead of leaving the tag as text."""
    if PAIRED_BRACKETS_RE.fullmatch(nic):
        return nic
    return nic.replace("[", "(").replace("]", ")")


def quotes_linked_to(body_html: str, page: str) -> str:
    """A rendered comment's quote sources, "#cN" (a place in the thread it is shown in), leading to `page`, its story's
    address, for a page that shows the comment away from its thread. Only quote sources are links to "#c": [url]
    takes http(s) addresses alone."""
    return body_html.replace('href="#c', f'href="{html.escape(page, quote=True)}#c')


def render_comment(
    source: str, *, pictures: Mapping[str, Picture] | None = None, quotes: QuoteLookup | None = None
) -> str:
    """Render a comment's BBCode to safe HTML. Never raises on any string. With `quotes`, the story's comments its
    quotes name are looked up (once, and only if it quotes someone) and each quote checked against them."""
    escaped = html.escape(normalise_source(source), quote=True)
    tree = _parse(escaped)
    quoted = None
    if quotes is not None:
        numbers: set[int] = set()
        nics: set[str] = set()
        _named(tree, numbers, nics)
        quoted = list(quotes(numbers, nics)) if numbers or nics else []
    return sanitize(_Renderer(pictures or {}, quoted).blocks(tree))
