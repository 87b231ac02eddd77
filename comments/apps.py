from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"

    def ready(self) -> None:
        from . import slots  # noqa: F401 (registers the per-visitor slots of cached pages)
