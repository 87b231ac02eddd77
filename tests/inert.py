"""One check for "hostile markup comes out inert", parsing the HTML instead of searching its text."""

import re
from html.parser import HTMLParser

DANGEROUS_ELEMENTS = {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "input", "link", "meta",
                      "base", "frame", "frameset", "template", "button", "textarea", "select"}  # fmt: skip


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


def assert_inert(html: str, *, url_prefixes=("http://", "https://", "mailto:"), allowed_elements=None) -> None:
    for tag, attrs in elements(html):
        assert tag not in DANGEROUS_ELEMENTS, (tag, html)
        if allowed_elements is not None:
            assert tag in allowed_elements, (tag, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, html)
            assert name != "style", (tag, html)
            if name in {"href", "src", "action", "formaction", "xlink:href"}:
                # Browsers drop whitespace and control characters inside a URL before reading its scheme.
                squeezed = re.sub(r"[\x00-\x20\x7f]", "", value).lower()
                scheme = re.match(r"[a-z][a-z0-9+.-]*:", squeezed)
                assert scheme is None or squeezed.startswith(url_prefixes), (tag, name, value)
