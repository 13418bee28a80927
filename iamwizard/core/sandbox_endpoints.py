"""Several sandboxes: which one holds an emulated account (no Django, no boto3).

IAMWIZARD_SANDBOX_URL may name several standalone sandboxes, comma-separated, so that several
hosts share the emulated AWS of a large room. Each emulated account lives on exactly one of them,
chosen from its id alone, so every worker on every host sends an account's calls to the same
sandbox without asking anyone:

* With several sandboxes, a new account id begins with 0 and its next two digits are the position
  of its sandbox in the list (00 the first, 01 the second...), the other nine digits random:
  `0 01 482913376` lives on the second. New accounts are spread evenly over the list.
* Any other id (a 12-digit id that does not begin with 0: every account made while there was one
  sandbox) lives on the first sandbox of the list, where a single-sandbox deployment kept them.

So a deployment can grow from one sandbox to several, and add sandboxes at the end of the list,
without moving any account; reordering or removing entries does move them (their state stays on
the sandbox that held them). When one sandbox is down, only the accounts that live on it meet an
error (naming that sandbox); the others carry on.
"""
import secrets
from urllib.parse import urlsplit

MAX_ENDPOINTS = 100  # two digits of the account id


class EndpointsProblem(ValueError):
    """A bad IAMWIZARD_SANDBOX_URL: `kind` and `params` say what (turned into words at the edge)."""

    def __init__(self, kind: str, **params):
        super().__init__(kind, params)
        self.kind = kind
        self.params = params

    def describe(self) -> str:
        """English, for start-up errors (settings are read before any language is chosen)."""
        p = self.params
        return {
            "empty-entry": "IAMWIZARD_SANDBOX_URL has an empty entry between commas.",
            "not-a-url": f"IAMWIZARD_SANDBOX_URL: {p.get('entry')!r} is not an http:// or https:// address "
                         "with a host (for example http://127.0.0.1:5000).",
            "has-path": f"IAMWIZARD_SANDBOX_URL: {p.get('entry')!r} must be the sandbox's root address, "
                        "without a path, query or fragment.",
            "duplicate": f"IAMWIZARD_SANDBOX_URL names {p.get('entry')!r} twice; each sandbox must appear once.",
            "too-many": f"IAMWIZARD_SANDBOX_URL names {p.get('count')} sandboxes; at most {MAX_ENDPOINTS}.",
        }.get(self.kind, f"IAMWIZARD_SANDBOX_URL is not valid ({self.kind}).")


def parse(text: str) -> list:
    """The endpoints named by IAMWIZARD_SANDBOX_URL, in order, without a trailing slash; [] when
    unset (the embedded sandbox). Raises EndpointsProblem for a bad value."""
    text = (text or "").strip()
    if not text:
        return []
    endpoints = []
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            raise EndpointsProblem("empty-entry")
        try:
            parts = urlsplit(entry)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError:
            raise EndpointsProblem("not-a-url", entry=entry) from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EndpointsProblem("not-a-url", entry=entry)
        if parts.path.strip("/") or parts.query or parts.fragment:
            raise EndpointsProblem("has-path", entry=entry)
        endpoint = f"{parts.scheme}://{parts.netloc}"
        if endpoint in endpoints:
            raise EndpointsProblem("duplicate", entry=entry)
        endpoints.append(endpoint)
    if len(endpoints) > MAX_ENDPOINTS:
        raise EndpointsProblem("too-many", count=len(endpoints))
    return endpoints


def index_for(account_id: str, count: int) -> int:
    """Position in the list of the sandbox that holds `account_id` (see the module's story)."""
    if count <= 1:
        return 0
    account_id = account_id or ""
    if len(account_id) == 12 and account_id.isascii() and account_id.isdigit() and account_id[0] == "0":
        slot = int(account_id[1:3])
        if slot < count:
            return slot
    return 0


def endpoint_for(account_id: str, endpoints: list) -> str:
    return endpoints[index_for(account_id, len(endpoints))]


def new_account_id(count: int, randbelow=secrets.randbelow) -> str:
    """A new emulated account's id; with several sandboxes it names one of them, chosen at random."""
    if count <= 1:
        return str(randbelow(900_000_000_000) + 100_000_000_000)
    return f"0{randbelow(min(count, MAX_ENDPOINTS)):02d}{randbelow(1_000_000_000):09d}"
