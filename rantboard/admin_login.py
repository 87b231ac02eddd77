"""The admin's login, with failed attempts limited per address through the counters' cache (shared across app
servers)."""

import hashlib

from django.conf import settings
from django.contrib import admin
from django.shortcuts import render

from . import counters
from .client_ip import client_ip


def _key(request) -> str:
    ip = client_ip(request) or "unknown"
    return "admin-login-failures:" + hashlib.sha256(ip.encode()).hexdigest()[:32]


def throttled_login(request, **kwargs):
    key = _key(request)
    failures = counters.store().get(key, 0)
    if failures >= settings.ADMIN_LOGIN_ATTEMPTS:
        minutes = max(1, settings.ADMIN_LOGIN_WINDOW // 60)
        response = render(request, "429.html", {"minutes": minutes}, status=429)
        response["Retry-After"] = str(settings.ADMIN_LOGIN_WINDOW)
        return response
    response = admin.site.login(request, **kwargs)
    if request.method == "POST":
        if response.status_code == 302:
            counters.store().delete(key)
        else:
            # The window starts at the first failure and is not extended by later ones.
            counters.hit(key, seconds=settings.ADMIN_LOGIN_WINDOW)
    return response
