from django.apps import AppConfig


class RantboardConfig(AppConfig):
    name = "rantboard"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the site's own system checks)
