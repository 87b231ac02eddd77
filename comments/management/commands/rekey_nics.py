"""Re-key every commenter under today's nic_key: run after upgrading the confusables data (docs/security.md)."""

from django.core.management.base import BaseCommand

from comments.models import Commenter
from comments.rekeying import rekey
from comments.services import nics_rekeyed


class Command(BaseCommand):
    help = "Give every commenter the key their nic has today, and report nics that have become look-alikes."

    def handle(self, *args, **options):
        collisions = rekey(Commenter, report=self.stdout.write)
        nics_rekeyed()
        self.stdout.write(f"Re-keyed; {len(collisions)} pair(s) of nics set apart.")
