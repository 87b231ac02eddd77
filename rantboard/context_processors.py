"""Template context every page needs: the site's name and the region navigation (rantboard.frame shows it)."""

from django.conf import settings

from articles.models import page_lists


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        # Lazily evaluated: a page that never shows the navigation never pays for the cache lookup.
        "nav_regions": lambda: page_lists(request)[0],
    }
