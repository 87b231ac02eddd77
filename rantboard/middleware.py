"""Site-wide response headers that Django's SecurityMiddleware does not set."""

from django.conf import settings

# No inline script or style anywhere: editor colours come from a stylesheet view, behaviour from static files.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP)
        # Django's debug pages use inline styles; with DEBUG on the policy only reports, so they stay readable while
        # the console still shows any violation of ours. Tests and production run with DEBUG off: enforced.
        self.csp_header = "Content-Security-Policy-Report-Only" if settings.DEBUG else "Content-Security-Policy"

    def __call__(self, request):
        response = self.get_response(request)
        if self.csp and "Content-Security-Policy" not in response.headers:
            response.headers[self.csp_header] = self.csp
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
