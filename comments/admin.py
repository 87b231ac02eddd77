"""Moderation in the admin: find comments, redact, edit with a visible note, remove, ban, and read the audit trail.

Every change goes through comments.moderation, so counts stay right and each action leaves an audit row.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin  # registers Django's user admin, replaced below
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timesince import timesince

from articles.models import Article
from rantboard.addresses import number_from
from rantboard.admin_search import FewWordsSearch
from rantboard.client_ip import IPV6_VISITOR_PREFIX, parse_address, rate_scope
from search.queries import MAX_QUERY_CHARS, matching_words

from . import defences, moderation
from .models import REDACTED_TEXT, Ban, Comment, Commenter, CommentRevision, Flag, FlaggedComment, ModerationAction
from .nics import nic_key

# Intermediate forms for the actions that need a reason, a note or an expiry.


class RedactForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=300,
        help_text=f"Shown in place of the comment. Empty: “{REDACTED_TEXT}”",
    )


class ExpiryMixin(forms.Form):
    reason = forms.CharField(max_length=300, help_text="Why. Kept in the audit trail.")
    expires_in_days = forms.IntegerField(
        required=False, min_value=1, max_value=3650, help_text="Empty: the ban never expires."
    )

    def expires_at(self) -> dt.datetime | None:
        days = self.cleaned_data.get("expires_in_days")
        return timezone.now() + dt.timedelta(days=days) if days else None


class BanForm(ExpiryMixin):
    # One prefix per IP version: a selection may hold both, and a /24 means nothing to an IPv6 address.
    ipv4_prefix = forms.IntegerField(
        required=False,
        min_value=8,
        max_value=32,
        label="IPv4 network prefix",
        help_text="Ban the network around each IPv4 address: 24 bans a.b.c.0/24. Empty: the address alone.",
    )
    ipv6_prefix = forms.IntegerField(
        required=False,
        initial=IPV6_VISITOR_PREFIX,
        min_value=32,
        max_value=128,
        label="IPv6 network prefix",
        help_text="64 bans the /64 around each IPv6 address: everything one household or machine can pick "
        "addresses from at will. Empty: the address alone.",
    )


class RemoveAndBanForm(ExpiryMixin):
    days = forms.IntegerField(
        min_value=1, max_value=3650, initial=7, help_text="Remove their comments of this many days."
    )
    by_nic = forms.BooleanField(required=False, initial=True, label="Remove and ban the nics")
    by_ip = forms.BooleanField(
        required=False,
        initial=True,
        label="Remove and ban the IP addresses",
        help_text="An IPv6 address's whole /64: everything one household or machine can pick addresses from.",
    )


class RemoveForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False, help_text="Kept in the audit trail.")


def _warn_of_quotes(request, comments) -> None:
    """Redacting or removing a comment hides it, not the checked quotes of it in later replies: say which replies
    still show its words, so an editor can edit each (an edit is never silent, so it cannot be done for them)."""
    if quoting := moderation.quoting(comments):
        links = format_html_join(
            ", ", '<a href="{}">#{}</a>',
            ((reverse("admin:comments_comment_change", args=[c.pk]), c.number) for c in quoting),
        )  # fmt: skip
        messages.warning(
            request,
            format_html("Still quoted in {}: those replies show its words in their quotes. Edit each to take them out.",
                        links),
        )  # fmt: skip


def _intermediate(modeladmin, request, queryset, form_class, title, action, perform):
    """Show a form for the selected comments; on "Apply", run perform(form) and go back to the list."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        message = perform(form)
        if not form.errors:  # perform() may still find the input wrong: then the form says why, again
            modeladmin.message_user(request, message, messages.SUCCESS)
            return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "queryset": queryset[:50],
        "count": queryset.count(),
        "action": action,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
    }
    return TemplateResponse(request, "admin/comments/action_form.html", context)


PARTIAL_ADDRESS = re.compile(r"(?:\d{1,3}\.){1,3}\d{0,3}|[0-9a-fA-F]{1,4}:[0-9a-fA-F:]*")  # "203.0.113." or "2001:db8:"


