"""The site's own deployment checks (`manage.py check --deploy`): the board's address, SITE_URL."""

import os
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.http.request import split_domain_port, validate_host


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs):
    warnings = []
    site = urlsplit(settings.SITE_URL)
    if not os.environ.get("SITE_URL", "").strip():
        warnings.append(
            Warning(
                f"SITE_URL is not set; feeds, the sitemap and canonical links use {settings.SITE_URL}.",
                hint="Set SITE_URL to the address readers use, e.g. https://board.example.com (docs/deployment.md).",
                id="rantboard.W001",
            )
        )
    if site.scheme != "https" and getattr(settings, "SECURE_SSL_REDIRECT", False):
        warnings.append(
            Warning(
                f"SITE_URL ({settings.SITE_URL}) is http:// while the site redirects to HTTPS.",
                hint="Give SITE_URL as https://...",
                id="rantboard.W002",
            )
        )
    host, _ = split_domain_port(site.netloc)
    if not validate_host(host, settings.ALLOWED_HOSTS):
        warnings.append(
            Warning(
                f"SITE_URL's host ({host}) is not in ALLOWED_HOSTS: links would lead to a host the board refuses.",
                hint="Add it to DJANGO_ALLOWED_HOSTS, unless a proxy in front answers for it.",
                id="rantboard.W003",
            )
        )
    return warnings
