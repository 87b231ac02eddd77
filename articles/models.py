"""Stories and what files them: regions, subjects, editors' note colours, and the article itself."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from rantboard.addresses import address
from rantboard.pagecache import remember

from . import rendering
from .defaults import default_published_at
from .validators import hex_colour, note_colour_not_the_pages, readable_note_colour

# Derived data kept in the cache; the write functions (articles.services) forget them when their rows change.
NOTES_CSS_CACHE_KEY = "articles:notes-css:v1"
PICTURES_CACHE_KEY = "articles:pictures:v1"
STORY_STATS_CACHE_KEY = "articles:story-stats:v3"  # the front page's counts of stories


# Kept as the pages are (`pagecache.remember`: until any change but a comment's).
NAV_CACHE_KEY = "articles:nav-regions:v4"
PICTURE_NAMES_CACHE_KEY = "articles:picture-names:v2"


def story_cache_key(pk: int) -> str:
    """A story read with its region, editor and subjects, as its page keeps it (`pagecache.remember`)."""
    return f"articles:story:{pk}"


class NavRegion(NamedTuple):
    """A region as the navigation shows it: plain values, quick to read back from the cache."""

    pk: int
    name: str
    url: str


class RegionQuerySet(models.QuerySet):
    def nav(self) -> list[NavRegion]:
        """The regions for the site navigation, kept as the pages are (until a change to stories or what files them)."""
        return remember(
            NAV_CACHE_KEY,
            lambda: [NavRegion(r.pk, r.name, r.get_absolute_url()) for r in self.order_by("position", "name")],
        )


class Region(models.Model):
    """Where a story is filed ("China-Japan-Koreas"); the front page groups stories under these."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first on the front page.")

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return address("articles:region", self.slug)


class Subject(models.Model):
    """A "File under" tag; a story has any number of them."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return address("articles:subject", self.slug)


class EditorProfile(models.Model):
    """What the board needs to know about an editor beyond the login: the shade of their notes."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="editor_profile")
    note_colour = models.CharField(
        max_length=7,
        default="#fff3c4",
        validators=[hex_colour, readable_note_colour, note_colour_not_the_pages],
        help_text="Background of this editor's notes. Pick a light shade so the text stays readable.",
    )

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(note_colour__regex=r"^#[0-9a-fA-F]{6}$"), name="editorprofile_note_colour_hex"
            )
        ]

    def __str__(self) -> str:
        # Not the colour: a refused one would show in the page title and breadcrumbs as if it were saved.
        return self.user.get_username()

    @property
    def css_class(self) -> str:
        return f"note-e{self.user_id}"


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def note_author(user) -> rendering.NoteAuthor:
    return rendering.NoteAuthor(
        username=user.get_username(), display_name=display_name(user), css_class=f"note-e{user.pk}"
    )


def visible_to_readers(prefix: str = "") -> Q:
    """What readers may see of stories: published, and not scheduled for later. The one definition: stories use it
    through `Article.objects.visible()`, comments through `Comment.objects.visible()` (prefix "article__")."""
    return Q(**{f"{prefix}status": Article.Status.PUBLISHED, f"{prefix}published_at__lte": timezone.now()})


class ArticleQuerySet(models.QuerySet):
    def visible(self) -> ArticleQuerySet:
        """What readers may see: published and not scheduled for later."""
        return self.filter(visible_to_readers())

    def in_region(self, region: Region) -> ArticleQuerySet:
        return self.filter(region=region)

    def for_listing(self) -> ArticleQuerySet:
        """Everything a list of stories shows, in a fixed number of queries whatever its length."""
        return self.select_related("region", "posted_by").defer("body", "lead_note", "body_html")

    def closing_between(self, start: dt.datetime, end: dt.datetime) -> ArticleQuerySet:
        """Stories whose comments are open and close by themselves in [start, end): `Article.comments_open` and
        `closes_at` as a query (none while comments are closed site-wide)."""
        if settings.COMMENTS_CLOSED_SITEWIDE:
            return self.none()
        usual = dt.timedelta(days=settings.COMMENTS_OPEN_DAYS)
        return self.filter(comments_closed=False).filter(
            Q(comments_close_at__gte=start, comments_close_at__lt=end)
            | Q(comments_close_at__isnull=True, published_at__gte=start - usual, published_at__lt=end - usual)
        )

    def for_page(self) -> ArticleQuerySet:
        """Everything a story block shows: region, editor and subjects (by name) in two queries."""
        return self.select_related("region", "posted_by").prefetch_related(
            models.Prefetch("subjects", queryset=Subject.objects.order_by("name"))
        )


