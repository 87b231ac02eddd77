from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"

    def ready(self) -> None:
        from articles.signals import pictures_changed, stories_changed_by_editor

        from .moderation import record_story_changes, recount_after_publication
        from .pageparts import register_quote
        from .services import rerender_showing_pictures
        from .visitor import register_slots

        register_slots()
        register_quote()
        stories_changed_by_editor.connect(record_story_changes, dispatch_uid="comments.audit.stories")
        stories_changed_by_editor.connect(recount_after_publication, dispatch_uid="comments.recount.stories")
        pictures_changed.connect(rerender_showing_pictures, dispatch_uid="comments.pictures")
