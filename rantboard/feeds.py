"""The feeds' common base: Django's syndication framework, with every link made from SITE_URL."""

from django.contrib.syndication.views import Feed
from django.urls import reverse

from .addresses import absolute_url


class SiteFeed(Feed):
    """A feed whose links (its page, itself, each item) start with SITE_URL.

    Django's framework puts the request's host in front of relative links; feeds are cached pages, so one request
    with `Host: 127.0.0.1:6666` would hand that address to every later reader. The framework leaves absolute links
    alone, so these are absolute already.
    """

    url_name: str  # the feed's own URL name, for its self link

    def page_url(self, obj) -> str:
        """The path of the page the feed follows."""
        raise NotImplementedError

    def url_args(self, obj) -> tuple:
        return ()

    def link(self, obj):
        return absolute_url(self.page_url(obj))

    def feed_url(self, obj):
        return absolute_url(reverse(self.url_name, args=self.url_args(obj)))

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())
