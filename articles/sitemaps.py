"""The sitemap: an index (sitemap.xml) of its sections' pages, which list every published story and every region.
Django's sitemap framework, with every address from SITE_URL rather than from the request."""

import re
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404
from django.views.decorators.cache import cache_page

from rantboard.addresses import absolute_url

from .models import Article, Region

# Rendering a page of ten thousand stories takes a second or two: kept this long, so a new story is listed within it.
SITEMAP_SECONDS = 60 * 60
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")


class SiteSitemap(Sitemap):
    """Addresses from SITE_URL; Django's sitemaps would take the host and scheme from the request."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class ArticleSitemap(SiteSitemap):
    changefreq = "daily"
    limit = 10_000

    def items(self):
        return Article.objects.visible().only("id", "slug", "updated_at").order_by("-published_at")

    def lastmod(self, item):
        return item.updated_at


class RegionSitemap(SiteSitemap):
    changefreq = "hourly"
    priority = 0.6

    def items(self):
        return Region.objects.all()


sitemaps = {"stories": ArticleSitemap, "regions": RegionSitemap}


def _one_address_per_copy(view):
    """Django's cache_page keeps a copy per address, query string included: an address with anything but a page
    number (`?p=2`) would be rendered and kept once per spelling, so a flood of them would fill the cache. Refused."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        page = request.GET.get("p")
        if set(request.GET) - {"p"} or (page is not None and not PAGE_NUMBER.fullmatch(page)):
            raise Http404("A sitemap's address takes a page number only.")
        return view(request, *args, **kwargs)

    return wrapper


@_one_address_per_copy
@cache_page(SITEMAP_SECONDS)
def index(request):
    """Each section's pages (a story page holds `ArticleSitemap.limit` stories; a large archive has several)."""
    response = sitemap_views.index(request, sitemaps, sitemap_url_name="sitemap_section")
    for item in response.context_data["sitemaps"]:
        # Django writes them with the request's scheme and Host; a cached index would pass that Host on.
        address = urlsplit(item.location)
        item.location = absolute_url(address.path + (f"?{address.query}" if address.query else ""))
    return response


section = _one_address_per_copy(cache_page(SITEMAP_SECONDS)(sitemap_views.sitemap))
