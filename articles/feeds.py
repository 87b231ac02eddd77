"""RSS and Atom feeds of stories: the latest everywhere, and the latest per region."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from rantboard.feeds import SiteFeed

from .models import Article, Region, display_name

FEED_LENGTH = 30


class LatestStoriesFeed(SiteFeed):
    description_template = "articles/feed_description.html"
    url_name = "articles:feed_latest_rss"

    def title(self):
        return f"{settings.SITE_NAME}: latest stories"

    def page_url(self, obj):
        return reverse("articles:front")

    def description(self):
        return f"The latest stories on {settings.SITE_NAME}."

    def items(self):
        return Article.objects.visible().select_related("region", "posted_by")[:FEED_LENGTH]

    def item_title(self, item):
        return f"{item.region.name}: {item.title}"

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return display_name(item.posted_by)

    def item_categories(self, item):
        return [item.region.name]


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = Atom1Feed
    url_name = "articles:feed_latest_atom"
    subtitle = LatestStoriesFeed.description


class RegionFeed(LatestStoriesFeed):
    url_name = "articles:feed_region_rss"

    def get_object(self, request, slug):
        return get_object_or_404(Region, slug=slug)

    def title(self, region):
        return f"{settings.SITE_NAME}: {region.name}"

    def page_url(self, region):
        return region.get_absolute_url()

    def url_args(self, region):
        return (region.slug,)

    def description(self, region):
        return f"The latest stories filed under {region.name} on {settings.SITE_NAME}."

    def items(self, region):
        return Article.objects.visible().in_region(region).select_related("region", "posted_by")[:FEED_LENGTH]


class RegionAtomFeed(RegionFeed):
    feed_type = Atom1Feed
    url_name = "articles:feed_region_atom"
    subtitle = RegionFeed.description
