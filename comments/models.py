"""Readers' comments under stories, and the commenters behind each nic.

The dependency runs comments -> articles: a comment belongs to an article, and the comment write path keeps the
article's comment figures (count, last number, time and nic of the latest) in step.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections, models
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article, visible_to_readers
from rantboard.addresses import address

from .bbcode import quotes_linked_to
from .nics import MAX_KEY_LENGTH
from .rekeying import SET_ASIDE


class Commenter(models.Model):
    """Everyone who has posted under one nic. "Fred", "fred", "Fred " and "Fred" spelt with a Cyrillic e share a key
    and so are one commenter."""

    nic = models.CharField(max_length=40, help_text="The nic as first typed.")
    key = models.CharField(
        max_length=MAX_KEY_LENGTH,
        unique=True,
        help_text="What the nic looks like, for comparison: nics a reader cannot tell apart share it.",
    )
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

    @property
    def set_aside(self) -> bool:
        """Whether re-keying set this commenter aside (comments/rekeying.py): its nic now looks like another
        commenter's, so a ban on the nic would hold that other commenter too."""
        return SET_ASIDE in self.key


def nic_url(nic: str) -> str:
    # reverse() percent-encodes what a URL cannot hold; Django decodes it again before the view sees it.
    return address("comments:nic", nic)


REDACTED_TEXT = "This comment was removed by an editor."  # in place of a redacted comment with no note of its own
# How many of the newest comments beyond those wanted are read before their stories' visibility is checked.
HIDDEN_SPARE = 10


# The thread's rows: shown comments of one story in number order, read along the unique (article, number) index.
THREAD_ROWS_SQL = "SELECT row_html FROM comments_comment WHERE article_id = %s AND NOT removed ORDER BY number"


class CommentQuerySet(models.QuerySet):
    def shown(self) -> CommentQuerySet:
        """Comments that stand in their thread (redacted ones included, with their note); not removed ones."""
        return self.filter(removed=False)

    def visible(self) -> CommentQuerySet:
        """What readers may see: shown comments under stories readers may see (`articles.models.visible_to_readers`)."""
        return self.shown().under_visible_stories()

    def counted(self) -> CommentQuerySet:
        """What a nic's figure counts: shown comments under published stories. Stories scheduled for later count
        already, so the figure never falls short of what the nic's page lists; a page past its last comment is 404."""
        return self.shown().filter(article__status=Article.Status.PUBLISHED)

    def under_visible_stories(self) -> CommentQuerySet:
        """Comments, removed ones too, under stories readers may see: for telling a comment's author why theirs is
        gone, never for showing one."""
        return self.filter(visible_to_readers("article__"))

    def as_their_authors_left_them(self) -> CommentQuerySet:
        """Shown comments no editor has stepped in on (`Comment.editors_stepped_in`, the same rule): not redacted,
        not changed with a note."""
        return self.shown().filter(redacted=False, moderator_note="")

    def public(self) -> CommentQuerySet:
        """Every field but those no reader may see (`PRIVATE_FIELDS`): how any page readers open reads a comment."""
        return self.defer(*PRIVATE_FIELDS)

    def with_story(self) -> CommentQuerySet:
        """The public fields, and what a link to the comment's story needs, in the same query."""
        return self.select_related("article").only(
            *PUBLIC_FIELDS, "article__id", "article__slug", "article__title", "article__status", "article__published_at"
        )

    def thread_rows_queryset(self, article: Article) -> models.QuerySet:
        """`thread_rows` as the ORM says it."""
        return self.shown().filter(article=article).order_by("number").values_list("row_html", flat=True)

    def latest(self, count: int = 20, *, redacted: bool = True) -> list[Comment]:
        """The newest comments readers can see, with their story: the sidebar and the feeds. `redacted=False` leaves
        out the redacted ones: their note stands in the thread, but a list of the latest need not name their nics.

        Asked as one query (or with the stories as a subquery), the database joins every visible story before it
        sorts, which on a large board costs more than anything else on the page, and the sidebar is asked for again
        after every comment. So the newest few comments' ids are read first, along the `comment_latest` index, and only
        those are checked for visibility. Comments under hidden stories (drafts, scheduled) are rare; when the window
        holds too few visible ones, the exact query answers.
        """
        listed = self if redacted else self.filter(redacted=False)
        newest = listed.shown().order_by("-created_at", "-id").values_list("pk", flat=True)[: count + HIDDEN_SPARE]
        newest = list(newest)
        ordered = listed.visible().with_story().order_by("-created_at", "-id")
        found = list(ordered.filter(pk__in=newest)[:count])
        return found if len(found) == count or len(newest) < count + HIDDEN_SPARE else list(ordered[:count])


