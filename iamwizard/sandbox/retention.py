"""Retention in the sandbox: emulated accounts are dropped when the wizard expires their runs.

The wizard decides what expires (it knows which runs are idle and which workshops are closed:
`iamwizard/wizard/retention.py`, run by `manage.py expire_data`) and asks the sandbox, on its
loopback admin routes:

* `GET /_sandbox/accounts` answers `{"count": N}`: the emulated accounts in memory now.
* `POST /_sandbox/accounts/drop` with one or more `account=<12 digits>` drops each of them: its IAM
  and STS state, the access keys that led to it, and its saved file, so that a restart does not
  bring it back. Answers `{"dropped": [...], "unknown": [...]}`; dropping twice is harmless.

`drop_account` is the one place that knows how an account is forgotten.
"""
import json
import re

from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from . import accounts, awsxml

ACCOUNT_ID = re.compile(r"[0-9]{12}")


def drop_account(account_id, store=None, lock=None):
    """Forget one emulated account, in memory and on disk. True when there was something to drop.
    `lock` guards moto's state (the middleware's); `store` is the sandbox's persistence, if any."""
    if lock is None:
        from .server import _state_lock as lock
    with lock:
        found = dict.pop(iam_backends, account_id, None) is not None
        found = dict.pop(sts_backends, account_id, None) is not None or found
        for key, owner in list(accounts._key_index.items()):
            if owner == account_id:
                accounts._key_index.pop(key, None)
    if store is not None:  # outside the state lock: the store's writer takes the two in the other order
        found = store.forget(account_id) or found
    return found


def count_accounts():
    return len(accounts.account_ids())


def route(middleware, environ, start_response, path):
    """The two admin routes above, or None when `path` is neither."""
    def answer(status, payload):
        return awsxml.Response(status, json.dumps(payload), "application/json")(environ, start_response)

    method = environ.get("REQUEST_METHOD")
    if path == "/_sandbox/accounts":
        if method != "GET":
            return answer(405, {"Code": "MethodNotAllowed", "Message": "Use GET."})
        with middleware.lock:
            return answer(200, {"count": count_accounts()})
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
            (dropped if drop_account(account_id, middleware.store, middleware.lock) else unknown).append(account_id)
        return answer(200, {"dropped": dropped, "unknown": unknown})
    return None