class Article(models.Model):
    """A news story: the source's key paragraphs with an editor's notes, filed under a region."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="articles")
    subjects = models.ManyToManyField(Subject, blank=True, related_name="articles", verbose_name="file under")
    title = models.CharField(max_length=250)
    slug = models.SlugField(max_length=250, allow_unicode=False)
    source_url = models.URLField("source URL", max_length=1000, help_text="The headline links here.")
    source_name = models.CharField(max_length=120, help_text='Shown as the [Source] tag, e.g. "Kyodo".')
    lead_note = models.CharField(
        max_length=500, blank=True, help_text="The editor's one-line introduction, shown above the body."
    )
    body = models.TextField(
        blank=True,
        help_text="Markdown. [[note]] is an editor's note; a paragraph that is only [[note]] is a block note; "
        "[[@username note]] credits another editor.",
    )
    body_html = models.TextField(editable=False, default="")
    lead_note_html = models.TextField(editable=False, default="")
    renderer_version = models.PositiveSmallIntegerField(editable=False, default=0)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="articles")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        default=default_published_at, help_text="A time in the future schedules the story."
    )
    comments_closed = models.BooleanField(default=False, help_text="Closed by an editor, whatever the date.")
    comments_close_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Comments close by themselves at this time. Left empty, they close the board's usual number of "
        "days after publication, and move with it if the story is rescheduled.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Kept by the comments write path in the same transaction as each comment, so that lists show comment figures
    # without a query per story. last_comment_number only grows: comment numbers are never reused.
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    last_comment_number = models.PositiveIntegerField(default=0, editable=False)
    last_comment_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_comment_nic = models.CharField(max_length=40, blank=True, editable=False)
    # Readers who opened the story's page, added in batches by articles.readership (VIEW_FLUSH_SECONDS late).
    view_count = models.PositiveIntegerField("views", default=0, editable=False)

    # Figures kept by their own writes (comments, views) while an editor has the story open: saving the editor's
    # form never writes them back (articles.services.article_save).
    TALLIES = ("comment_count", "last_comment_number", "last_comment_at", "last_comment_nic", "view_count")

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_published"),
            models.Index(fields=["region", "status", "-published_at"], name="article_region_published"),
            # The archive's comment total, asked again after every comment, is the sum of the stories' counts:
            # read from this index alone, not from every story's row (docs/decisions.md, Speed).
            models.Index(fields=["comment_count"], name="article_comment_count"),
            # The newsroom's "closing today" (closing_between): open stories by their close-at time, and those
            # closing the usual days after publication by that.
            models.Index(fields=["comments_close_at"], condition=Q(comments_closed=False), name="article_closing_at"),
            models.Index(
                fields=["published_at"],
                condition=Q(comments_closed=False, comments_close_at__isnull=True),
                name="article_closing_usually",
            ),
        ]
        permissions = [
            ("publish_article", "Can publish and unpublish stories"),
            ("close_comments", "Can close and reopen comments on stories"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:250] or "story"
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {"body", "lead_note", "posted_by"} & set(update_fields):
            self.render()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "body_html", "lead_note_html", "renderer_version"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return address("articles:detail", self.pk, self.slug)

    @property
    def is_published(self) -> bool:
        """Whether readers may see it (`visible_to_readers`, for a story already loaded)."""
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    @property
    def closes_at(self) -> dt.datetime:
        """When comments close by themselves: the editor's time, or publication plus COMMENTS_OPEN_DAYS."""
        if self.comments_close_at is not None:
            return self.comments_close_at
        return self.published_at + dt.timedelta(days=settings.COMMENTS_OPEN_DAYS)

    def comments_open(self, now: dt.datetime | None = None) -> bool:
        if self.comments_closed or settings.COMMENTS_CLOSED_SITEWIDE:
            return False
        return (now or timezone.now()) < self.closes_at

    def render(self, editors: dict[str, rendering.NoteAuthor] | None = None) -> None:
        """Store the HTML of the body and lead note; called at save, and by `manage.py rerender_articles`."""
        if editors is None:
            editors = editor_note_authors()
        author = note_author(self.posted_by)
        self.body_html = rendering.render_body(self.body, author=author, editors=editors)
        self.lead_note_html = rendering.render_note(self.lead_note)
        self.renderer_version = rendering.RENDERER_VERSION


def editor_note_authors() -> dict[str, rendering.NoteAuthor]:
    """Every staff member who can be credited with a note, by username."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_staff=True)
    return {user.get_username(): note_author(user) for user in users}


picture_name = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{0,39}$",
    "Use lower-case letters, digits, - and _ (up to 40), starting with a letter or digit; e.g. harbour-map.",
)


class PictureQuerySet(models.QuerySet):
    def names(self) -> list[str]:
        """The names in the library, for the comment form's picker; kept as the pages are."""
        return remember(PICTURE_NAMES_CACHE_KEY, lambda: list(self.order_by("name").values_list("name", flat=True)))


class Picture(models.Model):
    """A picture of the site's own library, uploaded by an editor; commenters show it with [foto]name[/foto]."""

    name = models.CharField(max_length=40, unique=True, validators=[picture_name])
    image = models.ImageField(upload_to="pictures/%Y/%m/", width_field="width", height_field="height")
    alt_text = models.CharField(max_length=200, help_text="What the picture shows, for readers who cannot see it.")
    content_type = models.CharField(max_length=40, editable=False)
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PictureQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:picture", kwargs={"name": self.name})
