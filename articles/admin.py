"""The editor's side: posting, annotating, previewing, publishing and closing stories."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from rantboard.addresses import number_from
from rantboard.admin_search import FewWordsSearch

from . import rendering, services
from .models import Article, EditorProfile, Picture, Region, Subject, editor_note_authors
from .pictures import inspect_picture

MENTION_RE = re.compile(r"\[\[@([\w.+-]{1,150})\s")


def stories(count: int) -> str:
    return f"{count} story" if count == 1 else f"{count} stories"


class ArticleAdminForm(forms.ModelForm):
    source_url = forms.URLField(
        label="Source URL", max_length=1000, assume_scheme="https", help_text=Article.source_url.field.help_text,
        widget=forms.Textarea(attrs={"rows": 2, "class": "story-line"}),
    )  # fmt: skip
    # When the story was last saved as this form found it: a save over another editor's later one is refused with
    # the reason instead of silently undoing it.
    opened_version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = [
            "region",
            "title",
            "slug",
            "source_url",
            "source_name",
            "subjects",
            "lead_note",
            "body",
            "status",
            "published_at",
            "comments_closed",
            "comments_close_at",
        ]
        widgets = {
            # Two-line boxes: a long title or address is seen whole, not cut at the box's edge.
            "title": forms.Textarea(attrs={"rows": 2, "class": "story-line"}),
            "body": forms.Textarea(attrs={"rows": 24, "cols": 100, "class": "vLargeTextField body-source"}),
            "lead_note": forms.Textarea(attrs={"rows": 2, "class": "story-line"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["opened_version"].initial = self.instance.updated_at.isoformat()
        if "comments_close_at" in self.fields:
            days = settings.COMMENTS_OPEN_DAYS
            self.fields["comments_close_at"].help_text = (
                "Comments close by themselves at this time. Left empty, they close "
                f"{days} day{pluralize(days)} after publication, and move with it if the story is rescheduled."
            )

    def clean_title(self):
        return " ".join(self.cleaned_data["title"].split())  # one line, whatever the box allowed

    def clean_lead_note(self):
        lead_note = " ".join(self.cleaned_data["lead_note"].split())
        if PICTURE_RE.search(lead_note):
            raise forms.ValidationError(PICTURE_MESSAGE)
        return lead_note

    def clean_body(self):
        body = self.cleaned_data["body"]
        check_body(body)
        return body

    def clean(self):
        cleaned = super().clean()
        self._check_not_changed_since_opened(cleaned.get("opened_version"))
        self._check_not_filed_already(cleaned.get("title"), cleaned.get("source_url"))
        # A field the editor may not change (no publish or close permission) is read-only: the story's own value.
        published = cleaned.get("published_at", self.instance.published_at)
        closes = cleaned.get("comments_close_at", self.instance.comments_close_at)
        status = cleaned.get("status", self.instance.status)
        moved = False
        if status == Article.Status.PUBLISHED and self.instance.status != Article.Status.PUBLISHED and published:
            # Publishing a draft dated earlier publishes it now (articles.services): its time moves to now.
            now = timezone.now()
            moved, published = published < now, max(published, now)
        if published and closes and closes <= published:
            when = f"now ({timezone.localtime(published):%H:%M}), as a draft dated earlier is" if moved else "then"
            self.add_error(
                "comments_close_at",
                f"Comments would close before the story is published ({when}), so readers could never comment. "
                "Choose a later time, or leave it empty for the usual period after publication.",
            )
        return cleaned

    def _check_not_filed_already(self, title: str | None, source_url: str | None) -> None:
        """A new story with the title and source of one already filed: the add form sent again (the back button
        after saving brings it back filled in), or a second editor filing the same piece."""
        if self.instance.pk or not title or not source_url:
            return
        filed = Article.objects.filter(title=title, source_url=source_url).select_related("posted_by").first()
        if filed is not None:
            by = filed.posted_by.get_full_name() or filed.posted_by.get_username() if filed.posted_by else "someone"
            raise forms.ValidationError(
                format_html(
                    '<a href="{}">This story is filed already</a>, with this title and source, by {} on {}. Open it '
                    "to change it; to file another story from the same source, give this one its own title.",
                    reverse("admin:articles_article_change", args=[filed.pk]),
                    by,
                    f"{timezone.localtime(filed.created_at):%Y-%m-%d %H:%M}",
                ),
                code="filed_already",
            )

    def _check_not_changed_since_opened(self, opened: str | None) -> None:
        """The instance is the story as saved now (read for this request): if it was saved since the form was
        opened, say by whom and when. The form then carries the new version, so saving again is a choice made
        knowing it."""
        if not self.instance.pk or not opened:
            return
        current = self.instance.updated_at.isoformat()
        if opened == current:
            return
        # The page that says so carries the version just read: saving from it again overrides, knowingly. (A bound
        # form renders its data, so the data is where the new version goes.)
        self.data = self.data.copy()
        self.data[self.add_prefix("opened_version")] = current
        # The admin's history names who saved it, when the save was the change form's (an action may have been).
        last = (
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Article), object_id=str(self.instance.pk)
            )
            .select_related("user")
            .first()
        )
        try:
            saved_since = last is not None and last.action_time > dt.datetime.fromisoformat(opened)
        except ValueError:
            saved_since = False
        who = (last.user.get_full_name() or last.user.get_username()) if saved_since else "Someone"
        when = timezone.localtime(self.instance.updated_at).strftime("%H:%M:%S")
        raise forms.ValidationError(
            "%(who)s saved this story at %(when)s, after you opened it, so your changes are not saved yet: saving "
            "now would undo theirs. Open the story in another tab to see it as it stands, bring your changes into "
            "this form, and save again (this form now counts as opened after their save).",
            code="changed_since_opened",
            params={"who": who, "when": when},
        )


# Markdown's image, inline or by reference, and the comments' tag.
PICTURE_RE = re.compile(r"!\[[^\]\n]*\]\s?[(\[]|\[foto\]", re.IGNORECASE)
PICTURE_MESSAGE = (
    "Stories do not show pictures: the picture library and [foto] are for comments. Link to the picture instead, as "
    "[what it shows](https://...)."
)


def _note_inside_a_note(body: str) -> bool:
    """Whether a [[ opens while a note is still open: the renderer would show the outer brackets as text."""
    open_note = False
    for mark in re.finditer(r"\[\[|\]\]", body):
        if mark.group() == "[[":
            if open_note:
                return True
            open_note = True
        else:
            open_note = False
    return False


def check_body(body: str) -> None:
    """What a story's body must be to be saved; the preview runs the same check, so preview and save agree."""
    if len(body) > rendering.MAX_BODY_CHARS:
        raise forms.ValidationError(
            f"The body is {len(body):,} characters long; the most a story can hold is "
            f"{rendering.MAX_BODY_CHARS:,}. Paste the key paragraphs, not the whole source."
        )
    if _note_inside_a_note(body):
        raise forms.ValidationError(
            "A note cannot hold another: a [[ opens inside a note before its ]]. Close the first note with ]] before "
            "the next one opens."
        )
    if PICTURE_RE.search(body):
        # Readers would see nothing where the picture was meant to be (Markdown's image) or the tag as typed.
        raise forms.ValidationError(PICTURE_MESSAGE)
    known = editor_note_authors()
    unknown = sorted({name for name in MENTION_RE.findall(body) if name not in known})
    if unknown:
        # Usernames are matched as typed: "Tobias" for "tobias" is the usual slip, so the right spelling is offered.
        spelled = {name.casefold(): name for name in known}
        meant = [f"{name} (did you mean {spelled[name.casefold()]}?)" if name.casefold() in spelled else name
                 for name in unknown]  # fmt: skip
        raise forms.ValidationError(
            "No editor called %(names)s: a [[@username ...]] note must name an editor's username.",
            params={"names": ", ".join(meant)},
        )


class StatusFilter(admin.SimpleListFilter):
    """The three states the Status column shows. A scheduled story is "published" in the database but not on the
    board yet, so the stored status alone would mix it with the stories readers see."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("published", "Published (readers see it)"), ("scheduled", "Scheduled"), ("draft", "Draft")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "published":
            return queryset.visible()
        if value == "scheduled":
            return queryset.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        if value == "draft":
            return queryset.filter(status=Article.Status.DRAFT)
        return queryset


@admin.register(Article)
class ArticleAdmin(FewWordsSearch, admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "title", "region", "status_label", "published_at", "comment_state", "thread", "view_count", "posted_by",
    ]  # fmt: skip
    list_filter = [StatusFilter, "region", "comments_closed", "posted_by"]
    list_select_related = ["region", "posted_by"]
    date_hierarchy = "published_at"
    # Titles and sources: a search through every story's body read the whole table (seconds on a large archive);
    # the site's search finds words in the text.
    search_fields = ["title", "source_name"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["subjects"]
    readonly_fields = ["posted_by", "view_count", "rendered_body", "renderer_version", "created_at", "updated_at"]
    actions = ["publish", "unpublish", "close_comments", "reopen_comments"]
    fieldsets = [
        (None, {"fields": ["region", "title", "slug", "source_url", "source_name", "subjects"]}),
        ("The story", {"fields": ["lead_note", "body", "rendered_body", "opened_version"]}),
        ("Publishing", {"fields": ["status", "published_at", "comments_closed", "comments_close_at", "view_count"]}),
        ("Record", {"classes": ["collapse"], "fields": ["posted_by", "renderer_version", "created_at", "updated_at"]}),
    ]

    class Media:
        css = {"all": ["css/story.css", "/notes.css"]}  # css/admin.css is on every admin page (admin/base_site.html)
        js = ["js/admin-preview.js"]

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("preview/", preview, name="articles_article_preview"), *super().get_urls()]

    def get_readonly_fields(self, request, obj=None):
        # Publishing and closing are permissions of their own, in the form as in the list actions.
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            fields += ["status", "published_at"]
        if not self.has_close_permission(request):
            fields += ["comments_closed", "comments_close_at"]
        return fields

    def save_model(self, request, obj, form, change):
        services.article_save(
            article=obj,
            editor=request.user,
            may_publish=self.has_publish_permission(request),
            publishing="status" in form.changed_data and "published_at" not in form.changed_data,
        )

    def delete_model(self, request, obj):
        services.articles_delete(articles=[obj])

    def delete_queryset(self, request, queryset):
        services.articles_delete(articles=queryset)

    @admin.display(description="Status", ordering="status")
    def status_label(self, obj: Article) -> str:
        if obj.status == Article.Status.DRAFT:
            return "Draft"
        return "Scheduled" if obj.published_at > timezone.now() else "Published"

    @admin.display(description="Comments")
    def comment_state(self, obj: Article) -> str:
        until = f"{timezone.localtime(obj.closes_at):%Y-%m-%d %H:%M}"
        if obj.comments_open():
            if not obj.is_published:  # a draft or a scheduled story: nobody can comment before readers can see it
                return f"open from publication until {until}"
            return f"open until {until}"
        return "closed"

    @admin.display(description="Thread", ordering="comment_count")
    def thread(self, obj: Article) -> str:
        """The story's comments in the comment list, where the editors moderate them (by its address: the
        articles app never imports comments)."""
        if not obj.comment_count:
            return "no comments"
        link = reverse("admin:comments_comment_changelist") + f"?story={obj.pk}"
        return format_html('<a href="{}">{} comment{}</a>', link, obj.comment_count, pluralize(obj.comment_count))

    @admin.display(description="Rendered body (as saved)")
    def rendered_body(self, obj: Article) -> str:
        # The story's text as its pages show it: the project's own renderer's output, bleached at save.
        preview = render_to_string("articles/_story_text.html", {"article": obj}) if obj.pk else ""
        return format_html(
            '<div class="rendered-preview" data-preview-url="{}" data-story="{}">{}</div>'
            '<p class="help">Saved stories show their lead note and body here as readers see them; the Preview '
            "button shows what is in the boxes now, without saving.</p>",
            reverse("admin:articles_article_preview"),
            obj.pk or "",
            mark_safe(preview),  # noqa: S308 (a template's output)
        )

    # Actions. Each is one write function (articles.services) and reports how many stories it changed.

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("articles.publish_article")

    def has_close_permission(self, request) -> bool:
        return request.user.has_perm("articles.close_comments")

    @admin.action(description="Publish the selected stories", permissions=["publish"])
    def publish(self, request, queryset):
        held = list(services.drafts_closing_before_publication(queryset).values_list("title", flat=True))
        scheduled = list(
            queryset.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now()).values_list(
                "title", "published_at"
            )
        )
        changed = services.articles_publish(articles=queryset, editor=request.user)
        self.message_user(request, f"Published {stories(changed)}.", messages.SUCCESS)
        if scheduled:
            # The action publishes drafts; a scheduled story is published already, for its time.
            titles = ", ".join(f"“{title}” ({timezone.localtime(when):%Y-%m-%d %H:%M})" for title, when in scheduled)
            self.message_user(
                request,
                f"Already scheduled: {titles}. To publish one now, open it and set Published at to now.",
                messages.WARNING,
            )
        if held:
            titles = ", ".join(f"“{title}”" for title in held)
            self.message_user(
                request,
                f"Not published: {titles}. Comments would close before publication, so readers could never comment: "
                "set a later close-at time in the story (or none), then publish.",
                messages.WARNING,
            )

    @admin.action(description="Unpublish the selected stories (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        changed = services.articles_unpublish(articles=queryset, editor=request.user)
        self.message_user(request, f"Moved {stories(changed)} back to draft.", messages.SUCCESS)

    @admin.action(description="Close comments on the selected stories", permissions=["close"])
    def close_comments(self, request, queryset):
        changed = services.articles_close_comments(articles=queryset, editor=request.user)
        self.message_user(request, f"Closed comments on {stories(changed)}.", messages.SUCCESS)

    @admin.action(description="Reopen comments on the selected stories", permissions=["close"])
    def reopen_comments(self, request, queryset):
        changed = services.articles_reopen_comments(articles=queryset, editor=request.user)
        self.message_user(
            request,
            f"Reopened comments on {stories(changed)}. Stories past their close-at time stay closed until "
            "that time is moved.",
            messages.SUCCESS,
        )

    def preview_view(self, request):
        """The lead note and body in the boxes, as readers will see them once saved, without saving: what the
        Preview button shows. The same check as saving (an error instead of a preview of what would be refused),
        the same renderer, and the same author: the story's editor, not necessarily the one previewing."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        body = request.POST.get("body", "")
        try:
            check_body(body)
        except forms.ValidationError as error:
            # Shown in the preview's place, as the answer to "what would this look like".
            message = format_html('<p class="errornote">{}</p>', " ".join(error.messages))
            return HttpResponse(message, content_type="text/html; charset=utf-8")
        story_pk = number_from(request.POST.get("story", ""), digits=18)
        saved = Article.objects.filter(pk=story_pk).select_related("posted_by").first() if story_pk else None
        article = Article(body=body, lead_note=request.POST.get("lead_note", ""))
        article.posted_by = saved.posted_by if saved else request.user
        article.render()
        html = render_to_string("articles/_story_text.html", {"article": article})
        return HttpResponse(html, content_type="text/html; charset=utf-8")


class FilingAdmin(FewWordsSearch, admin.ModelAdmin):
    """Regions, subjects, pictures and note colours are saved and deleted through the write functions, which retire
    the pages and derived caches that show them."""

    def save_model(self, request, obj, form, change):
        services.filing_save(instance=obj)

    def delete_model(self, request, obj):
        services.filing_delete(instances=[obj])

    def delete_queryset(self, request, queryset):
        services.filing_delete(instances=queryset)


@admin.register(Region)
class RegionAdmin(FilingAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Subject)
class SubjectAdmin(FilingAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(EditorProfile)
class EditorProfileAdmin(FilingAdmin):
    list_display = ["user", "swatch", "note_colour"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]

    class Media:
        css = {"all": ["css/story.css", "/notes.css"]}

    @admin.display(description="Notes look like")
    def swatch(self, obj: EditorProfile) -> str:
        return format_html('<span class="note {}">Editor\'s note</span>', obj.css_class)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # An editor keeps their own colour; choosing other people's is for superusers.
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["user"]

    def has_add_permission(self, request):
        return request.user.is_superuser


class _Served(str):
    """A stored file's name, with the address the board serves it at (its `url`, as Django's file input reads it)."""

    url = ""


class PictureInput(forms.ClearableFileInput):
    """Django's file input, its "Currently" link pointing at the picture's own address: library files are served by
    a view at /pictures/<name> (with their stored type and a sandbox), never from MEDIA_URL."""

    address = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.address and context["widget"]["is_initial"]:
            served = _Served(str(value))
            served.url = self.address
            context["widget"]["value"] = served
        return context


class PictureAdminForm(forms.ModelForm):
    class Meta:
        model = Picture
        fields = ["name", "image", "alt_text"]
        widgets = {"image": PictureInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["image"].widget.address = self.instance.get_absolute_url()

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image and hasattr(image, "size") and "image" in self.changed_data:
            self.picture_info = inspect_picture(image)
        return image


@admin.register(Picture)
class PictureAdmin(FilingAdmin):
    form = PictureAdminForm
    list_display = ["name", "thumbnail", "tag", "alt_text", "width", "height", "uploaded_by", "created_at"]
    list_select_related = ["uploaded_by"]
    search_fields = ["name", "alt_text"]
    readonly_fields = ["thumbnail", "tag", "content_type", "width", "height", "uploaded_by", "created_at"]

    @admin.display(description="In a comment")
    def tag(self, obj: Picture) -> str:
        """What a commenter (or an editor telling one) types to show it: the Foto button writes the same."""
        return f"[foto]{obj.name}[/foto]" if obj.name else ""

    @admin.display(description="Picture")
    def thumbnail(self, obj: Picture) -> str:
        if not obj.pk:
            return ""
        return format_html(
            '<img src="{}" alt="{}" class="picture-thumbnail" width="120">', obj.get_absolute_url(), obj.alt_text
        )

    def save_model(self, request, obj, form, change):
        info = getattr(form, "picture_info", None)
        if info is not None:
            obj.content_type = info.content_type
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)
