from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Stories"

    def ready(self) -> None:
        from . import signals  # noqa: F401 (deleting what pages show retires them)