class CommentManager(models.Manager.from_queryset(CommentQuerySet)):
    """The queryset's methods, and the thread's read, which reads the table itself (a manager's, not a queryset's:
    it could not honour a queryset's filters)."""

    def thread_rows(self, article: Article) -> list[str]:
        """The stored rows of a story's thread, in order: one statement, no model instances.

        The uncached story page's one large read, written as SQL: the ORM built this statement anew for every page,
        which took longer than reading the rows (docs/decisions.md). It must return what `thread_rows_queryset`
        does; a test compares the two on both databases.
        """
        with connections[self.db].cursor() as cursor:
            cursor.execute(THREAD_ROWS_SQL, [article.pk])
            return [row for (row,) in cursor.fetchall()]


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
    # The text quotes words the quote check did not find (shown in red): kept with the HTML, so the editors' list of
    # them reads an index rather than every comment's HTML.
    # With a default in the database too: app servers still on the code before it insert comments without it while
    # an upgrade runs (docs/deployment.md).
    misquotes = models.BooleanField(default=False, db_default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True, help_text="Staff only.")
    ip_truncated = models.BooleanField(default=False, editable=False, help_text="The IP was shortened for privacy.")
    redacted = models.BooleanField(default=False)
    redaction_note = models.CharField(max_length=300, blank=True, help_text="Shown in place of a redacted comment.")
    # Removed comments are kept for the audit trail but shown nowhere and counted nowhere.
    removed = models.BooleanField(default=False, editable=False)
    # An editor's change to the text is never silent: this line is shown under the comment.
    moderator_note = models.CharField(max_length=400, blank=True, editable=False)
    # The whole row as its thread shows it (templates/comments/_comment.html), rebuilt whenever the comment changes.
    row_html = models.TextField(default="", editable=False)
    # The one-time token of the form that posted this comment: a double click or a reload posts once.
    submission_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # When its author last changed the text (within COMMENT_EDIT_MINUTES); every earlier text is a CommentRevision.
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CommentManager()

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="comment_unique_number_per_article"),
        ]
        indexes = [
            # Each matches its ORDER BY exactly (ties on the time broken by id), so LIMIT stops early. A nic's also
            # holds what tells whether readers may see the comment, so its page finds a page's ids in the index alone.
            models.Index(fields=["commenter", "-created_at", "-id", "article", "removed"], name="comment_nic_history"),
            models.Index(fields=["-created_at", "-id"], name="comment_latest"),
            # The day's count of shown comments from this index alone, without reading each comment's row to see
            # whether it was removed (the front page's figures).
            models.Index(fields=["created_at"], condition=models.Q(removed=False), name="comment_shown_time"),
            # The editors' search by address (the admin).
            models.Index(fields=["ip"], name="comment_ip"),
            # The admin's rare states, newest first: without them a list of the few removed or redacted comments
            # walks every comment's row.
            models.Index(fields=["-created_at"], condition=models.Q(removed=True), name="comment_removed_time"),
            models.Index(fields=["-created_at"], condition=models.Q(redacted=True), name="comment_redacted_time"),
            models.Index(fields=["-created_at"], condition=~models.Q(moderator_note=""), name="comment_edited_time"),
            models.Index(
                fields=["-created_at"],
                condition=models.Q(misquotes=True, removed=False),
                name="comment_misquoting_time",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} by {self.nic}"

    def get_absolute_url(self) -> str:
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self) -> str:
        return f"c{self.number}"

    def body_html_away(self, body_html: str | None = None) -> SafeString:
        """The rendered body (or an earlier one) for a page that shows the comment away from its thread: a nic page,
        its history, the flag form. Its quotes link to their comments on the story's page, not to this page."""
        # The renderer's own sanitised output, with only the quotes' links changed.
        linked = quotes_linked_to(self.body_html if body_html is None else body_html, self.article.get_absolute_url())
        return mark_safe(linked)  # noqa: S308

    @property
    def nic_url(self) -> str:
        return nic_url(self.nic)

    @property
    def redaction_text(self) -> str:
        """What readers see in place of a redacted comment: the editor's note, or the standard line."""
        return self.redaction_note or REDACTED_TEXT

    @property
    def editors_stepped_in(self) -> bool:
        """An editor has redacted the text or changed it (with a note): its author may no longer edit it, and readers
        no longer see what it said before, which may be what the editor took out."""
        return self.redacted or bool(self.moderator_note)  # as_their_authors_left_them() is its negation in SQL


