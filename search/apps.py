from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from . import sqlite

        # SQLite's full-text tables and the triggers that keep them in step are (re)made after every migrate: a later
        # migration that rebuilds a table (as SQLite's schema changes do) would otherwise drop its triggers.
        post_migrate.connect(sqlite.install, dispatch_uid="search.sqlite.install")
