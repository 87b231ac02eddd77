from django.urls import path

from rantboard.pagecache import cached_page

from . import feeds, views

app_name = "articles"
LIST_QUERY = ("page",)  # the only query parameter the lists read; any other is dropped with a 301

urlpatterns = [
    path("", views.front_page, name="front"),
    path("latest/", cached_page(views.PostingOrderView.as_view(), query=LIST_QUERY), name="latest"),
    path("story/<int:pk>/", views.article_detail, name="detail_short"),
    path("story/<int:pk>/<str:slug>/", views.article_detail, name="detail"),
    path("region/<slug:slug>/", cached_page(views.RegionView.as_view(), query=LIST_QUERY), name="region"),
    path("subject/<slug:slug>/", cached_page(views.SubjectView.as_view(), query=LIST_QUERY), name="subject"),
    path("archive/", views.archive_index, name="archive"),
    path("archive/<int:year>/<int:month>/", views.archive_month, name="archive_month"),
    path("archive/<int:year>/<int:month>/<int:day>/", views.day_archive, name="archive_day"),
    path("notes.css", views.notes_css, name="notes_css"),
    path("pictures/<slug:name>", views.picture, name="picture"),
    path("feeds/latest/rss/", cached_page(feeds.LatestStoriesFeed()), name="feed_latest_rss"),
    path("feeds/latest/atom/", cached_page(feeds.LatestStoriesAtomFeed()), name="feed_latest_atom"),
    path("feeds/region/<slug:slug>/rss/", cached_page(feeds.RegionFeed()), name="feed_region_rss"),
    path("feeds/region/<slug:slug>/atom/", cached_page(feeds.RegionAtomFeed()), name="feed_region_atom"),
]
