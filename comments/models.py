"""Readers' comments under stories, and the commenters behind each nic.

The dependency runs comments -> articles: a comment belongs to an article, and the comment write path keeps the
article's comment figures (count, last number, time and nic of the latest) in step.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.urls import reverse
from django.utils import timezone

from articles.models import Article


class Commenter(models.Model):
    """Everyone who has posted under one nic. "Fred", "fred" and "Fred " share a key and so are one commenter."""

    nic = models.CharField(max_length=40, help_text="The nic as first typed.")
    key = models.CharField(max_length=80, unique=True, help_text="The nic folded for comparison.")
    # SHA-256 of the random token in the cookie of the browser that first posted under this nic. Another browser
    # cannot post under it: that is what makes nics impersonation-proof without accounts. Empty = unclaimed.
    owner_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    comment_count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.nic

    def get_absolute_url(self) -> str:
        return nic_url(self.nic)


def nic_url(nic: str) -> str:
    # reverse() percent-encodes what a URL cannot hold; Django decodes it again before the view sees it.
    return reverse("comments:nic", kwargs={"nic": nic})


class CommentQuerySet(models.QuerySet):
    def for_story_page(self, article: Article) -> CommentQuerySet:
        return self.filter(article=article).order_by("number").only(*PUBLIC_FIELDS)

    def on_visible_stories(self) -> CommentQuerySet:
        """Comments under stories readers can see (not drafts, not scheduled)."""
        return self.filter(article__status=Article.Status.PUBLISHED, article__published_at__lte=timezone.now())

    def with_story(self) -> CommentQuerySet:
        """The public fields, and what a link to the comment's story needs, in the same query."""
        return self.select_related("article").only(*PUBLIC_FIELDS, "article__id", "article__slug", "article__title")

    def latest(self, count: int = 20) -> CommentQuerySet:
        """The newest comments on stories readers can see, for the sidebar and the feed."""
        return self.on_visible_stories().with_story().order_by("-created_at", "-id")[:count]


class Comment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    commenter = models.ForeignKey(Commenter, on_delete=models.PROTECT, related_name="comments")
    number = models.PositiveIntegerField(help_text="The comment's number within its story: #1, #2, ...")
    nic = models.CharField(max_length=40, help_text="The nic as shown on this comment.")
    email = models.EmailField("e-mail", blank=True, help_text="Never shown to readers.")
    website = models.URLField(max_length=500, blank=True)
    body = models.TextField(help_text="What the commenter typed (BBCode).")
    body_html = models.TextField(editable=False)
    renderer_version = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True, help_text="Staff only.")
    redacted = models.BooleanField(default=False)
    redaction_note = models.CharField(max_length=300, blank=True, help_text="Shown in place of a redacted comment.")
    # The one-time token of the form that posted this comment: a double click or a reload posts once.
    submission_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="comment_unique_number_per_article"),
        ]
        indexes = [
            models.Index(fields=["commenter", "-created_at"], name="comment_by_commenter"),
            models.Index(fields=["-created_at"], name="comment_latest"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} by {self.nic}"

    def get_absolute_url(self) -> str:
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self) -> str:
        return f"c{self.number}"

    @property
    def nic_url(self) -> str:
        return nic_url(self.nic)

    @property
    def age(self) -> dt.timedelta:
        return timezone.now() - self.created_at


# What any page or feed may read of a comment: never the e-mail or the IP.
PUBLIC_FIELDS = (
    "id",
    "article_id",
    "commenter_id",
    "number",
    "nic",
    "website",
    "body_html",
    "created_at",
    "redacted",
    "redaction_note",
)
