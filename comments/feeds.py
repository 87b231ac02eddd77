"""Feeds of comments: the latest everywhere, and the comments of one story. Never an e-mail or an IP."""

from django.conf import settings
from django.db.models import Max
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from articles.models import Article
from rantboard.addresses import absolute_url
from rantboard.feeds import SiteFeed

from .bbcode import quotes_linked_to
from .models import Comment, ModerationAction

FEED_LENGTH = 50


EDITORS_CHANGES = [ModerationAction.Action.REDACT, ModerationAction.Action.UNREDACT, ModerationAction.Action.EDIT]


def _with_editors_changes(comments) -> list[Comment]:
    """The comments, each with the time an editor last changed what readers see of it (`editors_changed_at`, None
    if never): one query for the whole feed."""
    comments = list(comments)
    changed = dict(
        ModerationAction.objects.filter(comment__in=comments, action__in=EDITORS_CHANGES)
        .values("comment").annotate(last=Max("created_at")).values_list("comment", "last")
    )  # fmt: skip
    for comment in comments:
        comment.editors_changed_at = changed.get(comment.pk)
    return comments


class CommentFeedMixin:
    def item_title(self, item):
        return f"#{item.number} {item.nic} on {item.article.title}"

    # Titles and author names are plain text (the feed generator escapes them for XML); the description is HTML,
    # written by the template (the redaction note, or the text and an editor's note: never silent, in a feed reader
    # either), which escapes any text. body_html is the comment renderer's own sanitised output. A feed reader
    # resolves no address against the board, and a feed is no thread: the quotes link to the story's page, and the
    # library's pictures (the renderer's only other addresses on the board) start with SITE_URL.
    description_template = "comments/feed_description.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = kwargs["item"]
        if not item.redacted:
            html = quotes_linked_to(item.body_html, absolute_url(item.article.get_absolute_url()))
            context["body_html"] = html.replace('src="/', f'src="{absolute_url("/")}')
        return context

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        # Atom requires <updated> on every entry; an author's edit and an editor's change move it, so feed readers
        # fetch the text as it stands.
        return max(t for t in (item.created_at, item.edited_at, item.editors_changed_at) if t is not None)

    def item_author_name(self, item):
        return item.nic


class LatestCommentsFeed(CommentFeedMixin, SiteFeed):
    url_name = "comments:feed_latest_rss"

    def title(self):
        return f"{settings.SITE_NAME}: latest comments"

    def page_url(self, obj):
        return reverse("articles:front")

    def description(self):
        return f"The latest comments on {settings.SITE_NAME}."

    def items(self):
        return _with_editors_changes(Comment.objects.latest(FEED_LENGTH))


class LatestCommentsAtomFeed(LatestCommentsFeed):
    feed_type = Atom1Feed
    url_name = "comments:feed_latest_atom"
    subtitle = LatestCommentsFeed.description


class StoryCommentsFeed(CommentFeedMixin, SiteFeed):
    url_name = "comments:feed_story_rss"

    def get_object(self, request, pk):
        return get_object_or_404(Article.objects.visible(), pk=pk)

    def title(self, article):
        return f"{settings.SITE_NAME}: comments on {article.title}"

    def page_url(self, article):
        return article.get_absolute_url()

    def url_args(self, article):
        return (article.pk,)

    def description(self, article):
        return f"Comments on “{article.title}” on {settings.SITE_NAME}."

    def items(self, article):
        comments = Comment.objects.shown().filter(article=article).with_story().order_by("-number")[:FEED_LENGTH]
        return _with_editors_changes(comments)


class StoryCommentsAtomFeed(StoryCommentsFeed):
    feed_type = Atom1Feed
    url_name = "comments:feed_story_atom"
    subtitle = StoryCommentsFeed.description
