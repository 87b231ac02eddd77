"""Template context every page needs: the site's name and the region navigation (templates/base.html)."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from articles.models import Region


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        # Lazy: a page that never shows the navigation (an error page of the admin's) never reads it.
        "nav_regions": SimpleLazyObject(Region.objects.nav),
    }
