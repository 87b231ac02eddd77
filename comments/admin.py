"""Comments in the admin: find and read them, with the private fields only staff ever see."""

from django.contrib import admin
from django.utils.text import Truncator

from .models import Comment, Commenter


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "article", "excerpt", "created_at", "ip", "redacted"]
    ordering = ["-created_at"]
    list_filter = ["redacted", "article__region", "created_at"]
    list_select_related = ["article"]
    search_fields = ["nic", "body", "email", "ip", "article__title"]
    date_hierarchy = "created_at"
    raw_id_fields = ["article", "commenter"]
    readonly_fields = ["article", "commenter", "number", "nic", "email", "website", "body", "created_at", "ip"]
    fields = [*readonly_fields, "redacted", "redaction_note"]

    @admin.display(description="Comment")
    def excerpt(self, obj: Comment) -> str:
        return Truncator(obj.body).chars(80)

    def has_add_permission(self, request):
        return False  # comments are posted on the site, through the one write path


@admin.register(Commenter)
class CommenterAdmin(admin.ModelAdmin):
    list_display = ["nic", "key", "comment_count", "first_seen", "last_seen"]
    search_fields = ["nic", "key"]
    readonly_fields = ["nic", "key", "comment_count", "first_seen", "last_seen"]

    def has_add_permission(self, request):
        return False