def _network_start(term: str) -> str | None:
    """How the addresses of a network typed as such begin, as stored (compressed): `2001:db8:1:2::` as people
    write a /64, or `203.0.113.0/24` and `2001:db8:1:2::/64` on whole bytes or groups. None for anything else (a
    network whose leading groups hold a zero, which compression may have written as `::`, is not found this way)."""
    term = term.lower()  # addresses are stored in lower case; PostgreSQL's LIKE minds the case
    if term.endswith("::") and term.count("::") == 1 and PARTIAL_ADDRESS.fullmatch(term):
        return term[:-1]
    if "/" not in term:
        return None
    try:
        network = ipaddress.ip_network(term, strict=False)
    except ValueError:
        return None
    if network.prefixlen == network.max_prefixlen:
        return None  # one address: found exactly, below
    if network.version == 4:
        if network.prefixlen % 8 or not network.prefixlen:
            return None
        return ".".join(str(network.network_address).split(".")[: network.prefixlen // 8]) + "."
    groups = network.network_address.exploded.split(":")[: network.prefixlen // 16]
    if network.prefixlen % 16 or not groups or "0000" in groups:
        return None
    return ":".join(group.lstrip("0") for group in groups) + ":"


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("shown", "Shown"), ("redacted", "Redacted"), ("edited", "Edited"), ("removed", "Removed"),
            ("not_removed", "Not removed (in their threads)"),
            ("misquoting", "Quoting words not found (shown in red)"),
        ]  # fmt: skip

    def queryset(self, request, queryset):
        value = self.value()
        if value == "not_removed":
            return queryset.shown()  # what the threads hold and the newsroom counts: redacted ones too, with a note
        if value == "shown":
            return queryset.filter(removed=False, redacted=False)
        if value == "redacted":
            return queryset.filter(redacted=True, removed=False)
        if value == "edited":
            return queryset.exclude(moderator_note="")
        if value == "removed":
            return queryset.filter(removed=True)
        if value == "misquoting":
            return queryset.filter(misquotes=True, removed=False)
        return queryset


class _TopFilter(admin.SimpleListFilter):
    """Filter by one story or nic: the busiest ten are offered, and any other arrives by a link from the list."""

    field = ""
    label_field = ""

    def lookups(self, request, model_admin):
        busiest = (
            model_admin.filter_candidates()
            .values(self.field, self.label_field)
            .annotate(n=Count("id"))
            .order_by("-n")[:10]
        )
        choices = [(str(row[self.field]), f"{row[self.label_field]} ({row['n']})") for row in busiest]
        if self.value() and self.value() not in {value for value, _ in choices}:
            choices.insert(0, (self.value(), self.current_label()))
        return choices

    def current_label(self) -> str:
        return self.value()

    def queryset(self, request, queryset):
        value = self.value() or ""
        if (number := number_from(value, digits=18)) is not None:
            return queryset.filter(**{self.field: number})
        if value:
            return queryset.none()  # not an id: nothing matches, rather than an error
        return queryset


class StoryFilter(_TopFilter):
    title = "story"
    parameter_name = "story"
    field = "article_id"
    label_field = "article__title"


class NicFilter(_TopFilter):
    title = "nic"
    parameter_name = "commenter"
    field = "commenter_id"
    label_field = "commenter__nic"


class CommentAdminForm(forms.ModelForm):
    # Both notes run to 300 characters and readers see them whole: boxes that show them whole, not a one-line input
    # that scrolls the end out of sight.
    edit_note = forms.CharField(
        required=False,
        max_length=300,
        label="Why you edited it",
        help_text="Required when you change the text. Shown under the comment, after your name.",
        widget=forms.Textarea(attrs={"rows": 2, "class": "note-box"}),
    )

    editor = None  # the editor using the form (CommentAdmin.get_form), named in the help text as readers will see

    class Meta:
        model = Comment
        fields = ["body", "redacted", "redaction_note"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 8, "cols": 80}),
            "redaction_note": forms.Textarea(attrs={"rows": 3, "class": "note-box"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.editor is not None:
            prefix = moderation.edit_note_prefix(self.editor)
            self.fields[
                "edit_note"
            ].help_text = f"Required when you change the text. Shown under the comment as “{prefix} …”."

    def clean(self):
        cleaned = super().clean()
        if "body" in self.changed_data and not cleaned.get("edit_note", "").strip():
            self.add_error("edit_note", "Say why you changed the text: readers see the note, never a silent edit.")
        return cleaned


class RecordInline(admin.TabularInline):
    """A record kept with the comment, shown and never changed in the admin."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FlagInline(RecordInline):
    """Readers' flags on the comment: the reason and when, never who."""

    model = Flag
    fields = ["created_at", "reason", "resolved_at"]
    verbose_name_plural = "Readers' flags"


class RevisionInline(RecordInline):
    """The texts the comment had before its author edited it."""

    model = CommentRevision
    fields = ["replaced_at", "body"]
    verbose_name_plural = "Earlier texts (edited by the author)"


class AuditInline(RecordInline):
    model = ModerationAction
    fk_name = "comment"
    fields = ["created_at", "action", "moderator", "reason", "before", "after"]
    verbose_name_plural = "Audit trail"


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    form = CommentAdminForm
    list_display = ["label", "story", "nic_link", "excerpt", "created_at", "ip", "state"]
    list_filter = [StateFilter, StoryFilter, NicFilter, "article__region", "created_at"]
    list_select_related = ["article"]
    search_fields = ["body"]  # shows the search box; get_search_results below answers it, along indexes
    search_help_text = (
        "Words of a comment, its nic or its story's title; the start of a nic; an IP address (exactly), its start or "
        "its network (203.0.113.0/24, 2001:db8:1:2::); an e-mail address or @domain."
    )
    ordering = ["-created_at"]
    # On a board of half a million comments: "Show counts" ran for minutes (a subquery per filter choice), and the
    # total and the month links each read the whole table; the "Posted" filter does what the month links did.
    show_facets = admin.ShowFacets.NEVER
    show_full_result_count = False
    readonly_fields = [
        "article", "number", "nic", "commenter", "email", "website", "ip", "created_at", "moderator_note",
        "removed", "rendered", "nic_record",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["article", "number", "nic", "commenter", "nic_record", "created_at", "rendered"]}),
        ("Private (staff only)", {"fields": ["email", "ip", "website"]}),
        ("Moderation", {"fields": ["redacted", "redaction_note", "body", "edit_note", "moderator_note", "removed"]}),
    ]
    inlines = [RevisionInline, FlagInline, AuditInline]
    actions = ["redact", "unredact", "remove", "restore", "ban_nics", "ban_ips", "remove_and_ban"]

    def get_search_results(self, request, queryset, search_term):
        """The search box, along indexes: Django's own search looks for the words anywhere in five columns, a read
        of the whole table (seconds on a board of half a million comments), and finds 198.51.100.70 for .7. Words
        are looked up in the comments' text and nics, in the nics' starts and in the stories' titles; an address is
        matched exactly, the start of one (`203.0.113.`) as a start; an e-mail address exactly, `@domain` as an end."""
        term = search_term.strip()[:MAX_QUERY_CHARS]
        if not term:
            return queryset, False
        if (start := _network_start(term)) is not None:
            return queryset.filter(ip__startswith=start), False
        if (address := parse_address(term.split("/")[0] if term.endswith(("/32", "/128")) else term)) is not None:
            return queryset.filter(ip=str(address)), False
        if PARTIAL_ADDRESS.fullmatch(term):
            return queryset.filter(ip__startswith=term), False
        if "@" in term and " " not in term:
            lookup = "email__iendswith" if term.startswith("@") else "email__iexact"
            return queryset.filter(**{lookup: term}), False
        nics = Commenter.objects.filter(nic__istartswith=term).values("pk")
        stories = Article.objects.filter(title__icontains=term).values("pk")
        found = matching_words(queryset, term) | queryset.filter(Q(commenter__in=nics) | Q(article__in=stories))
        return found, False

    def filter_candidates(self):
        """The comments whose stories and nics the "By story" and "By nic" filters offer: the last day's, busiest
        first (a busy board's week is too many to count on every list page)."""
        return Comment.objects.filter(created_at__gte=timezone.now() - dt.timedelta(days=1))

    @admin.display(description="Comment", ordering="number")
    def label(self, obj: Comment) -> str:
        return f"#{obj.number}"

    @admin.display(description="Story", ordering="article__title")
    def story(self, obj: Comment) -> str:
        return format_html('<a href="?story={}">{}</a>', obj.article_id, Truncator(obj.article.title).chars(50))

    @admin.display(description="Nic", ordering="nic")
    def nic_link(self, obj: Comment) -> str:
        return format_html('<a href="?commenter={}">{}</a>', obj.commenter_id, obj.nic)

    @admin.display(description="Text")
    def excerpt(self, obj: Comment) -> str:
        return Truncator(obj.body).chars(90)

    @admin.display(description="State")
    def state(self, obj: Comment) -> str:
        if obj.removed:
            return "removed"
        if obj.redacted:
            return "redacted"
        return "edited" if obj.moderator_note else "shown"

    @admin.display(description="This nic's record")
    def nic_record(self, obj: Comment) -> str:
        """Readers' flags on everything the nic wrote, the bans on it and on the addresses it wrote from, so an
        editor judges the nic, not one comment. Who flagged is never shown."""
        flags = Flag.objects.filter(comment__commenter_id=obj.commenter_id)
        figures = flags.aggregate(
            total=Count("id"), open=Count("id", filter=Q(resolved_at=None)), comments=Count("comment", distinct=True)
        )
        labels = dict(Flag.Reason.choices)
        counts = {row["reason"]: row["n"] for row in flags.values("reason").annotate(n=Count("id")).order_by()}
        reasons = [(labels[reason], n) for reason, n in moderation.weighed_reasons(counts)]  # as the queue weighs
        key = nic_key(obj.nic)  # what a nic ban is matched by (a set-aside commenter's own key is not)
        nic_bans = [ban for ban in Ban.objects.active().filter(kind=Ban.Kind.NIC) if nic_key(ban.value) == key]
        # The addresses are those still kept whole (IP_RETENTION_DAYS): a few per nic, against the bans in force, a
        # short table. Older addresses are shortened to their network and say nothing about one commenter.
        since = timezone.now() - dt.timedelta(days=settings.IP_RETENTION_DAYS)
        addresses = (
            Comment.objects.filter(commenter_id=obj.commenter_id, created_at__gte=since, ip__isnull=False)
            .order_by()  # the model's ordering would make DISTINCT one row per comment, not per address
            .values_list("ip", flat=True)
            .distinct()[:200]
        )
        context = {
            **figures,
            "reasons": reasons,
            "queue": reverse("admin:comments_flaggedcomment_changelist") + f"?commenter={obj.commenter_id}",
            "nic_bans": nic_bans,
            "address_bans": moderation.address_bans(addresses),
            "days": settings.IP_RETENTION_DAYS,
        }
        return render_to_string("admin/comments/_nic_record.html", context)

    @admin.display(description="As readers see it")
    def rendered(self, obj: Comment) -> str:
        if obj.removed:
            return format_html('<p class="help">{}</p>', "Removed: readers see nothing of it (kept for the audit).")
        # The thread's own template (the redaction note in place of a redacted text), as the nic pages use it: its
        # number and Quote links lead to the story. The stored row's "#c7" and "?quote=7" lead nowhere in the admin.
        row = render_to_string("comments/_comment.html", {"comment": obj, "with_story": True})
        return format_html('<div class="comment-preview">{}</div>', mark_safe(row))  # noqa: S308

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"editor": request.user})

    def has_add_permission(self, request):
        return False  # comments are posted on the site, through the one write path

    def has_delete_permission(self, request, obj=None):
        return False  # removal keeps the comment for the audit trail; see the "Remove" action

    def save_model(self, request, obj, form, change):
        original = Comment.objects.get(pk=obj.pk)
        if "body" in form.changed_data:
            moderation.comment_edit(
                comment=original,
                moderator=request.user,
                body=form.cleaned_data["body"],
                note=form.cleaned_data["edit_note"],
            )
        if "redacted" in form.changed_data or "redaction_note" in form.changed_data:
            if form.cleaned_data["redacted"]:
                moderation.comment_redact(
                    comment=original, moderator=request.user, note=form.cleaned_data["redaction_note"]
                )
                _warn_of_quotes(request, [original])
            else:
                moderation.comment_unredact(comment=original, moderator=request.user)
        obj.refresh_from_db()

    # Actions

    def has_ban_permission(self, request) -> bool:
        return request.user.has_perm("comments.add_ban")

    @admin.action(description="Redact the selected comments (hide the text, show a note)", permissions=["change"])
    def redact(self, request, queryset):
        def perform(form):
            comments = list(queryset)  # before acting: a list filtered by state would lose them after
            note = form.cleaned_data["note"]
            done = sum(moderation.comment_redact(comment=c, moderator=request.user, note=note) for c in comments)
            _warn_of_quotes(request, comments)
            already = len(comments) - done
            return f"Redacted {done} comment(s)." + (f" {already} already were, with that note." if already else "")

        return _intermediate(self, request, queryset, RedactForm, "Redact comments", "redact", perform)

    @admin.action(description="Show the selected comments' text again (un-redact)", permissions=["change"])
    def unredact(self, request, queryset):
        for comment in queryset.filter(redacted=True):
            moderation.comment_unredact(comment=comment, moderator=request.user)
        self.message_user(request, "The selected comments show their text again.", messages.SUCCESS)

    @admin.action(description="Remove the selected comments from their threads", permissions=["change"])
    def remove(self, request, queryset):
        def perform(form):
            comments = list(queryset)  # before acting: a list filtered by state would lose them after
            n = moderation.comments_remove(
                comments=queryset, moderator=request.user, reason=form.cleaned_data["reason"]
            )
            _warn_of_quotes(request, comments)
            return f"Removed {n} comment(s)."

        return _intermediate(self, request, queryset, RemoveForm, "Remove comments", "remove", perform)

    @admin.action(description="Restore the selected removed comments", permissions=["change"])
    def restore(self, request, queryset):
        n = moderation.comments_restore(comments=queryset, moderator=request.user)
        self.message_user(request, f"Restored {n} comment(s).", messages.SUCCESS)

    @admin.action(description="Ban the nics of the selected comments", permissions=["ban"])
    def ban_nics(self, request, queryset):
        def perform(form):
            # A nic ban holds every nic that looks like its value: a set-aside commenter's would hold the owner of
            # the look too, so those are left for a ban on their addresses.
            comments = list(queryset.select_related("commenter"))
            nics = sorted({c.nic for c in comments if not c.commenter.set_aside})
            for nic in nics:
                moderation.ban_create(
                    kind=Ban.Kind.NIC, value=nic, reason=form.cleaned_data["reason"], moderator=request.user,
                    expires_at=form.expires_at(),
                )  # fmt: skip
            left = sorted({c.nic for c in comments if c.commenter.set_aside})
            also = f" Not banned, as their nics now look like other commenters': {', '.join(left)}." if left else ""
            return f"Banned {len(nics)} nic(s): {', '.join(nics)}.{also}"

        return _intermediate(self, request, queryset, ExpiryMixin, "Ban nics", "ban_nics", perform)

    @admin.action(description="Ban the IP addresses (or networks) of the selected comments", permissions=["ban"])
    def ban_ips(self, request, queryset):
        def perform(form):
            try:
                bans = moderation.ban_addresses(
                    addresses=sorted({c.ip for c in queryset if c.ip}), reason=form.cleaned_data["reason"],
                    moderator=request.user, ipv4_prefix=form.cleaned_data["ipv4_prefix"],
                    ipv6_prefix=form.cleaned_data["ipv6_prefix"], expires_at=form.expires_at(),
                )  # fmt: skip
            except ValueError as exc:
                form.add_error(None, str(exc))
                return None
            return f"Made {len(bans)} ban(s): {', '.join(ban.value for ban in bans)}."

        return _intermediate(self, request, queryset, BanForm, "Ban IP addresses", "ban_ips", perform)

    @admin.action(
        description="Remove everything by these nics / IPs in the last N days, and ban them",
        permissions=["change", "ban"],
    )
    def remove_and_ban(self, request, queryset):
        def perform(form):
            removed = 0
            bans = []
            comments = list(queryset)
            nics = {c.nic for c in comments} if form.cleaned_data["by_nic"] else set()
            # One address per visitor: two comments from one IPv6 household make one ban on its /64, not two.
            places = {rate_scope(c.ip): c.ip for c in comments if c.ip} if form.cleaned_data["by_ip"] else {}
            targets = [(nic, "") for nic in sorted(nics)] + [("", ip) for ip in places.values()]
            for nic, ip in targets:
                n, made = moderation.remove_and_ban(
                    moderator=request.user, reason=form.cleaned_data["reason"], days=form.cleaned_data["days"],
                    nic=nic, ip=ip or "", expires_at=form.expires_at(),
                )  # fmt: skip
                removed += n
                bans += made
            return f"Removed {removed} comment(s) and made {len(bans)} ban(s): {', '.join(ban.value for ban in bans)}."

        return _intermediate(self, request, queryset, RemoveAndBanForm, "Remove and ban", "remove_and_ban", perform)


