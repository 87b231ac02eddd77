from django.urls import path

from rantboard.pagecache import cached_page

from . import feeds, views

app_name = "comments"

urlpatterns = [
    path("story/<int:pk>/comment/", views.post_comment, name="post"),
    path("comments/preview/", views.preview, name="preview"),
    path("comments/pick-nic/", views.pick_nic, name="pick_nic"),
    path("story/<int:pk>/comments/<int:number>/flag/", views.flag_comment, name="flag"),
    path("story/<int:pk>/comments/<int:number>/edit/", views.edit_comment, name="edit"),
    path("story/<int:pk>/comments/<int:number>/history/", views.comment_history, name="history"),
    path("nic/<path:nic>/", cached_page(views.nic_page, query=("page",)), name="nic"),
    path("feeds/comments/rss/", cached_page(feeds.LatestCommentsFeed()), name="feed_latest_rss"),
    path("feeds/comments/atom/", cached_page(feeds.LatestCommentsAtomFeed()), name="feed_latest_atom"),
    path("story/<int:pk>/comments/rss/", cached_page(feeds.StoryCommentsFeed()), name="feed_story_rss"),
    path("story/<int:pk>/comments/atom/", cached_page(feeds.StoryCommentsAtomFeed()), name="feed_story_atom"),
]
