"""sitemap.xml: every published story and every region page."""

from django.contrib.sitemaps import Sitemap

from .models import Article, Region


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    limit = 10_000

    def items(self):
        return Article.objects.visible().only("id", "slug", "updated_at").order_by("-published_at")

    def lastmod(self, item):
        return item.updated_at


class RegionSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.6

    def items(self):
        return Region.objects.all()


sitemaps = {"stories": ArticleSitemap, "regions": RegionSitemap}