OPEN = Q(flags__resolved_at=None)

# The queue's one-click buttons: (what the button says, the verb in its address, needs the ban permission too).
ONE_CLICK = [("Redact", "redact", False), ("Remove", "remove", False), ("Ban nic", "ban", True),
             ("Dismiss", "dismiss", False)]  # fmt: skip


@admin.register(FlaggedComment)
class FlagQueueAdmin(CommentAdmin):
    """The moderation queue: comments readers flagged and no editor has dealt with yet, most-flagged and newest
    first. Each action is a moderation write function (so it lands in the audit trail) and closes the flags.

    Besides the list's actions (several comments at once, with a form for the note or reason), each row has one-click
    buttons whose note and reason come from the row's flags."""

    list_display = ["label", "story", "nic_link", "excerpt", "open_flags", "reasons", "latest_flag"]
    list_filter = [StoryFilter, NicFilter, "article__region"]
    actions = ["redact", "remove", "ban_nics", "dismiss_flags"]

    def _url_name(self, view: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def get_urls(self):
        one_click = self.admin_site.admin_view(self.one_click_view)
        return [
            *(path(f"<int:pk>/{verb}/", one_click, {"verb": verb}, name=self._url_name(verb))
              for _label, verb, _ban in ONE_CLICK),
            *super().get_urls(),
        ]  # fmt: skip

    def changelist_view(self, request, extra_context=None):
        # "Select flagged comment to change" says nothing of what the page is for.
        return super().changelist_view(
            request, {"title": "Moderation queue: what readers flagged", **(extra_context or {})}
        )

    def get_list_display(self, request):
        return [*super().get_list_display(request), self._buttons_column(request)]

    def _buttons_column(self, request):
        """The row's buttons: the ones this editor may use. A column made per request, because which buttons show
        depends on the editor, and list_display's methods see only the row."""
        may_ban = self.has_ban_permission(request)
        may_change = self.has_change_permission(request)
        filters = self.get_preserved_filters(request)

        @admin.display(description="One click")
        def one_click(obj) -> str:
            counts = {reason: getattr(obj, f"flags_{reason}") for reason in Flag.Reason.values}
            hints = {
                "redact": f"Readers see “{moderation.note_from_flags(counts)}” in its place",
                "remove": "Take it out of its thread",
                "ban": f"Ban {obj.nic} for good; reason: {moderation.reason_from_flags(counts)}",
                "dismiss": "Close the flags; the comment stays as it is",
            }
            # Buttons of the list's own form (it holds the admin's CSRF token; forms cannot nest), each posting to
            # its own address by `formaction`. The list's Go button comes first, so Enter never presses one of these.
            return format_html_join(
                "",
                '<button type="submit" class="button" formaction="{}" title="{}" aria-label="{} #{}">{}</button>',
                (
                    (reverse(f"admin:{self._url_name(verb)}", args=[obj.pk]) + (f"?{filters}" if filters else ""),
                     hints[verb], label, obj.number, label)
                    for label, verb, needs_ban in ONE_CLICK
                    if may_change and (may_ban or not needs_ban)
                ),
            )  # fmt: skip

        return one_click

    def one_click_view(self, request, pk: int, verb: str):
        """Act on one queued comment at once: no form, the note or reason made from its open flags."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        back = reverse(f"admin:{self._url_name('changelist')}")
        if filters := request.GET.get("_changelist_filters"):
            back += f"?{filters}"
        # The comment's row stays locked from the count of its open flags to the action, so two clicks at once (or
        # two editors) act once: the second finds no open flags.
        with transaction.atomic():
            comment = get_object_or_404(
                Comment.objects.select_related("article", "commenter").select_for_update(of=("self",)), pk=pk
            )
            if not self.has_change_permission(request, comment) or (
                verb == "ban" and not self.has_ban_permission(request)
            ):
                raise PermissionDenied
            message, level = self._one_click(request, comment, verb)
        self.message_user(request, message, level)
        if verb in ("redact", "remove") and level == messages.SUCCESS:
            _warn_of_quotes(request, [comment])
        return redirect(back)

    def _one_click(self, request, comment: Comment, verb: str) -> tuple[str, int]:
        counts = moderation.open_flag_counts(comment)
        label = format_html(
            '<a href="{}">#{}</a> by {} on “{}”',
            reverse("admin:comments_comment_change", args=[comment.pk]), comment.number, comment.nic,
            Truncator(comment.article.title).chars(60),
        )  # fmt: skip
        if not counts:
            # A second click, or another editor was quicker: act once, and say so.
            return format_html("{} has no open flags now: nothing done.", label), messages.WARNING
        reason = moderation.reason_from_flags(counts)
        if verb == "redact":
            note = moderation.note_from_flags(counts)
            moderation.comment_redact(comment=comment, moderator=request.user, note=note)
            message = format_html("Redacted {}: readers see “{}”.", label, note)
        elif verb == "remove":
            moderation.comments_remove(comments=Comment.objects.filter(pk=comment.pk), moderator=request.user,
                                       reason=reason)  # fmt: skip
            message = format_html("Removed {} from its thread.", label)
        elif verb == "ban":
            # A set-aside commenter shares its nic's look with the nic's owner: that takes a ban on its addresses.
            key = nic_key(comment.nic)
            if comment.commenter.set_aside:
                return (
                    format_html(
                        "{} was written under a nic that now looks like another commenter's: a ban on the nic would "
                        "hold them too. Nothing done; ban its addresses from the comment list if it must go.",
                        label,
                    ),
                    messages.WARNING,
                )
            if any(nic_key(ban.value) == key for ban in Ban.objects.active().filter(kind=Ban.Kind.NIC)):
                moderation.flags_dismiss(comments=Comment.objects.filter(pk=comment.pk), moderator=request.user)
                message = format_html("{} is banned already: its flags are closed.", comment.nic)
            else:
                ban = moderation.ban_create(kind=Ban.Kind.NIC, value=comment.nic, reason=reason, moderator=request.user)
                # The ban closes the nic's flags, so the row leaves the queue: say that the comment itself stays.
                message = format_html(
                    'Banned the nic {} for good (<a href="{}">give the ban an end</a>). {} stays in its thread: '
                    '<a href="{}">redact or remove it</a> if it must go too.',
                    comment.nic, reverse("admin:comments_ban_change", args=[ban.pk]), label,
                    reverse("admin:comments_comment_change", args=[comment.pk]),
                )  # fmt: skip
        else:
            moderation.flags_dismiss(comments=Comment.objects.filter(pk=comment.pk), moderator=request.user)
            message = format_html("Dismissed the flags on {}; it stays as it is.", label)
        return message, messages.SUCCESS

    def filter_candidates(self):
        # The queue's filters offer (and count) what the queue shows, of any age: a story or nic with nothing to
        # moderate is no use to filter by.
        return Comment.objects.filter(Exists(Flag.objects.filter(comment=OuterRef("pk"), resolved_at=None)))

    def get_ordering(self, request):
        return ["-open_flags", "-latest_flag"]  # annotations, so not the `ordering` attribute (checked against fields)

    def get_queryset(self, request):
        counts = {reason: Count("flags", filter=OPEN & Q(flags__reason=reason)) for reason in Flag.Reason.values}
        # Not super(): ModelAdmin.get_queryset orders by get_ordering() before these annotations exist.
        # The flagged comments first (along the open flags' index), then their figures: counting every comment's
        # flags and keeping those with some read the whole table.
        return (
            self.model._default_manager.filter(Exists(Flag.objects.filter(comment=OuterRef("pk"), resolved_at=None)))
            .annotate(open_flags=Count("flags", filter=OPEN), latest_flag=Max("flags__created_at", filter=OPEN))
            .annotate(**{f"flags_{reason}": count for reason, count in counts.items()})
            .order_by(*self.get_ordering(request))
        )

    @admin.display(description="Flags", ordering="open_flags")
    def open_flags(self, obj) -> int:
        return obj.open_flags

    @admin.display(description="Reasons")
    def reasons(self, obj) -> str:
        labels = dict(Flag.Reason.choices)
        return ", ".join(
            f"{labels[reason]} ({n})" for reason in Flag.Reason.values if (n := getattr(obj, f"flags_{reason}"))
        )

    @admin.display(description="Latest flag", ordering="latest_flag")
    def latest_flag(self, obj) -> str:
        # "12 minutes ago" reads faster than a full date and leaves the story and the text their room at 1280.
        recent = timezone.now() - obj.latest_flag < dt.timedelta(minutes=1)
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            obj.latest_flag.isoformat(), f"{timezone.localtime(obj.latest_flag):%Y-%m-%d %H:%M}",
            "just now" if recent else f"{timesince(obj.latest_flag, depth=1)} ago",
        )  # fmt: skip

    @admin.action(description="Dismiss the flags (the comments stay as they are)", permissions=["change"])
    def dismiss_flags(self, request, queryset):
        n = moderation.flags_dismiss(
            comments=Comment.objects.filter(pk__in=queryset.values("pk")), moderator=request.user
        )
        self.message_user(request, f"Dismissed the flags on {n} comment(s).", messages.SUCCESS)


class BanAdminForm(forms.ModelForm):
    class Meta:
        model = Ban
        fields = ["kind", "value", "reason", "expires_at"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") and cleaned.get("value"):
            try:
                cleaned["value"] = moderation.normalise_ban_value(cleaned["kind"], cleaned["value"])
            except ValueError as exc:
                self.add_error("value", str(exc) or "That is not an address or network.")
        return cleaned


@admin.register(Ban)
class BanAdmin(FewWordsSearch, admin.ModelAdmin):
    form = BanAdminForm
    list_display = ["kind", "value", "reason", "expires_at", "active", "created_by", "created_at"]
    list_filter = ["kind", "created_at"]
    list_select_related = ["created_by"]
    search_fields = ["value", "reason"]
    actions = ["lift"]

    @admin.display(description="In force", boolean=True)
    def active(self, obj: Ban) -> bool:
        return obj.is_active

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "value", "created_by", "created_at"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            moderation.ban_change(
                ban=obj, moderator=request.user, reason=form.cleaned_data["reason"],
                expires_at=form.cleaned_data["expires_at"],
            )  # fmt: skip
            return
        ban = moderation.ban_create(
            kind=obj.kind, value=obj.value, reason=obj.reason, moderator=request.user, expires_at=obj.expires_at
        )
        obj.pk = ban.pk

    def has_delete_permission(self, request, obj=None):
        return False  # lift a ban instead, so the audit trail shows it

    @admin.action(description="Lift the selected bans now", permissions=["change"])
    def lift(self, request, queryset):
        bans = list(queryset)  # before lifting: a list filtered to bans in force would lose them after
        lifted = sum(moderation.ban_lift(ban=ban, moderator=request.user) for ban in bans)
        ended = len(bans) - lifted
        message = f"Lifted {lifted} ban{pluralize(lifted)}."
        if ended:
            message += f" {ended} had already ended: left as they were, their end kept."
        self.message_user(request, message, messages.SUCCESS)


@admin.register(Commenter)
class CommenterAdmin(FewWordsSearch, admin.ModelAdmin):
    list_display = ["nic", "comment_count", "first_seen", "last_seen", "claimed"]
    search_fields = ["nic", "key"]
    readonly_fields = ["nic", "key", "comment_count", "first_seen", "last_seen", "claimed"]
    fields = readonly_fields
    actions = ["release"]

    @admin.display(description="Claimed by a browser", boolean=True)
    def claimed(self, obj: Commenter) -> bool:
        return bool(obj.owner_token_hash)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description="Release the selected nics (the next browser to post under one keeps it)", permissions=["change"]
    )
    def release(self, request, queryset):
        for commenter in queryset:
            moderation.release_nic(commenter=commenter, moderator=request.user)
        self.message_user(request, "Released the selected nics.", messages.SUCCESS)


@admin.register(ModerationAction)
class ModerationActionAdmin(FewWordsSearch, admin.ModelAdmin):
    # What an action was done to sits in one column: a row names one or two of comment, nic, ban and story, and four
    # mostly empty columns pushed the list past a 1280-wide laptop's edge.
    list_display = ["created_at", "action", "moderator", "acted_on", "change", "reason_excerpt"]
    list_filter = ["action", "moderator", "created_at"]
    list_select_related = ["moderator", "comment__article", "commenter", "ban", "article"]
    search_fields = ["reason", "before", "after", "commenter__nic"]
    date_hierarchy = "created_at"
    show_facets = admin.ShowFacets.NEVER  # the trail only grows

    @admin.display(description="Acted on")
    def acted_on(self, obj: ModerationAction) -> str:
        parts = []
        if obj.article_id:
            link = reverse("admin:articles_article_change", args=[obj.article_id])
            parts.append(format_html('Story <a href="{}">{}</a>', link, Truncator(obj.article.title).chars(60)))
        if obj.comment_id:
            link = reverse("admin:comments_comment_change", args=[obj.comment_id])
            # Numbers are per story: "#5" alone names a comment on every story that has five.
            on = "" if obj.article_id else format_html(" on {}", Truncator(obj.comment.article.title).chars(60))
            parts.append(format_html('Comment <a href="{}">{}</a>{}', link, obj.comment, on))
        elif obj.commenter_id:
            parts.append(format_html("Nic {}", obj.commenter))
        if obj.ban_id:
            parts.append(format_html('Ban <a href="{}">{}</a>', reverse("admin:comments_ban_change", args=[obj.ban_id]),
                                     obj.ban))  # fmt: skip
        return format_html_join(mark_safe("<br>"), "{}", ((part,) for part in parts)) or "-"

    @admin.display(description="Reason", ordering="reason")
    def reason_excerpt(self, obj: ModerationAction) -> str:
        return Truncator(obj.reason).chars(100)  # whole on the row's own page

    @admin.display(description="From → to")
    def change(self, obj: ModerationAction) -> str:
        # Stories' states are a few words each; a comment's edit keeps whole texts, shown on the row's own page.
        if obj.article_id and obj.before:
            return f"{obj.before} → {obj.after}"
        return ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StaffNamesUserAdmin(FewWordsSearch, UserAdmin):
    """Django's own user admin. Staff members' names are names no nic may pass for (comments.defences.staff_names):
    a user added, renamed, made or unmade staff, or deleted here is known to that check at once."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        defences.staff_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        defences.staff_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        defences.staff_changed()


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), StaffNamesUserAdmin)
