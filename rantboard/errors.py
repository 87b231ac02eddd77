"""Error pages that depend on where they happen: inside the admin, an editor gets the admin's look and a way back
to it; everywhere else, readers get the site's own pages (templates/403.html, 404.html and 500.html)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults


def _in_admin(request) -> bool:
    return request.path.startswith(f"/{settings.ADMIN_URL}")


def _admin_error(request, *, title: str, reason: str, explanation: str, status: int = 403):
    referer = request.META.get("HTTP_REFERER", "")
    back = referer if url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()) else ""
    context = {**admin.site.each_context(request), "title": title, "reason": reason, "explanation": explanation}
    # One template for every error an editor meets in the admin (its name is the first of them, the 403).
    return render(request, "admin/permission_denied.html", {**context, "back": back}, status=status)


def page_not_found(request, exception=None):
    # Only someone the admin lets in gets its look: to anyone else an address under the admin is a plain 404, and
    # the admin's header (and the app list in each_context) says nothing to them.
    user = getattr(request, "user", None)
    if _in_admin(request) and user is not None and admin.site.has_permission(request):
        return _admin_error(
            request,
            title="Page not found",
            reason="There is no such page in the admin.",
            explanation="The address may be mistyped or cut short, or it named something that is no longer there. "
            "The newsroom links to every list an editor uses.",
            status=404,
        )
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception=None):
    if _in_admin(request) and request.user.is_authenticated:
        return _admin_error(
            request,
            title="Not allowed",
            reason="Your account cannot do that.",
            explanation="Editors can file and change stories and moderate comments; some things (users, groups, "
            "deleting) are for the board's administrators. Ask one if you need it done.",
        )
    return defaults.permission_denied(request, exception)


def server_error(request):
    # Rendered without the request, as Django's own: whatever broke may be in it. The stylesheet's address comes from
    # the static manifest, which a deploy that skipped collectstatic lacks: the page goes out unstyled rather than
    # failing in its turn and leaving the reader gunicorn's bare "Internal Server Error".
    try:
        stylesheet = static("css/site.css")
    except ValueError:
        stylesheet = None
    return HttpResponseServerError(loader.render_to_string("500.html", {"stylesheet": stylesheet}))


def csrf_failure(request, reason=""):
    if _in_admin(request) and request.user.is_authenticated:
        return _admin_error(
            request,
            title="Form expired",
            reason="The form could not be checked, so nothing was saved.",
            explanation="This happens when a page was open for a long time, or you logged in again in another tab. "
            "Go back, reload the page, and make your change again.",
        )
    # A reader's form that was not checked saved nothing; what they typed must come back to them. The comment form
    # comes back whole with a new key, every field a commenter fills in shown (so that nobody is led to send what a
    # forged form hid); other forms (an edit, a flag) show the text to copy.
    match = _resolved(request)
    if match is not None and match.view_name == "comments:post":
        from comments.views import post_not_stored  # the comments app's page; the project's settings name this view

        return post_not_stored(request, match.kwargs["pk"], status=403, key_refused=True)
    return render(request, "403.html", {"form_refused": True, "typed": request.POST.get("body", "")}, status=403)


def _resolved(request):
    try:
        return resolve(request.path_info)
    except Resolver404:
        return None
