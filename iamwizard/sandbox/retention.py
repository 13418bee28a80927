"""Retention in the sandbox: emulated accounts are dropped when the wizard expires their runs.

The wizard decides what expires (it knows which runs are idle, `iamwizard/wizard/retention.py`,
and which workshops are closed, `iamwizard/workshops/retention.py`; run by `manage.py expire_data`)
and asks the sandbox, on its loopback admin routes (or, for the sandbox embedded in the app's own
process, the package's `drop_saved_accounts` and `unchanged_saved_accounts`):

* `GET /_sandbox/accounts` answers `{"count": N}`: the emulated accounts that exist (saved or in memory); with
  `?unchanged_days=D`, also `"unchanged": [...]`, the saved accounts whose state has not changed
  for D days (the wizard drops those that belong to no run of its own: orphans).
* `POST /_sandbox/accounts/drop` with one or more `account=<12 digits>` drops each of them: its IAM
  and STS state, the access keys that led to it, and its saved file, so that a restart does not
  bring it back. Answers `{"dropped": [...], "unknown": [...]}`; dropping twice is harmless.

`drop_account` is the one place that knows how an account is forgotten.
"""
import json
import re

from . import accounts, awsxml

ACCOUNT_ID = re.compile(r"[0-9]{12}")


def drop_account(account_id):
    """Forget one emulated account, in memory and on disk, with its access keys. True when there
    was something to drop (`accounts.delete_account` does the work under the state lock)."""
    return accounts.delete_account(account_id)


def count_accounts():
    return accounts.count_accounts()


def unchanged_accounts(store, days, now=None):
    """Saved accounts whose file was last written `days` or more ago (a change is saved within a
    second, so the file's age is the account's idle time). Never the sandbox's own default account."""
    import os
    import time

    if store is None:
        return []
    cutoff = (now or time.time()) - days * 86400
    found = []
    for entry in os.scandir(store.directory):
        account_id = entry.name[:-len(".pickle")]
        if entry.name.endswith(".pickle") and ACCOUNT_ID.fullmatch(account_id) and account_id != accounts.DEFAULT_ACCOUNT_ID:
            try:
                if entry.stat().st_mtime < cutoff:
                    found.append(account_id)
            except FileNotFoundError:  # dropped meanwhile
                pass
    return sorted(found)


def route(middleware, environ, start_response, path):
    """The two admin routes above, or None when `path` is neither."""
    def answer(status, payload):
        return awsxml.Response(status, json.dumps(payload), "application/json")(environ, start_response)

    method = environ.get("REQUEST_METHOD")
    if path == "/_sandbox/accounts":
        if method != "GET":
            return answer(405, {"Code": "MethodNotAllowed", "Message": "Use GET."})
        from urllib.parse import parse_qs

        days = parse_qs(environ.get("QUERY_STRING", "")).get("unchanged_days", [""])[0]
        if days and not (days.isascii() and days.isdigit()):
            return answer(400, {"Code": "ValidationError", "Message": "unchanged_days must be a whole number of days."})
        payload = {"count": count_accounts()}
        if days:
            payload["unchanged"] = unchanged_accounts(middleware.store, int(days))
        return answer(200, payload)
    if path == "/_sandbox/accounts/drop":
        if method != "POST":
            return answer(405, {"Code": "MethodNotAllowed", "Message": "Use POST."})
        from urllib.parse import parse_qs

        from .middleware import _read_body

        wanted = parse_qs(_read_body(environ).decode("utf-8", "replace")).get("account", [])
        bad = [a for a in wanted if not ACCOUNT_ID.fullmatch(a)]
        if bad or not wanted:
            return answer(400, {"Code": "ValidationError", "Message": "Give one or more account=<12 digits>."})
        dropped, unknown = [], []
        for account_id in dict.fromkeys(wanted):
            (dropped if drop_account(account_id) else unknown).append(account_id)
        return answer(200, {"dropped": dropped, "unknown": unknown})
    return None
