"""Story bodies: Markdown with editor notes, rendered to sanitised HTML.

A pure function of its input (no request, no database), so it can be fuzzed and benchmarked alone. Notes:

- ``[[text]]`` inside a paragraph is an inline note by the story's editor;
- a paragraph that is nothing but ``[[text]]`` becomes a block note;
- ``[[@username text]]`` attributes the note to another editor.

Every note carries a hidden "Editor's note" label for screen readers and a class naming its editor, which the
editor-colour stylesheet shades. Whatever Markdown produces then goes through bleach with a fixed allow-list.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree  # noqa: N813 (the name Python-Markdown's own code uses)
from collections.abc import Mapping
from dataclasses import dataclass

import bleach
import markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

# Bump when the output for the same source changes; `manage.py rerender_articles` re-renders older rows.
RENDERER_VERSION = 2

# Beyond these, Markdown and bleach get slow (both are superlinear in nesting depth), so the body is shown as
# plain escaped paragraphs instead. The admin form refuses bodies longer than MAX_BODY_CHARS before this point.
MAX_BODY_CHARS = 60_000
MAX_NESTING = 24
# Python-Markdown is quadratic within one block (text between blank lines) in two ways: its inline scanners in
# the markup characters of the block ("[[[[..." of 8,000 characters takes seconds), and its block parsers in the
# lines of the block (30,000 setext headings without a blank line take 13 s). Summed over blocks, the squares of
# both counts above this budget are not a story, and the body is shown as plain text instead.
MAX_BLOCK_COST = 12_000_000
# bleach costs about 3 microseconds per character of HTML; Markdown output above this size is shown as plain text.
MAX_RENDERED_CHARS = 200_000
MARKUP_CHARS = re.compile(r"[\[<*_`!&]")
# The page's own title is its h1, and a story's headings are sections within it: Markdown's six levels are shown as
# h2 to h4 (a "#" heading is h2, "#####" and "######" are h4), so none is dropped and the page's outline holds.
HEADING_TAG_RE = re.compile(r"<(/?)h([1-6])>")
SHOWN_LEVEL = {"1": "2", "2": "2", "3": "3", "4": "4", "5": "4", "6": "4"}

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h2", "h3", "h4", "hr", "i", "ins",
        "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup",
        "u", "ul",
    }
)  # fmt: skip
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
NOTE_CLASS_RE = re.compile(
    r"^(?:note|note-block|note-by|sr-only|note-e\d+)(?: (?:note|note-block|note-by|note-e\d+))*$"
)


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in {"href", "title"}
    if tag in {"span", "div"}:
        if name == "class":
            return bool(NOTE_CLASS_RE.fullmatch(value))
        return tag == "div" and name == "role" and value == "note"
    if tag == "abbr":
        return name == "title"
    return False


@dataclass(frozen=True)
class NoteAuthor:
    """Who wrote a note: the name screen readers hear, and the class the colour stylesheet shades."""

    username: str
    display_name: str
    css_class: str


ANONYMOUS_NOTE_AUTHOR = NoteAuthor(username="", display_name="", css_class="")

NOTE_RE = r"\[\[(?:@(?P<user>[\w.+-]{1,150})\s+)?(?P<text>(?:(?!\[\[|\]\]).)+?)\]\]"


class _NoteInline(InlineProcessor):
    def __init__(self, pattern: str, md: markdown.Markdown, resolve) -> None:
        super().__init__(pattern, md)
        self.resolve = resolve

    def handleMatch(self, m, data):  # noqa: N802 (Markdown's API)
        username, text = m.group("user"), m.group("text")
        author = self.resolve(username)
        if username and author.username != username:
            # Unknown editor: keep what was typed so the slip is visible, and credit the story's editor.
            text = f"@{username} {text}"
        credited = bool(username) and author.username == username
        el = etree.Element("span")
        el.set("class", " ".join(filter(None, ["note", author.css_class])))
        label = etree.SubElement(el, "span")
        label.set("class", "sr-only")
        # AtomicString: an editor's name is text, never Markdown.
        if author.display_name and not credited:
            label.text = AtomicString(f"Editor's note by {author.display_name}: ")
        else:
            label.text = AtomicString("Editor's note: ")
        label.tail = text
        if credited and author.display_name:
            # A note credited to another editor names them where everyone can see it.
            by = etree.SubElement(el, "span")
            by.set("class", "note-by")
            by.text = AtomicString(f"— {author.display_name}")
        return el, m.start(0), m.end(0)


class _BlockNotes(Treeprocessor):
    """Turn a paragraph that holds nothing but one note into a block note."""

    def run(self, root):
        for parent in root.iter():
            for p in parent:
                if p.tag != "p" or (p.text or "").strip() or len(p) != 1:
                    continue
                note = p[0]
                if note.tag != "span" or "note" not in (note.get("class") or "").split() or (note.tail or "").strip():
                    continue
                # Rebuilt in place: removing and inserting children is quadratic in a long body.
                p.tag = "div"
                p.set("class", note.get("class") + " note-block")
                p.set("role", "note")
                p.text = note.text
                p.remove(note)
                p.extend(list(note))


class _NotesExtension(Extension):
    """Editor notes, and no raw HTML: tags typed in a body are shown as text, so every class, role and element
    in the output is one this module made."""

    def __init__(self, resolve, *, inline_only: bool = False) -> None:
        super().__init__()
        self.resolve = resolve
        self.inline_only = inline_only

    def extendMarkdown(self, md):  # noqa: N802 (Markdown's API)
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # After code spans (190) so `[[x]]` in code stays code, before everything else so notes hold Markdown.
        md.inlinePatterns.register(_NoteInline(NOTE_RE, md, self.resolve), "editor_note", 185)
        if self.inline_only:
            for name in ["hashheader", "setextheader", "hr", "olist", "ulist", "quote", "code", "indent"]:
                md.parser.blockprocessors.deregister(name)
        else:
            md.treeprocessors.register(_BlockNotes(md), "editor_block_notes", 15)


LIST_OR_QUOTE_MARKER = re.compile(r"[ \t]*(?:[>*+-]|\d{1,9}[.)])(?=[ \t]|$)")


def _nesting_depth(source: str) -> int:
    """A cheap upper bound on how deep Markdown would nest the source's quotes and lists."""
    deepest = 0
    for line in source.split("\n"):
        expanded = line.expandtabs(4)
        indent = (len(expanded) - len(expanded.lstrip(" "))) // 4
        markers, pos = 0, 0
        while match := LIST_OR_QUOTE_MARKER.match(line, pos):
            markers += 1
            pos = match.end()
        deepest = max(deepest, indent + markers)
    return deepest


