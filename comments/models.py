"""Readers' comments under stories, and the commenters behind each nic.

The dependency runs comments -> articles: a comment belongs to an article, and the comment write path keeps the
article's comment figures (count, last number, time and nic of the latest) in step.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from rantboard import prepared


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


# How many of the newest comments are read beyond those shown, to step over any under stories readers cannot see
# (drafts, scheduled): rare, so a few spare rows nearly always do.
HIDDEN_SPARE = 10


class CommentQuerySet(models.QuerySet):
    def shown(self) -> CommentQuerySet:
        """Comments that stand in their thread (redacted ones included, with their note); not removed ones."""
        return self.filter(removed=False)

    def thread_html(self, article: Article) -> bytes:
        """The stored rows of a story's thread, in order, joined, as UTF-8: one query, no model instances, and the
        text never decoded (see rantboard.splice).

        Plain SQL: the ORM took longer to build this fixed query than the database took to answer it (see
        articles/reads.py)."""
        with connection.cursor() as cursor:
            vendor = cursor.db.vendor
            # SQLite hands back the stored UTF-8 as it is from a BLOB.
            column = "CAST(row_html AS BLOB)" if vendor == "sqlite" else "row_html"
            table = prepared.table(Comment)
            sql = f"SELECT {column} FROM {table} WHERE article_id = %s AND NOT removed ORDER BY number"  # noqa: S608
            if vendor == "postgresql":
                import psycopg2.extensions

                # This cursor's text comes back as the bytes PostgreSQL sent (the connection's encoding is UTF-8).
                psycopg2.extensions.register_type(psycopg2.extensions.BYTES, cursor.cursor)
            prepared.execute(cursor, "rantboard_thread", sql, [article.pk])
            return b"".join(row for (row,) in cursor.fetchall())

    def on_visible_stories(self) -> CommentQuerySet:
        """Shown comments under stories readers can see (not drafts, not scheduled)."""
        return self.shown().filter(article__status=Article.Status.PUBLISHED, article__published_at__lte=timezone.now())

    def with_story(self) -> CommentQuerySet:
        """The public fields, and what a link to the comment's story needs, in the same query."""
        return self.select_related("article").only(
            *PUBLIC_FIELDS, "article__id", "article__slug", "article__title", "article__status", "article__published_at"
        )

    def _newest_visible(self, count: int, *, window, exact, visible, pick=lambda row: row) -> list:
        """The newest shown comments on stories readers can see.

        Walks the newest comments by time (an index scan) and drops those under stories readers cannot see, which
        are rare, instead of asking the database to join every published story first (which it plans badly). Only
        when a whole window of recent comments sits under hidden stories does it ask the slow, exact way (`exact`
        builds that query only then: building a query costs the ORM a few tenths of a millisecond).
        """
        now = timezone.now()
        rows = list(window[: count + HIDDEN_SPARE])
        found = [pick(row) for row in rows if visible(row, now)]
        if len(found) < count and len(rows) == count + HIDDEN_SPARE:
            found = list(exact()[:count])
        return found[:count]

    def latest(self, count: int = 20) -> list[Comment]:
        """The newest comments readers can see, as models with their story, for the feeds."""
        return self._newest_visible(
            count,
            window=self.shown().with_story().order_by("-created_at", "-id"),
            exact=lambda: self.on_visible_stories().with_story().order_by("-created_at", "-id"),
            visible=lambda c, now: c.article.status == Article.Status.PUBLISHED and c.article.published_at <= now,
        )

    def latest_items(self, count: int = 20) -> list[str]:
        """The stored sidebar lines of the newest comments readers can see: strings, no model instances.

        The window is read in plain SQL, which says itself whether each story is visible (see `thread_html`)."""
        comments, articles = prepared.table(Comment), prepared.table(Article)
        # Table names from the models, quoted; every value is a parameter.
        window = (
            f"SELECT c.latest_html, a.status = %s AND a.published_at <= %s FROM {comments} c"  # noqa: S608
            f" JOIN {articles} a ON a.id = c.article_id WHERE NOT c.removed"
            f" ORDER BY c.created_at DESC, c.id DESC"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        # The LIMIT is written into the SQL, one statement per count: as a parameter it left PostgreSQL no estimate of
        # the rows wanted, so it judged the statement's generic plan dearer and planned it afresh at every EXECUTE.
        limit = int(count) + HIDDEN_SPARE
        with connection.cursor() as cursor:
            params = [Article.Status.PUBLISHED, now]
            prepared.execute(cursor, f"rantboard_latest_{limit}", f"{window} LIMIT {limit}", params)
            rows = cursor.fetchall()
        return self._newest_visible(
            count,
            window=rows,
            exact=lambda: (
                self.on_visible_stories().order_by("-created_at", "-id").values_list("latest_html", flat=True)
            ),
            visible=lambda row, now: bool(row[1]),
            pick=lambda row: row[0],
        )


class Comment(models.Model):
    # No index of its own: the unique (article, number) index serves every lookup by story, in thread order.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments", db_index=False)
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
    ip_truncated = models.BooleanField(default=False, editable=False, help_text="The IP was shortened for privacy.")
    redacted = models.BooleanField(default=False)
    redaction_note = models.CharField(max_length=300, blank=True, help_text="Shown in place of a redacted comment.")
    # Removed comments are kept for the audit trail but shown nowhere and counted nowhere.
    removed = models.BooleanField(default=False, editable=False)
    # An editor's change to the text is never silent: this line is shown under the comment.
    moderator_note = models.CharField(max_length=400, blank=True, editable=False)
    # The whole row as its thread shows it (comments.rows), rebuilt whenever the comment changes.
    row_html = models.TextField(default="", editable=False)
    latest_html = models.TextField(default="", editable=False)
    # The one-time token of the form that posted this comment: a double click or a reload posts once.
    submission_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="comment_unique_number_per_article"),
        ]
        indexes = [
            # Each matches its ORDER BY exactly (ties on the time broken by id), so LIMIT stops early.
            models.Index(fields=["commenter", "-created_at", "-id"], name="comment_by_commenter"),
            models.Index(fields=["-created_at", "-id"], name="comment_latest"),
            # The day's count of shown comments from this index alone, without reading each comment's row to see
            # whether it was removed: 3.7-4.2 ms against 126-243 ms on PostgreSQL for a day of 31,000 comments.
            models.Index(fields=["created_at"], condition=models.Q(removed=False), name="comment_shown_time"),
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
    "moderator_note",
)


