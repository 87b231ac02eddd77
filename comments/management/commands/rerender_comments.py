"""Rebuild comments' stored HTML (body and row) after the renderer, the row markup or TIME_ZONE changes."""

from django.core.management.base import BaseCommand

from comments import bbcode, services
from comments.models import Comment


class Command(BaseCommand):
    help = "Re-render stored comment HTML whose renderer version is older than the current one (--all: every comment)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Every comment, e.g. after changing TIME_ZONE.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be re-rendered, change nothing.")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, all=False, dry_run=False, batch_size=500, verbosity=1, **options):
        queryset = Comment.objects.select_related("article").order_by("pk")
        if not all:
            queryset = queryset.filter(renderer_version__lt=bbcode.RENDERER_VERSION)
        if dry_run:
            self.stdout.write(f"{queryset.count()} comments would be re-rendered.")
            return
        done = 0
        batch = []
        for comment in queryset.iterator(chunk_size=batch_size):
            services.render_again(comment)
            batch.append(comment)
            if len(batch) >= batch_size:
                Comment.objects.bulk_update(batch, services.RENDERED_FIELDS)
                done += len(batch)
                batch = []
        if batch:
            Comment.objects.bulk_update(batch, services.RENDERED_FIELDS)
            done += len(batch)
        if done:
            services.comments_rerendered()
        if verbosity >= 1:
            self.stdout.write(f"Re-rendered {done} comments.")
