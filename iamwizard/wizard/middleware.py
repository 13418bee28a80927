"""Response headers every page carries, and guards against requests no view can read: control
characters in URLs, form bodies in a charset other than UTF-8 or otherwise unparseable."""
import codecs
import logging
import re

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError
from django.template import loader

from iamwizard.aws import gateway

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


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RejectUnreadableFormsMiddleware:
    """Every page's forms are sent in UTF-8. A POST whose body declares another charset (latin-1)
    or an unknown one (xyz), or whose form data cannot be parsed, gets the 400 page here, before
    any middleware or view reads request.POST. Left to Django, the failure surfaces wherever the
    body is first read, and in development the debug page reads it again: a bare 500. Aliases of
    UTF-8 (utf8, UTF_8), which Django refuses, are read as UTF-8."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST":
            refusal = self.refusal(request)
            if refusal is not None:
                logging.getLogger(f"django.security.{type(refusal).__name__}").warning(
                    "Unreadable form body: %s", refusal, extra={"status_code": 400, "request": request})
                # Not Django's handler400: its CSRF decorator would read the body again.
                return HttpResponseBadRequest(loader.render_to_string("400.html"))
        return self.get_response(request)

    @staticmethod
    def refusal(request):
        charset = request.content_params.get("charset")
        if charset is not None:
            try:
                utf8 = codecs.lookup(charset).name == "utf-8"
            except (LookupError, ValueError):  # ValueError: a NUL in the name
                utf8 = False
            if not utf8:
                return BadRequest("Form data must be UTF-8 encoded.")
            request.encoding = "utf-8"  # Django itself refuses "utf8" though it means the same
        if request.content_type in FORM_TYPES:
            try:
                request.POST, request.FILES  # parsed now, so that a failure is answered here
            except (BadRequest, SuspiciousOperation, MultiPartParserError, LookupError, ValueError) as exc:
                return exc
        return None


class TimeBudgetMiddleware:
    """Every request is a click someone waits for: its AWS calls, retries included, get one time
    budget (gateway.CLICK_SECONDS), so a hung AWS gives a clear answer, never a page that hangs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with gateway.time_budget():
            return self.get_response(request)
