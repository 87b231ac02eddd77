"""The address of the person at the other end, for rate limits, bans and the moderators' IP column.

Behind a reverse proxy or load balancer REMOTE_ADDR is the proxy's own address. Set TRUSTED_PROXY_COUNT to the
number of proxies in front of the app, and the address is read from X-Forwarded-For, that many hops from the right
(the part a client cannot forge). With the default of 0 the header is ignored.

Proxies write an address in several shapes (`203.0.113.9:51234`, `[2001:db8::1]:443`, `::ffff:203.0.113.9`); each
is read as the bare address, so a ban or a limit on it holds whatever the shape. When no address can be read, the
answer is None, and the callers refuse rather than guess: a post from nowhere would pass every ban.
"""

from __future__ import annotations

import ipaddress
import re

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 hosts get a /64 each and pick addresses within it freely, so one IPv6 visitor is one /64.
IPV6_VISITOR_PREFIX = 64

_BRACKETED = re.compile(r"\[([^\]]+)\](?::\d{1,5})?")
_IPV4_WITH_PORT = re.compile(r"([0-9.]+):\d{1,5}")


def parse_address(text: str) -> IPAddress | None:
    """The address in one X-Forwarded-For entry or REMOTE_ADDR, without port, brackets or zone; None if none."""
    text = (text or "").strip()
    if (match := _BRACKETED.fullmatch(text)) or (match := _IPV4_WITH_PORT.fullmatch(text)):
        text = match.group(1)
    text = text.partition("%")[0]  # an IPv6 zone (fe80::1%eth0) names the proxy's interface, not the visitor
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped  # a dual-stack socket's way of writing an IPv4 visitor
    return address


def client_ip(request) -> str | None:
    """The visitor's address as text, or None when it cannot be read (see `unreadable_source`)."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) < hops:
            # Fewer entries than declared proxies, none at all included: the visitor's entry is missing, and
            # REMOTE_ADDR is a proxy's own address, which every visitor would share (and a ban on it would pass).
            return None
        address = parse_address(forwarded[-hops])
        return str(address) if address else None
    address = parse_address(request.META.get("REMOTE_ADDR", ""))
    return str(address) if address else None


def unreadable_source(request) -> str:
    """What the request said about its address, for the log line of a refusal (trimmed: it is the sender's text)."""
    return (
        f"REMOTE_ADDR={request.META.get('REMOTE_ADDR', '')[:100]!r} "
        f"X-Forwarded-For={request.META.get('HTTP_X_FORWARDED_FOR', '')[:200]!r} "
        f"TRUSTED_PROXY_COUNT={settings.TRUSTED_PROXY_COUNT}"
    )


def rate_scope(ip: str) -> str:
    """What one visitor's posts are counted under: an IPv4 address, or the /64 around an IPv6 address."""
    address = ipaddress.ip_address(ip)
    if address.version == 4:
        return str(address)
    return str(ipaddress.ip_network(f"{address}/{IPV6_VISITOR_PREFIX}", strict=False))
