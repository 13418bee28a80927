"""WSGI middleware in front of moto: IAM answers like AWS's.

Requests are read (form body or query string), IAM actions that moto gets wrong
are checked or answered here against moto's in-process backends, everything
else is forwarded to moto unchanged. Requests that touch IAM/STS state run under
one lock (moto's models are not thread safe) and mark their account dirty for
persistence.
"""
import io
import json
import re
import threading
import time
from urllib.parse import parse_qs, urlencode

from . import accounts, awsxml, iam_handlers, policy_eval, retention, root, signin
from .awsxml import IAMError
from .lag import LAG_PROBLEM, Lag
from .numbers import LATENCY_PROBLEM, parse_lag_ms, parse_latency_ms

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/")
_READ_ONLY_PREFIXES = ("Get", "List", "Simulate")
_ROLE_ACCOUNT = re.compile(r"^arn:[\w-]+:iam::(\d{12}):")


class Captured:
    """A WSGI response already produced by moto."""

    def __init__(self, status_line, headers, body):
        self.status_line = status_line
        self.status = int(status_line.split(" ", 1)[0])
        self.headers = headers
        self.body = body

    def __call__(self, environ, start_response):
        # A handler may have rewritten the body: the length must follow it.
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        start_response(self.status_line, headers + [("Content-Length", str(len(self.body)))])
        return [self.body]


class Request:
    def __init__(self, environ, body, params, service, access_key, region, forward):
        self.environ = environ
        self.body = body
        self.params = params
        self.service = service
        self.access_key = access_key
        self.region = region
        self.action = params.get("Action", "")
        self._forward = forward
        self.account_id = accounts.get_account_id_from(access_key) if access_key else accounts.DEFAULT_ACCOUNT_ID

    @property
    def backend(self):
        return accounts.iam_backend(self.account_id)

    def param(self, name, default=None):
        return self.params.get(name, default)

    def forward(self, extra_params=None):
        """Send the request to moto (optionally with extra form parameters)."""
        environ = self.environ
        if extra_params:
            params = dict(self.params)
            params.update(extra_params)
            body = urlencode(params).encode("utf-8")
            environ = dict(environ)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded; charset=utf-8"
            environ["REQUEST_METHOD"] = "POST"
            environ["QUERY_STRING"] = ""
            environ["wsgi.input"] = io.BytesIO(body)
        else:
            environ["wsgi.input"] = io.BytesIO(self.body)
        return self._forward(environ, self.service)

    def caller_access_key(self):
        return self.backend.access_keys.get(self.access_key) if self.access_key else None

    def caller_is_root(self, console_only=False):
        """Whether the credentials are the root user's: a practice console session, or (unless
        `console_only`) one of its access keys."""
        key = self.caller_access_key()
        if key is None:
            return False
        return bool(getattr(key, "sandbox_root", False) or (not console_only and getattr(key, "sandbox_root_key", False)))

    def caller_user_name(self):
        """The IAM user the credentials act as (console session or user access key), else None."""
        key = self.caller_access_key()
        if key is None:
            return None
        console_user = getattr(key, "sandbox_console_user", None)
        if console_user:
            return console_user
        if key.user_name and not getattr(key, "role_arn", None):
            return key.user_name
        return None


def authorize(request):
    """An IAM user's own credentials act only as far as the user's policies allow (AWS's evaluation:
    explicit Deny, then Allow, else AccessDenied). The wizard's assumed role is not evaluated."""
    name = request.caller_user_name()
    if name is None:
        return
    backend = request.backend
    user = backend.users.get(name)
    if user is None:
        return
    key = request.caller_access_key()
    console = getattr(key, "sandbox_console_user", None)
    # A console session knows whether it signed in with MFA; a long-term access key carries no MFA key at all.
    context = {"aws:MultiFactorAuthPresent": bool(getattr(key, "sandbox_mfa", False))} if console else {}
    action = f"iam:{request.action}"
    resource = policy_eval.resource_arn(request.account_id, request.action, request.params, name)
    account_policy = backend.account_password_policy
    implicit = (action in policy_eval.SELF_SERVICE_BY_ACCOUNT_POLICY and account_policy is not None
                and account_policy.allow_users_to_change_password)
    decision = policy_eval.decide(policy_eval.user_documents(backend, user), action, resource, context, name, implicit)
    if decision == "Allow":
        return
    why = "with an explicit deny in an identity-based policy" if decision == "Deny" else f"because no identity-based policy allows the {action} action"
    raise IAMError("AccessDenied", f"User: {user.arn} is not authorized to perform: {action} on resource: {resource} {why}")


