"""Template context every page needs: the site's name and the region navigation."""

from django.conf import settings

from articles.models import Region


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        # Lazily evaluated: a page that never shows the navigation never pays for the query.
        "nav_regions": Region.objects.nav,
    }
