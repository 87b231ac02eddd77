"""Site-wide response headers that Django's SecurityMiddleware does not set."""

from django.conf import settings
from django.utils.cache import patch_cache_control

# No inline script or style anywhere: editor colours come from a stylesheet view, behaviour from static files.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # Django's debug pages use inline styles; with DEBUG on the policy only reports, so they stay readable while
        # the console still shows any violation of ours. Tests and production run with DEBUG off: enforced.
        self.csp_header = "Content-Security-Policy-Report-Only" if settings.DEBUG else "Content-Security-Policy"

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response.headers:
            response.headers[self.csp_header] = DEFAULT_CSP
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class PrivateForEditorsMiddleware:
    """Every response to a logged-in user is `Cache-Control: private, no-store`: a draft's preview, an editor's view
    of a page, the admin. No proxy or browser cache keeps them, so nobody after the editor is shown one.

    Anonymous responses pass untouched: cached pages carry their own headers (`rantboard.pagecache`), and a request
    without a session cookie is not asked for its user, which would mark the session read and add `Vary: Cookie`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        signed_in = (
            session is not None
            and (settings.SESSION_COOKIE_NAME in request.COOKIES or session.modified)  # or logged in just now
            and request.user.is_authenticated
        )
        if signed_in:
            patch_cache_control(response, private=True, no_store=True)
        return response
