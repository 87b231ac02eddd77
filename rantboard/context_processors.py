"""Template context every page needs: the site's name and the region navigation."""

import functools

from django.conf import settings
from django.urls import reverse

from articles.models import Region


@functools.lru_cache(maxsize=1)
def site_links() -> dict[str, str]:
    """The addresses every page links to, worked out once (reverse() on every page is measurable)."""
    names = ["front", "latest", "archive", "notes_css", "feed_latest_rss", "feed_latest_atom"]
    return {name: reverse(f"articles:{name}") for name in names}


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "links": site_links(),
        # Lazily evaluated: a page that never shows the navigation never pays for the cache lookup.
        "nav_regions": Region.objects.nav,
    }
