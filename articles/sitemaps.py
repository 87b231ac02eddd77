"""sitemap.xml: every published story and every region page."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap

from .models import Article, Region


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