class BanQuerySet(models.QuerySet):
    def active(self, now=None) -> BanQuerySet:
        now = now or timezone.now()
        return self.filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class Ban(models.Model):
    """A "troll-dump": a nic, an IP address or a network that may not post, until the ban expires (or for good)."""

    class Kind(models.TextChoices):
        NIC = "nic", "Nic"
        IP = "ip", "IP address"
        NETWORK = "network", "Network"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(
        max_length=120, help_text="The nic (any spelling), the IP address, or the network as CIDR (203.0.113.0/24)."
    )
    reason = models.CharField(max_length=300)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: the ban never expires.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "value"], name="ban_kind_value")]

    def __str__(self) -> str:
        until = f" until {self.expires_at:%Y-%m-%d %H:%M}" if self.expires_at else ""
        return f"{self.get_kind_display()} {self.value}{until}"

    @property
    def is_active(self) -> bool:
        return self.expires_at is None or self.expires_at > timezone.now()


class ModerationAction(models.Model):
    """The audit trail: who did what to which comment or commenter, when and why. Written, never edited."""

    class Action(models.TextChoices):
        REDACT = "redact", "Redacted"
        UNREDACT = "unredact", "Un-redacted"
        EDIT = "edit", "Edited"
        REMOVE = "remove", "Removed"
        RESTORE = "restore", "Restored"
        BAN = "ban", "Banned"
        UNBAN = "unban", "Lifted a ban"
        RELEASE_NIC = "release_nic", "Released a nic"

    action = models.CharField(max_length=20, choices=Action.choices)
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit")
    commenter = models.ForeignKey(Commenter, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit")
    ban = models.ForeignKey(Ban, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit")
    reason = models.CharField(max_length=400, blank=True)
    # What the action replaced (for an edit, the original text), so nothing an editor does is lost.
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.moderator} at {self.created_at:%Y-%m-%d %H:%M}"
