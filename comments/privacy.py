"""Shortening stored IP addresses once IP_RETENTION_DAYS have passed (`manage.py truncate_ips` runs it).

A full address is kept for as long as moderators need it to ban a troll; after that only its network is kept: the
/24 of an IPv4 address, the /48 of an IPv6 one. Addresses are stored in four places, and each is shortened here:
comments' `ip`, the values and reasons of bans no longer in force, the audit trail, and Django's admin log (which
writes a ban's name, address included, into each entry). A ban still in force keeps its full address: it is what it
acts on. Shortening is not a moderation action, so it leaves no audit row (which would hold the address again).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q

from .models import Ban, Comment, ModerationAction
from .moderation import bans_changed

KEPT_PREFIX = {4: 24, 6: 48}

# Candidates only: each is checked by the ipaddress module before anything is changed, so a time ("12:30:45") or a
# version number ("5.2.1") stays as written.
_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_IPV6 = r"(?:[0-9A-Fa-f]{0,4}:){2,7}(?:" + _IPV4 + r"|[0-9A-Fa-f]{0,4})"
_ADDRESS_IN_TEXT = re.compile(r"(?<![\w.:])(" + _IPV4 + "|" + _IPV6 + r")(?:/(\d{1,3}))?(?![\w:]|\.\d)")


def truncate(address: str) -> str:
    """Keep the network, drop the host: a.b.c.0 for IPv4 (/24), the first 48 bits for IPv6."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return str(ipaddress.ip_network(f"{ip}/{KEPT_PREFIX[ip.version]}", strict=False).network_address)


def shortened_network(value: str) -> str:
    """An address or network as the network kept after the retention period (a wider network is kept as it is)."""
    network = ipaddress.ip_network(value, strict=False)
    kept = KEPT_PREFIX[network.version]
    return str(network if network.prefixlen <= kept else network.supernet(new_prefix=kept))


def shorten_in_text(text: str) -> str:
    """The text with every address truncated and every network narrower than what is kept widened to it.

    The result is never longer than the text, so it fits the column it came from.
    """

    def shorten(match: re.Match) -> str:
        try:
            return shortened_network(match.group(0)) if match.group(2) else truncate(match.group(1))
        except ValueError:
            return match.group(0)

    return _ADDRESS_IN_TEXT.sub(shorten, text)


def shorten_comment_ips(*, cutoff: dt.datetime, batch_size: int = 1000, dry_run: bool = False) -> int:
    """Shorten the IPs of comments posted before the cutoff, in batches (each its own transaction)."""
    pending = Comment.objects.filter(created_at__lt=cutoff, ip_truncated=False, ip__isnull=False)
    if dry_run:
        return pending.count()
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
    return done


def _shortened_ban(ban: Ban) -> tuple[str, str, str]:
    kind, value = ban.kind, ban.value
    if kind != Ban.Kind.NIC:
        # An address ban becomes a network ban: a lone a.b.c.0 would name someone else's address.
        kind, value = Ban.Kind.NETWORK, shortened_network(value)
    return kind, value, shorten_in_text(ban.reason)


@transaction.atomic
def shorten_ended_bans(*, cutoff: dt.datetime, dry_run: bool = False) -> int:
    """Shorten the addresses in bans made before the cutoff and no longer in force (values and reasons)."""
    ended = Ban.objects.filter(created_at__lt=cutoff).exclude(pk__in=Ban.objects.active())
    changed = [ban for ban in ended.select_for_update() if _shortened_ban(ban) != (ban.kind, ban.value, ban.reason)]
    if dry_run or not changed:
        return len(changed)
    for ban in changed:
        ban.kind, ban.value, ban.reason = _shortened_ban(ban)
    Ban.objects.bulk_update(changed, ["kind", "value", "reason"])
    bans_changed()
    return len(changed)


BAN_ACTIONS = (ModerationAction.Action.BAN, ModerationAction.Action.CHANGE_BAN, ModerationAction.Action.UNBAN)


def shorten_audit(*, cutoff: dt.datetime, batch_size: int = 1000, dry_run: bool = False) -> int:
    """Shorten the addresses in audit rows written before the cutoff: a ban's description and any editor's reason.

    What a comment said (`before`/`after` of an edit or removal) is kept word for word: it is the comment, not
    where it came from.
    """
    pending = ModerationAction.objects.filter(created_at__lt=cutoff, ips_truncated=False)
    fields = ("pk", "action", "reason", "before", "after")
    if dry_run:
        return sum(1 for row in pending.only(*fields).iterator() if _shortened_audit(row) != _audit_text(row))
    changed = 0
    while True:
        with transaction.atomic():
            batch = list(pending.select_for_update(skip_locked=True).order_by("pk").only(*fields)[:batch_size])
            if not batch:
                break
            for row in batch:
                shortened = _shortened_audit(row)
                changed += shortened != _audit_text(row)
                row.reason, row.before, row.after = shortened
                row.ips_truncated = True
            ModerationAction.objects.bulk_update(batch, ["reason", "before", "after", "ips_truncated"])
    return changed


def _audit_text(row: ModerationAction) -> tuple[str, str, str]:
    return row.reason, row.before, row.after


def _shortened_audit(row: ModerationAction) -> tuple[str, str, str]:
    if row.action in BAN_ACTIONS:
        return shorten_in_text(row.reason), shorten_in_text(row.before), shorten_in_text(row.after)
    return shorten_in_text(row.reason), row.before, row.after


@transaction.atomic
def shorten_admin_log(*, cutoff: dt.datetime, dry_run: bool = False) -> int:
    """Shorten the addresses in Django's admin log entries about bans made before the cutoff.

    The admin names a ban by its `str()` (kind and value) in `object_repr`, and may quote it in `change_message`;
    comments are named by number and nic, and their change messages list field names, never values.
    """
    entries = LogEntry.objects.filter(
        Q(content_type=ContentType.objects.get_for_model(Ban)), action_time__lt=cutoff
    ).select_for_update()
    changed = []
    for entry in entries.only("pk", "object_repr", "change_message"):
        shortened = shorten_in_text(entry.object_repr), shorten_in_text(entry.change_message)
        if shortened != (entry.object_repr, entry.change_message):
            entry.object_repr, entry.change_message = shortened
            changed.append(entry)
    if changed and not dry_run:
        LogEntry.objects.bulk_update(changed, ["object_repr", "change_message"])
    return len(changed)
