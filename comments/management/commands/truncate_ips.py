"""Shorten every stored IP address older than IP_RETENTION_DAYS. Safe to run from cron as often as you like."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from comments import privacy


class Command(BaseCommand):
    help = (
        "Shorten the IP addresses stored more than IP_RETENTION_DAYS ago (to a /24 for IPv4, a /48 for IPv6): "
        "comments', those in bans no longer in force, in the audit trail and in the admin log."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Override IP_RETENTION_DAYS for this run.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be shortened, change nothing.")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, days=None, dry_run=False, batch_size=1000, verbosity=1, **options):
        days = settings.IP_RETENTION_DAYS if days is None else days
        cutoff = timezone.now() - dt.timedelta(days=days)
        counts = [
            (
                "comment IP addresses",
                privacy.shorten_comment_ips(cutoff=cutoff, batch_size=batch_size, dry_run=dry_run),
            ),
            ("ended bans", privacy.shorten_ended_bans(cutoff=cutoff, dry_run=dry_run)),
            ("audit rows", privacy.shorten_audit(cutoff=cutoff, batch_size=batch_size, dry_run=dry_run)),
            ("admin log entries", privacy.shorten_admin_log(cutoff=cutoff, dry_run=dry_run)),
        ]
        if dry_run:
            for what, n in counts:
                self.stdout.write(f"{n} {what} older than {days} days would be shortened.")
        elif verbosity >= 1:
            for what, n in counts:
                self.stdout.write(f"Shortened {n} {what} older than {days} days.")
