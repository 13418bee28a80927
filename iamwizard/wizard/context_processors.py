"""Names base.html asks for on every page, defined for every page (a view's own value wins).

An undefined variable makes Django log the page's whole context at DEBUG, and a page's context may
hold a secret (a one-time password, an MFA key): so no template may ask for a name nobody set."""


def page_defaults(request) -> dict:
    return {"error_summary": None, "run": None}
