"""Response headers every page carries, and a guard against control characters in URLs."""
import re

from django.core.exceptions import SuspiciousOperation

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        # Also here (not only in Django's XFrameOptionsMiddleware, the innermost): responses made
        # before a request gets that far, such as a refused URL, must not be framed either.
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if getattr(request, "no_store", False):
            response.headers["Cache-Control"] = "no-store"
        return response


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RejectControlCharactersMiddleware:
    """No page's address holds a control character; NUL even makes PostgreSQL refuse the query
    (a 500 wherever a path part reaches the database). Answer 400 before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _CONTROL.search(request.path):
            raise SuspiciousOperation("Control character in the request path")
        return self.get_response(request)
