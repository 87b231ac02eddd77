"""Shorten the IP addresses of comments older than IP_RETENTION_DAYS. Safe to run from cron as often as you like."""

import datetime as dt
import ipaddress

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from comments.models import Comment


def truncate(address: str) -> str:
    """Keep the network, drop the host: a.b.c.0 for IPv4 (/24), the first 48 bits for IPv6."""
    ip = ipaddress.ip_address(address)
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


class Command(BaseCommand):
    help = "Shorten the IP addresses of comments older than IP_RETENTION_DAYS (a /24 for IPv4, a /48 for IPv6)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Override IP_RETENTION_DAYS for this run.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be shortened, change nothing.")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, days=None, dry_run=False, batch_size=1000, verbosity=1, **options):
        days = settings.IP_RETENTION_DAYS if days is None else days
        cutoff = timezone.now() - dt.timedelta(days=days)
        pending = Comment.objects.filter(created_at__lt=cutoff, ip_truncated=False, ip__isnull=False)
        if dry_run:
            self.stdout.write(f"{pending.count()} comment IP addresses older than {days} days would be shortened.")
            return
        done = 0
        while True:
            with transaction.atomic():
                batch = list(pending.select_for_update(skip_locked=True).order_by("pk").only("pk", "ip")[:batch_size])
                if not batch:
                    break
                for comment in batch:
                    comment.ip = truncate(comment.ip)
                    comment.ip_truncated = True
                Comment.objects.bulk_update(batch, ["ip", "ip_truncated"])
                done += len(batch)
        Comment.objects.filter(created_at__lt=cutoff, ip__isnull=True, ip_truncated=False).update(ip_truncated=True)
        if verbosity >= 1:
            self.stdout.write(f"Shortened {done} comment IP addresses older than {days} days.")