def _read_body(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if length:
        return stream.read(length)
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked" or environ.get("wsgi.input_terminated"):
        return stream.read()
    return b""


def _parse(environ, body):
    params = {}
    content_type = environ.get("CONTENT_TYPE", "")
    sources = [environ.get("QUERY_STRING", "")]
    if body and "x-www-form-urlencoded" in content_type:
        sources.append(body.decode("utf-8", "replace"))
    for source in sources:
        for key, values in parse_qs(source, keep_blank_values=True).items():
            params[key] = values[0]
    return params


class SandboxMiddleware:
    """`app` answers everything; `service_app(name)`, when given, makes the app of one service
    (moto's create_backend_app), used for IAM and STS without asking `app` to work out, from
    the host and headers, which service a request is for (a scan of moto's ~200 services)."""

    def __init__(self, app, store=None, lock=None, service_app=None, latency_ms=0, lag_ms=0):
        self.app = app
        self.store = store
        self.lock = lock or threading.RLock()
        self._service_apps = {name: service_app(name) for name in ("iam", "sts")} if service_app else {}
        # Added to every IAM, STS and console sign-in answer, outside the lock (requests overlap,
        # as they do on AWS): the emulator answers in a millisecond or two, AWS in tens of them.
        # 0 unless asked for (`manage.py sandbox --latency-ms`, or POST /_sandbox/latency).
        self.latency_ms = latency_ms
        # IAM's eventual consistency (lag.py): what a write made stays out of sight for this long.
        # Off unless asked for (`--consistency-lag-ms`, or POST /_sandbox/lag).
        self.lag = Lag(lag_ms)

    def _wait_like_aws(self):
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)

    def _forward(self, environ, service=None):
        app = self._service_apps.get(service, self.app)
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"] = status
            captured["headers"] = headers
            return lambda data: captured.setdefault("written", []).append(data)

        result = app(environ, start_response)
        try:
            chunks = captured.get("written", []) + list(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return Captured(captured["status"], captured["headers"], b"".join(chunks))

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sandbox/"):
            return self._sandbox_route(environ, start_response, path)

        match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = match.group(3) if match else None
        if service not in ("iam", "sts"):
            return self.app(environ, start_response)

        body = _read_body(environ)
        params = _parse(environ, body)
        self._wait_like_aws()
        with self.lock:
            request = Request(environ, body, params, service, match.group(1), match.group(2), self._forward)
            handlers = iam_handlers.IAM if service == "iam" else iam_handlers.STS
            handler = handlers.get(request.action)
            try:
                if service == "iam":
                    authorize(request)
                    self.lag.check(request)
                response = handler(request) if handler else request.forward()
            except IAMError as error:
                response = error.response()
            self.lag.after(request, response)
            self._mark_dirty(request, response)
        return response(environ, start_response)

    def _mark_dirty(self, request, response):
        if self.store is None or getattr(response, "status", 200) >= 400:
            return
        if request.service == "iam" and not request.action.startswith(_READ_ONLY_PREFIXES):
            self.store.mark_dirty(request.account_id)
        elif request.service == "sts" and request.action.startswith("AssumeRole"):
            match = _ROLE_ACCOUNT.match(request.param("RoleArn", ""))
            self.store.mark_dirty(match.group(1) if match else request.account_id)

    def _sandbox_route(self, environ, start_response, path):
        if path.rstrip("/") == "/_sandbox/console-signin":
            if environ.get("REQUEST_METHOD") != "POST":
                return awsxml.Response(405, '{"Code": "MethodNotAllowed", "Message": "Use POST."}',
                                       "application/json")(environ, start_response)
            body = _read_body(environ)
            params = _parse(dict(environ, CONTENT_TYPE=environ.get("CONTENT_TYPE") or "application/x-www-form-urlencoded"), body)
            self._wait_like_aws()
            with self.lock:
                response, account_id = signin.console_signin(params)
                if account_id and self.store is not None:
                    self.store.mark_dirty(account_id)
            return response(environ, start_response)
        if path.rstrip("/") == "/_sandbox/root-user":
            return self._root_user_route(environ, start_response)
        if path.rstrip("/") == "/_sandbox/root-mfa":
            return self._root_mfa_route(environ, start_response)
        if path.rstrip("/") == "/_sandbox/latency":
            return self._latency_route(environ, start_response)
        if path.rstrip("/") == "/_sandbox/lag":
            return self._lag_route(environ, start_response)
        if path.rstrip("/").startswith("/_sandbox/accounts"):
            answer = retention.route(self, environ, start_response, path.rstrip("/"))
            if answer is not None:
                return answer
        return awsxml.Response(404, '{"Code": "NotFound", "Message": "Unknown sandbox route."}',
                               "application/json")(environ, start_response)

    def _root_user_route(self, environ, start_response):
        """POST account=<id>: the account's root e-mail and a new practice password for it (as
        "Forgot password?" would give). With `access_key=1` the root user also gets an access key
        when it has none, as many older accounts have (answered by id only: nobody is to use it,
        the practice is to find and delete it). The sandbox listens on loopback only."""
        if environ.get("REQUEST_METHOD") != "POST":
            return awsxml.Response(405, '{"Code": "MethodNotAllowed", "Message": "Use POST."}', "application/json")(environ, start_response)
        body = _read_body(environ)
        params = _parse(dict(environ, CONTENT_TYPE="application/x-www-form-urlencoded"), body)
        account_id = params.get("account", "")
        with self.lock:
            found = accounts.find_account(account_id)
            if found is None:
                return awsxml.Response(404, '{"Code": "NoSuchEntity", "Message": "No such account."}', "application/json")(environ, start_response)
            backend = accounts.iam_backend(found)
            password = root.new_password(backend)
            answer = {"Email": root.email(found), "Password": password, "AccountId": found}
            if params.get("access_key") == "1":
                keys = list(root.state(backend)["access_keys"]) or [root.create_access_key(backend).access_key_id]
                answer["AccessKeyIds"] = keys
            if self.store is not None:
                self.store.mark_dirty(found)
        return awsxml.Response(200, json.dumps(answer), "application/json")(environ, start_response)

    def _root_mfa_route(self, environ, start_response):
        """The console's "Assign MFA device" for the root user: POST `access_key` (of a root console
        session), `serial` (a virtual device it created), `code1`, `code2`."""
        def answer(status, payload):
            return awsxml.Response(status, json.dumps(payload), "application/json")(environ, start_response)

        if environ.get("REQUEST_METHOD") != "POST":
            return answer(405, {"Code": "MethodNotAllowed", "Message": "Use POST."})
        params = _parse(dict(environ, CONTENT_TYPE="application/x-www-form-urlencoded"), _read_body(environ))
        self._wait_like_aws()
        with self.lock:
            account_id = accounts.get_account_id_from(params.get("access_key", ""))
            backend = accounts.iam_backend(account_id)
            key = backend.access_keys.get(params.get("access_key", ""))
            if key is None or not getattr(key, "sandbox_root", False):
                return answer(403, {"Code": "AccessDenied", "Message": "Sign in as the root user first."})
            device = backend.virtual_mfa_devices.get(params.get("serial", ""))
            if device is None:
                return answer(404, {"Code": "NoSuchEntity", "Message": "No such MFA device."})
            if device.user is not None or getattr(device, "sandbox_root", False):
                return answer(409, {"Code": "EntityAlreadyExists", "Message": "MFA Device is already in use."})
            if not root.enable_mfa(backend, device, params.get("code1", ""), params.get("code2", "")):
                return answer(403, {"Code": "InvalidAuthenticationCode", "Message": "Authentication code for device is not valid."})
            if self.store is not None:
                self.store.mark_dirty(account_id)
        return answer(200, {"SerialNumber": device.serial_number})

    def _latency_route(self, environ, start_response):
        """GET: the added latency; POST ms=N (0 to 10000): set it. For benchmarks and demos of
        how the wizard behaves at AWS's speed; the sandbox listens on loopback only."""
        return self._ms_switch(environ, start_response, parse_latency_ms, LATENCY_PROBLEM, "latency_ms",
                               lambda: self.latency_ms, lambda value: setattr(self, "latency_ms", value))

    def _lag_route(self, environ, start_response):
        """GET: IAM's eventual consistency as the sandbox plays it, in ms; POST ms=N (0 to 60000): set
        it (0 turns it off, and what was hidden shows at once). See lag.py; loopback only."""
        def change(value):
            with self.lock:
                self.lag.set(value)
        return self._ms_switch(environ, start_response, parse_lag_ms, LAG_PROBLEM, "lag_ms", lambda: self.lag.ms, change)

    @staticmethod
    def _ms_switch(environ, start_response, parse, problem, name, current, change):
        """A runtime switch in milliseconds: POST ms=N sets it through `change` (400 when `parse`
        refuses N), and every answer is {name: current()}."""
        if environ.get("REQUEST_METHOD") == "POST":
            body = _read_body(environ)
            value = parse(_parse(dict(environ, CONTENT_TYPE="application/x-www-form-urlencoded"), body).get("ms", ""))
            if value is None:
                return awsxml.Response(400, json.dumps({"Code": "ValidationError", "Message": f"ms must be {problem}."}),
                                       "application/json")(environ, start_response)
            change(value)
        return awsxml.Response(200, json.dumps({name: current()}), "application/json")(environ, start_response)
