"""Who may not post or edit: the bans in force, kept in the cache briefly, since every post and edit asks.

The write functions (comments.services) refuse a banned nic or address; the views ask first so that a refused try
does not count against the nic's rate limit. Bans are made and lifted in comments.moderation, which forgets the list.
"""

from __future__ import annotations

import ipaddress

from django.core.cache import cache
from django.utils import timezone

from .models import Ban
from .nics import nic_key

BANS_CACHE_KEY = "comments:active-bans:v2"


def active_bans() -> list[tuple[str, object]]:
    """(kind, parsed value: a nic's key, an address or a network) of every ban in force, cached briefly: checked on
    every post."""
    bans = cache.get(BANS_CACHE_KEY)
    if bans is None:
        now = timezone.now()
        rows = list(Ban.objects.active(now).values_list("kind", "value", "expires_at"))
        bans = []
        for kind, value, expires_at in rows:
            parsed = (
                nic_key(value)
                if kind == Ban.Kind.NIC
                else ipaddress.ip_address(value)
                if kind == Ban.Kind.IP
                else ipaddress.ip_network(value)
            )
            bans.append((kind, parsed, expires_at))
        cache.set(BANS_CACHE_KEY, bans, 60)
    now = timezone.now()
    return [(kind, parsed) for kind, parsed, expires_at in bans if expires_at is None or expires_at > now]


def banned(*, nic: str, ip: str | None) -> bool:
    key = nic_key(nic)
    address = None
    if ip:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            address = None
    for kind, parsed in active_bans():
        if kind == Ban.Kind.NIC and parsed == key:
            return True
        if address is not None and kind == Ban.Kind.IP and parsed == address:
            return True
        if address is not None and kind == Ban.Kind.NETWORK and address.version == parsed.version and address in parsed:
            return True
    return False