def _block_cost(source: str) -> int:
    """What Python-Markdown's quadratic corners would cost: per block, markup characters times the block's length
    (its inline scanners rescan the rest of the block from each one) plus lines squared (its block parsers)."""
    cost = 0
    for block in re.split(r"\n[ \t]*\n", source):
        markup = len(MARKUP_CHARS.findall(block))
        lines = block.count("\n")
        cost += markup * len(block) + lines * lines
    return cost


def _plain(source: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", source[:MAX_BODY_CHARS]) if p.strip()]
    return "\n".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs)


def sanitize(fragment: str) -> str:
    """The last line of defence: only the allow-listed tags, attributes and link schemes survive."""
    return bleach.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


def render_body(
    source: str,
    *,
    author: NoteAuthor = ANONYMOUS_NOTE_AUTHOR,
    editors: Mapping[str, NoteAuthor] | None = None,
) -> str:
    """Render a story body to safe HTML. Never raises; degrades to escaped plain paragraphs when it must."""
    # Browsers send \r\n, and Markdown takes a lone \r as a line break too: one kind of newline for every count.
    source = (source or "").replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    editors = editors or {}

    def resolve(username: str | None) -> NoteAuthor:
        return editors.get(username, author) if username else author

    if len(source) > MAX_BODY_CHARS or _nesting_depth(source) > MAX_NESTING or _block_cost(source) > MAX_BLOCK_COST:
        return _plain(source)
    try:
        rendered = markdown.markdown(source, extensions=["sane_lists", _NotesExtension(resolve)])
    except (RecursionError, ValueError, IndexError, KeyError, AttributeError, TypeError):
        # Python-Markdown is not proof against every input (deep nesting recurses without bound).
        return _plain(source)
    if len(rendered) > MAX_RENDERED_CHARS:
        return _plain(source)
    return sanitize(HEADING_TAG_RE.sub(lambda tag: f"<{tag[1]}h{SHOWN_LEVEL[tag[2]]}>", rendered))


def render_note(text: str) -> str:
    """A one-line lead note: inline Markdown only (emphasis, links, notes), never a block element."""
    text = " ".join((text or "").replace("\x00", "").split())[:1000]
    try:
        rendered = markdown.markdown(
            text, extensions=[_NotesExtension(lambda _: ANONYMOUS_NOTE_AUTHOR, inline_only=True)]
        )
    except (RecursionError, ValueError, IndexError, KeyError, AttributeError, TypeError):
        return html.escape(text)
    rendered = sanitize(rendered)
    if rendered.startswith("<p>") and rendered.endswith("</p>"):
        rendered = rendered[3:-4]
    return rendered
