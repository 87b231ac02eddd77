"""Re-render stored story HTML after the renderer changes (RENDERER_VERSION goes up) or an editor is renamed."""

from django.core.management.base import BaseCommand

from articles import rendering, services
from articles.models import Article, editor_note_authors


class Command(BaseCommand):
    help = "Re-render the stored HTML of stories whose renderer version is older than the current one."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Re-render every story, not only outdated ones.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be re-rendered, change nothing.")
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, all: bool = False, dry_run: bool = False, batch_size: int = 200, verbosity: int = 1, **kw):
        queryset = Article.objects.select_related("posted_by").order_by("pk")
        if not all:
            queryset = queryset.filter(renderer_version__lt=rendering.RENDERER_VERSION)
        total = queryset.count()
        if dry_run:
            self.stdout.write(f"{total} stories would be re-rendered (renderer version {rendering.RENDERER_VERSION}).")
            return
        editors = editor_note_authors()
        done = 0
        batch = []
        for article in queryset.iterator(chunk_size=batch_size):
            article.render(editors)
            batch.append(article)
            if len(batch) >= batch_size:
                done += self._flush(batch)
        done += self._flush(batch)
        if done:
            services.stories_changed_in_bulk()
        if verbosity >= 1:
            self.stdout.write(f"Re-rendered {done} stories (renderer version {rendering.RENDERER_VERSION}).")

    @staticmethod
    def _flush(batch: list[Article]) -> int:
        count = len(batch)
        if batch:
            Article.objects.bulk_update(batch, ["body_html", "lead_note_html", "renderer_version"])
            batch.clear()
        return count
