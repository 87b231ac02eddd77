"""The admin's login, with attempts limited per address through the counters' cache (shared across app servers)."""

import hashlib

from django.conf import settings
from django.contrib import admin
from django.shortcuts import render

from . import counters
from .client_ip import client_ip, rate_scope


def _key(request) -> str:
    # Counted like the comment limits: an IPv6 visitor is its /64, or every address in it would bring fresh guesses.
    ip = client_ip(request)
    scope = rate_scope(ip) if ip else "unknown"
    return "admin-login-failures:" + hashlib.sha256(scope.encode()).hexdigest()[:32]


def throttled_login(request, **kwargs):
    key = _key(request)
    limit = settings.ADMIN_LOGIN_ATTEMPTS
    if request.method == "POST":
        # Counted before the password is checked, and the count decides: guesses sent in parallel each get their
        # own number, so no more than the limit reach the password check. The window starts at the first attempt
        # and is not extended by later ones; a good login clears it.
        blocked = counters.hit(key, seconds=settings.ADMIN_LOGIN_WINDOW) > limit
    else:
        blocked = counters.store().get(key, 0) >= limit
    if blocked:
        minutes = max(1, settings.ADMIN_LOGIN_WINDOW // 60)
        response = render(request, "429.html", {"minutes": minutes}, status=429)
        response["Retry-After"] = str(settings.ADMIN_LOGIN_WINDOW)
        return response
    response = admin.site.login(request, **kwargs)
    if request.method == "POST" and response.status_code == 302:
        counters.store().delete(key)
    return response
