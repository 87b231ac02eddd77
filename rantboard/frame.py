"""The page frame every public page shares: head, masthead with the region navigation, main column, footer.

Its markup lives here once, in four pieces that go around a page's own parts (title, head, content, sidebar).
`templates/base.html` puts its blocks between the pieces with the `frame` template tags; the story page, the
board's busiest, puts its parts between them without block inheritance (templates/articles/article_detail.html).
Every piece but the navigation is the same on every page of a deployment, so it is built once per process.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from rantboard.markup import escape


@functools.cache
def _links() -> dict[str, str]:
    names = ["front", "latest", "archive", "notes_css", "feed_latest_rss", "feed_latest_atom"]
    links = {name: reverse(f"articles:{name}") for name in names}
    links.update(icon=static("img/favicon.svg"), css=static("css/site.css"))
    return {name: escape(url) for name, url in links.items()}


def site_name() -> str:
    return escape(settings.SITE_NAME)


def top() -> str:
    """Up to the page's title."""
    return (
        "<!doctype html>\n"
        '<html lang="en">\n'
        "<head>\n"
        '  <meta charset="utf-8">\n'
        '  <meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "  <title>"
    )


def head() -> str:
    """After the title: the links every page has; the page's own head elements follow."""
    links, name = _links(), site_name()
    return (
        "</title>\n"
        f'  <link rel="icon" href="{links["icon"]}" type="image/svg+xml">\n'
        f'  <link rel="stylesheet" href="{links["css"]}">\n'
        f'  <link rel="stylesheet" href="{links["notes_css"]}">\n'
        f'  <link rel="alternate" type="application/rss+xml" title="{name}: latest stories"'
        f' href="{links["feed_latest_rss"]}">\n'
        f'  <link rel="alternate" type="application/atom+xml" title="{name}: latest stories (Atom)"'
        f' href="{links["feed_latest_atom"]}">\n'
        "  "
    )


def masthead(regions, current=None) -> str:
    """The end of the head, the masthead with its region links (`current` marked), and the start of the main
    column."""
    links, current_pk = _links(), getattr(current, "pk", None)
    marked = ' aria-current="page"'
    nav = "".join(
        f'<li><a href="{escape(region.url)}"{marked if region.pk == current_pk else ""}>{escape(region.name)}</a></li>'
        for region in regions
    )
    return (
        "\n</head>\n"
        "<body>\n"
        '  <a class="skip-link" href="#main">Skip to the stories</a>\n'
        '  <header class="masthead" id="top">\n'
        f'    <p class="site-name"><a href="{links["front"]}">{site_name()}</a></p>\n'
        '    <nav class="regions" aria-label="Regions">\n'
        f"      <ul>\n        {nav}\n      </ul>\n"
        "    </nav>\n"
        '    <nav class="site-links" aria-label="Site">\n'
        f'      <a href="{links["front"]}">Front page</a>\n'
        f'      <a href="{links["latest"]}">Posting order</a>\n'
        f'      <a href="{links["archive"]}">Archives</a>\n'
        f'      <a href="{links["feed_latest_rss"]}">RSS</a>\n'
        "    </nav>\n"
        "  </header>\n"
        '  <div class="page">\n'
        '    <main id="main" class="content">\n'
    )


def main_end() -> str:
    """The end of the main column; a sidebar may follow."""
    return "\n    </main>\n"


def bottom() -> str:
    """After the sidebar: the footer and the end of the page."""
    return (
        "\n  </div>\n"
        '  <footer class="site-footer">\n'
        f'    <p>{site_name()} — news, notes and arguments. <a href="#top">Top</a></p>\n'
        "  </footer>\n"
        "</body>\n"
        "</html>\n"
    )
