from django.apps import AppConfig


class RantboardConfig(AppConfig):
    name = "rantboard"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the site's own system checks)
        from .addresses import page_number
        from .pagecache import register_query_parameter

        # The lists' and nic pages' page number: `?page=1`, `?page=01` and `?page=+2` are other spellings of pages
        # that have an address of their own.
        register_query_parameter("page", page_number)