# Read by the admin alone (docs/security.md).
PRIVATE_FIELDS = ("email", "ip")

# What a list or feed of comments reads of each: never the e-mail or the IP.
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
    "edited_at",
)


class CommentRevision(models.Model):
    """A text a comment had before its author edited it: kept, and shown under the comment's history to editors, and
    to readers until an editor steps in (Comment.editors_stepped_in)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    body_html = models.TextField()
    # When this text was replaced.
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["comment", "replaced_at", "id"]

    def __str__(self) -> str:
        # Shown in the admin under its comment, whose number is on the page; the database id would read as one.
        return f"The text until {timezone.localtime(self.replaced_at):%Y-%m-%d %H:%M %Z}"


class Flag(models.Model):
    """A reader's flag on a comment, with a short reason: one per browser per comment. Editors see the counts and
    reasons in the moderation queue; nobody sees who flagged."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        ABUSE = "abuse", "Abuse or harassment"
        OFF_TOPIC = "off_topic", "Off-topic"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    # SHA-256 of the random token in the flagging browser's signed cookie: enough to count one flag per browser,
    # nothing that says who.
    flagger = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Set when an editor acts on the comment from the queue (redacts, removes, bans) or dismisses its flags.
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "flagger"], name="one_flag_per_browser")]
        indexes = [models.Index(fields=["comment"], condition=models.Q(resolved_at=None), name="flag_open")]

    def __str__(self) -> str:
        # Shown in the admin under its comment: when, rather than the comment's database id, which reads as its number.
        return f"{self.get_reason_display()}, {timezone.localtime(self.created_at):%Y-%m-%d %H:%M %Z}"


class FlaggedComment(Comment):
    """The moderation queue: comments with open flags (comments.admin.FlagQueueAdmin)."""

    class Meta:
        proxy = True
        verbose_name = "flagged comment"
        verbose_name_plural = "moderation queue"


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
        max_length=120,
        help_text="The nic (any spelling), the IP address, or the network as CIDR: 203.0.113.0/24, or "
        "2001:db8:1:2::/64 for everything one IPv6 household or machine uses.",
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
    """The audit trail: who did what to which comment, commenter, ban or story, when and why. Written, never edited
    (but for the shortening of old addresses, see `ips_truncated`)."""

    class Action(models.TextChoices):
        REDACT = "redact", "Redacted"
        UNREDACT = "unredact", "Un-redacted"
        EDIT = "edit", "Edited"
        REMOVE = "remove", "Removed"
        RESTORE = "restore", "Restored"
        BAN = "ban", "Banned"
        CHANGE_BAN = "change_ban", "Changed a ban"
        UNBAN = "unban", "Lifted a ban"
        RELEASE_NIC = "release_nic", "Released a nic"
        PUBLISH = "publish", "Published a story"
        UNPUBLISH = "unpublish", "Unpublished a story"
        CLOSE_COMMENTS = "close_comments", "Closed comments"
        REOPEN_COMMENTS = "reopen_comments", "Reopened comments"
        DISMISS_FLAGS = "dismiss_flags", "Dismissed flags"

    action = models.CharField(max_length=20, choices=Action.choices)
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit")
    commenter = models.ForeignKey(Commenter, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit")
    ban = models.ForeignKey(Ban, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit")
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="story"
    )
    reason = models.CharField(max_length=400, blank=True)
    # What the action replaced (for an edit, the original text), so nothing an editor does is lost.
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The one change an audit row sees: once IP_RETENTION_DAYS have passed, addresses in it are shortened
    # (comments/privacy.py), like the comments' own.
    ips_truncated = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The rows truncate_ips has still to read: the rest of the trail is never read again by it.
            models.Index(fields=["created_at"], condition=models.Q(ips_truncated=False), name="audit_ips_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.moderator} at {self.created_at:%Y-%m-%d %H:%M}"
