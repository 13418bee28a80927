"""Names base.html asks for on every page, defined for every page (a view's own value wins).

An undefined variable makes Django log the page's whole context at DEBUG, and a page's context may
hold a secret (a one-time password, an MFA key): so no template may ask for a name nobody set."""

from django.utils.html import format_html_join
from django.utils.translation import get_language, gettext_lazy

# The words the optional JavaScript writes into pages, in the page's language: handed over as data
# attributes of hidden elements (class "js-strings"; the CSP allows no inline script), read by
# static/js/wizard.js's iamText(key). base.html hands over those of wizard.js, on every page; a page
# that loads another script hands over that script's own (SCRIPT_STRINGS, templates/_js_strings.html)
# beside it, so that no page carries words for scripts it does not load.
JS_STRINGS = {
    "copy": gettext_lazy("Copy"),
    "copied": gettext_lazy("Copied"),
    "working": gettext_lazy("Working with AWS"),
    "ok": gettext_lazy("OK"),
    "ms": gettext_lazy("%(ms)s ms"),
    "asked-again": gettext_lazy(", not visible yet: asked again"),
    "attempt": gettext_lazy(", attempt %(number)s"),
    "under-way": gettext_lazy("Under way: %(calls)s…"),
    "waiting": gettext_lazy("Waiting for AWS…"),
}
SCRIPT_STRINGS = {
    "policy_search": {  # static/js/policy-search.js, on the permissions step
        "customer-managed": gettext_lazy("%(policy)s (customer managed)"),
        "matching": gettext_lazy("%(count)s matching “%(query)s”"),
    },
    "dashboard": {  # static/js/dashboard.js, on the trainer's dashboard and the projector view
        "live": gettext_lazy("Updates by itself every few seconds."),
        "live-stopped": gettext_lazy("Live updates stopped (signed out?): reload the page."),
        "retrying": gettext_lazy("Could not reach the server; retrying…"),
    },
}


_JS_ATTRIBUTES: dict = {}  # language -> JS_STRINGS as the element's data attributes


def js_string_attributes():
    """JS_STRINGS as data attributes ( data-copy="Copy"...), escaped: the same for every page in a
    language, so drawn once per language and process, not on every page (14 translations and a loop)."""
    language = get_language()
    attributes = _JS_ATTRIBUTES.get(language)
    if attributes is None:
        attributes = _JS_ATTRIBUTES[language] = format_html_join("", ' data-{}="{}"', ((key, str(words)) for key, words in JS_STRINGS.items()))
    return attributes


def page_defaults(request) -> dict:
    return {"error_summary": None, "run": None, "js_string_attributes": js_string_attributes(), "script_strings": SCRIPT_STRINGS}
