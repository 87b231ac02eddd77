"""The address of the person at the other end, for rate limits, bans and the moderators' IP column.

Behind a reverse proxy or load balancer REMOTE_ADDR is the proxy's own address. Set TRUSTED_PROXY_COUNT to the
number of proxies in front of the app, and the address is read from X-Forwarded-For, that many hops from the right
(the part a client cannot forge). With the default of 0 the header is ignored.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    address = request.META.get("REMOTE_ADDR") or None
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None
