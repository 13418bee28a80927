"""The AWS boundary: the only code that imports boto3.

A `Gateway` acts in one target (the sandbox's emulated account of a run, or a real
account through boto3's standard credential chain), records every call it makes
(operation, redacted parameters, outcome, request id, latency) through a recorder
callback, and turns botocore's exceptions into an `AwsError` carrying a plain-words
`AwsProblem`. No Django here: the caller decides where records go.
"""
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import boto3
import botocore.exceptions
from botocore import xform_name
from botocore.config import Config
from botocore.credentials import Credentials, RefreshableCredentials
from botocore.retries import standard as standard_retries

from iamwizard.core import consistency, sandbox_admin
from iamwizard.core.errors import ENDPOINT_UNREACHABLE, TIMEOUT, AwsProblem, explain
from iamwizard.core.redact import SECRET_FIELD_IN_TEXT, redact

# A person waits for every click: each click's AWS work has a time budget (`time_budget`), so a
# hung or unreachable endpoint gets a clear answer within CLICK_SECONDS, never minutes.
# An attempt waits at most CONNECT_TIMEOUT + READ_TIMEOUT (IAM answers in well under a second),
# and starts only while it can end within the click's budget.
CLICK_SECONDS = 30
CONNECT_TIMEOUT = 3
READ_TIMEOUT = 8
ATTEMPT_SECONDS = CONNECT_TIMEOUT + READ_TIMEOUT
# Standard retry mode retries Throttling and 5xx with backoff; LimitExceeded and
# friends are not retried (botocore's choice, and AWS's advice). A retry whose backoff would
# start it too late for the budget is not made (see _retry_within_budget).
# One client per service is shared by the worker's threads (gunicorn's 8, and the 16 of
# Gateway.at_once): with botocore's default pool of 10 connections, a busy worker opened a new
# connection for the calls beyond 10 and dropped it afterwards (and the sandbox a thread for each).
MAX_POOL_CONNECTIONS = 32
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                       max_pool_connections=MAX_POOL_CONNECTIONS)
SANDBOX_REGION = sandbox_admin.REGION
SANDBOX_ADMIN = {"aws_access_key_id": sandbox_admin.ACCESS_KEY_ID, "aws_secret_access_key": sandbox_admin.SECRET_ACCESS_KEY}
# Called with every boto3 client the boundary creates. Empty in production; tests'
# fault injection (iamwizard.aws.faults) registers its botocore event handler here.
CLIENT_HOOKS: list = []


# One boto3 session for the whole process: it caches the parsed service models, so a new
# client costs a few milliseconds instead of the ~100 ms a fresh session pays to load them.
# Clients get their credentials explicitly (an assumed role, the sandbox's) or, for real
# accounts without a role, from this session's standard credential chain.
_base_session: boto3.Session | None = None
_session_lock = threading.Lock()  # creating clients from one session is not thread-safe


def _new_client(service: str, *, endpoint_url=None, region_name=None, credentials=None):
    global _base_session
    keys = {}
    if credentials:
        keys = {"aws_access_key_id": credentials["AccessKeyId"], "aws_secret_access_key": credentials["SecretAccessKey"],
                "aws_session_token": credentials.get("SessionToken")}
    with _session_lock:
        if _base_session is None:
            _base_session = boto3.Session()
        region = region_name or _base_session.region_name or SANDBOX_REGION
        client = _base_session.client(service, endpoint_url=endpoint_url, region_name=region, config=CLIENT_CONFIG, **keys)
    _guard_library_logs()  # creating a client may import modules with loggers of their own
    _retry_within_budget(client)
    for hook in CLIENT_HOOKS:
        hook(client)
    return client


# botocore at DEBUG logs request and response bodies and signed headers: passwords, MFA codes
# and seeds, temporary credentials. Settings keep it at WARNING, but whoever turns it up to
# debug something must not get secrets: a message that carries a secret field is withheld.
# The secret fields are core.redact's one list (SECRET_PARAMETERS), as the activity history's.
_SECRET_FIELD = SECRET_FIELD_IN_TEXT
_LIBRARIES = ("botocore", "boto3", "urllib3", "s3transfer")


class _WithholdSecrets(logging.Filter):
    def filter(self, record):
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is not ours to break
            return True
        if _SECRET_FIELD.search(text):
            record.msg, record.args = f"[{record.name} message withheld: it carried secret values]", None
        return True


_WITHHOLD = _WithholdSecrets()


def _guard_library_logs():
    for name in _LIBRARIES:
        logging.getLogger(name)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.split(".")[0] in _LIBRARIES and _WITHHOLD not in logger.filters:
            logger.addFilter(_WITHHOLD)


_guard_library_logs()


# The time (time.monotonic()) after which no attempt may start, for the click being served:
# an attempt started before it ends (answered, or timed out) within the click's budget.
_last_start: ContextVar = ContextVar("iamwizard_last_attempt_start", default=None)


@contextmanager
def time_budget(seconds: float = CLICK_SECONDS):
    """Within the block, AWS calls (with botocore's retries) end within `seconds` from now.
    A budget inside another one never extends it."""
    last_start = time.monotonic() + seconds - ATTEMPT_SECONDS
    outer = _last_start.get()
    token = _last_start.set(last_start if outer is None else min(outer, last_start))
    try:
        yield
    finally:
        _last_start.reset(token)


def seconds_left() -> float:
    """How long calls may still start within the current click's budget (inf outside any)."""
    last_start = _last_start.get()
    return float("inf") if last_start is None else last_start - time.monotonic()


def _budget_for_calls():
    """The current click's last start, or a budget of its own for calls made outside any click."""
    last_start = _last_start.get()
    return last_start if last_start is not None else time.monotonic() + CLICK_SECONDS - ATTEMPT_SECONDS


class OutOfTime(Exception):
    """The click's time budget has no room for another attempt."""

    def __init__(self, endpoint_url):
        super().__init__(endpoint_url)
        self.endpoint_url = endpoint_url


def _retry_within_budget(client):
    """Wrap botocore's standard retry handler: a retry happens as botocore decides (same
    conditions, same backoff), unless after its backoff it would start too late for the budget."""
    events = client.meta.events
    name = client.meta.service_model.service_id.hyphenize()
    unique_id = f"retry-config-{name}"
    events.unregister(f"needs-retry.{name}", unique_id=unique_id)
    botocore_handler = standard_retries.register_retry_handler(client, max_attempts=_total_attempts())
    events.unregister(f"needs-retry.{name}", unique_id=unique_id)

    def needs_retry(**kwargs):
        delay = botocore_handler.needs_retry(**kwargs)
        if delay is None or delay is False:
            return delay
        last_start = _last_start.get()
        if last_start is not None and time.monotonic() + delay > last_start:
            return False  # no room for this retry: the call ends with the error it met
        return delay

    events.register(f"needs-retry.{name}", needs_retry, unique_id=unique_id)


def _total_attempts() -> int:
    retries = CLIENT_CONFIG.retries
    return retries.get("total_max_attempts") or retries["max_attempts"] + 1


@dataclass(frozen=True)
class Target:
    """Where calls go. kind is 'sandbox' (endpoint + emulated account id) or 'aws'."""

    kind: str
    account_id: str = ""
    endpoint_url: str = ""
    role_arn: str = ""


@dataclass
class CallRecord:
    service: str
    operation: str
    parameters: dict
    ok: bool
    error_code: str = ""
    request_id: str = ""
    milliseconds: int = 0
    attempt: int = 1  # the 2nd, 3rd... attempt of a call asked again (see Gateway.at_once)
    retried: bool = False  # this answer was NoSuchEntity about something just made: asked again


class AwsError(Exception):
    def __init__(self, problem: AwsProblem, operation: str):
        super().__init__(f"{operation}: {problem.code}")
        self.problem = problem
        self.operation = operation
        # (attempts, seconds) when this NoSuchEntity was about something the run made moments ago
        # and was still the answer after asking again that many times over that long.
        self.unsettled = None

    @property
    def code(self):
        return self.problem.code


# Calls that act with explicit credentials (a run's assumed role, a signed-in user's session)
# share one client per service and endpoint: the credentials travel with the call, through
# botocore's per-request signing credentials, instead of living in a client of their own
# (a new client costs a few milliseconds of CPU; a classroom makes hundreds).
_call_credentials: ContextVar = ContextVar("iamwizard_call_credentials", default=None)
# A shared client's own keys, never used to sign: every call through one carries its own.
_NOT_FOR_SIGNING = {"AccessKeyId": "AKIAUNUSEDUNUSED0000", "SecretAccessKey": "every-call-carries-its-own-credentials"}


def _sign_with_call_credentials(request, **_):
    credentials = _call_credentials.get()
    if credentials is not None:
        request.context.setdefault("signing", {})["request_credentials"] = credentials


def _as_botocore(credentials: dict) -> Credentials:
    return Credentials(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials.get("SessionToken"))


@dataclass
class _TargetSession:
    # Refreshable (an assumed role: botocore assumes it again shortly before its Expiration), or
    # None: the base session's own credential chain.
    credentials: Credentials | None


_sessions: dict = {}  # Target -> _TargetSession
_assume_locks: dict = {}  # Target -> the lock held while its role is being assumed
# (service, endpoint, per_call) -> the process's client: signing with each call's credentials
# (per_call) or with the base session's credential chain (a real account without a role).
_clients: dict = {}
_cache_lock = threading.Lock()
SANDBOX_ADMIN_CREDENTIALS = {"AccessKeyId": SANDBOX_ADMIN["aws_access_key_id"], "SecretAccessKey": SANDBOX_ADMIN["aws_secret_access_key"]}


def _region_for(endpoint_url):
    return SANDBOX_REGION if endpoint_url else None


def _process_client(service: str, endpoint_url: str | None, per_call: bool):
    key = (service, endpoint_url, per_call)
    with _cache_lock:
        client = _clients.get(key)
    if client is None:
        client = _new_client(service, endpoint_url=endpoint_url, region_name=_region_for(endpoint_url),
                             credentials=_NOT_FOR_SIGNING if per_call else None)
        if per_call:
            client.meta.events.register("before-sign", _sign_with_call_credentials)
        with _cache_lock:
            client = _clients.setdefault(key, client)
    return client


def shared_client(service: str, endpoint_url: str | None):
    """The process's client for `service` at `endpoint_url`; call it inside `acting_as(...)`."""
    return _process_client(service, endpoint_url, per_call=True)


def _chain_client(service: str, endpoint_url: str | None):
    """A client signing with the base session's credential chain (real account, no role)."""
    return _process_client(service, endpoint_url, per_call=False)


@contextmanager
def acting_as(credentials: Credentials | None):
    token = _call_credentials.set(credentials)
    try:
        yield
    finally:
        _call_credentials.reset(token)


def _assume(role_arn: str, endpoint_url: str | None, credentials: dict | None) -> dict:
    """AssumeRole's answer: the role's temporary credentials, with their real `Expiration`."""
    if credentials is None:  # a real account: assume from the base session's credential chain
        sts = _chain_client("sts", None)
        return sts.assume_role(RoleArn=role_arn, RoleSessionName="iamwizard")["Credentials"]
    with acting_as(_as_botocore(credentials)):
        answer = shared_client("sts", endpoint_url).assume_role(RoleArn=role_arn, RoleSessionName="iamwizard")
    return answer["Credentials"]


def _assume_for(target: Target) -> dict | None:
    if target.kind == "sandbox":
        return _assume(f"arn:aws:iam::{target.account_id}:role/iamwizard", target.endpoint_url, SANDBOX_ADMIN_CREDENTIALS)
    if target.role_arn:
        return _assume(target.role_arn, None, None)
    return None  # the standard chain: environment, AWS_PROFILE, instance role...


def _metadata(assumed: dict) -> dict:
    """AssumeRole's credentials as botocore's refreshable credentials read them."""
    return {"access_key": assumed["AccessKeyId"], "secret_key": assumed["SecretAccessKey"],
            "token": assumed.get("SessionToken"), "expiry_time": assumed["Expiration"].isoformat()}


def _credentials_for(target: Target) -> Credentials | None:
    """The target's role, assumed now, then again by botocore when a call is to be signed within
    minutes of the credentials' real `Expiration` (advisory 15, mandatory 10 minutes before it,
    botocore's defaults; one thread refreshes while the others wait or use the still-valid ones)."""
    first = _assume_for(target)
    if first is None:
        return None
    return RefreshableCredentials.create_from_metadata(
        _metadata(first), refresh_using=lambda: _metadata(_assume_for(target)), method="assume-role")


def session_for(target: Target) -> _TargetSession:
    """The target's credentials, assumed once per process and refreshed by botocore from their
    real `Expiration` (_credentials_for). Callers that need them at the same moment (calls made
    at once) wait for one AssumeRole."""
    with _cache_lock:
        entry = _sessions.get(target)
        if entry is not None:
            return entry
        assuming = _assume_locks.setdefault(target, threading.Lock())
    # Outside the cache lock: an AssumeRole for one run must not hold up every other run.
    with assuming:
        with _cache_lock:
            entry = _sessions.get(target)
        if entry is None:
            entry = _TargetSession(_credentials_for(target))
            with _cache_lock:
                _sessions[target] = entry
    return entry


def warm_up(endpoint_url: str | None) -> list:
    """Create the process's IAM and STS clients for `endpoint_url` (None: real AWS) ahead of
    the first call, which then does not wait for boto3 to load their service models."""
    services = ["sts", "iam"]
    for service in services:
        shared_client(service, endpoint_url)
    return services


def forget_clients():
    """Drop cached clients and the base session (its credential chain is read again next time)."""
    global _base_session
    with _cache_lock:
        _sessions.clear()
        _assume_locks.clear()
        _clients.clear()
    with _session_lock:
        _base_session = None


def _host(url: str) -> str:
    parsed = urllib.parse.urlsplit(url or "")
    return parsed.netloc or url or ""


def _problem_from(exc: Exception, operation: str, service: str) -> AwsProblem:
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        return explain(err.get("Code", "Unknown"), err.get("Message", ""), operation, service)
    if isinstance(exc, OutOfTime):
        return explain(TIMEOUT, "", operation, service, endpoint=_host(exc.endpoint_url), seconds=CLICK_SECONDS)
    if isinstance(exc, (botocore.exceptions.ConnectTimeoutError, botocore.exceptions.ReadTimeoutError)):
        return explain(TIMEOUT, str(exc), operation, service, endpoint=_host(exc.kwargs.get("endpoint_url", "")), seconds=CLICK_SECONDS)
    if isinstance(exc, botocore.exceptions.EndpointConnectionError):
        return explain(ENDPOINT_UNREACHABLE, str(exc), operation, service, endpoint=_host(exc.kwargs.get("endpoint_url", "")))
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return explain("NoCredentials", str(exc), operation, service)
    if isinstance(exc, botocore.exceptions.ParamValidationError):
        return explain("ValidationError", str(exc), operation, service)
    return explain("Unknown", str(exc), operation, service)


class Gateway:
    """Makes AWS calls for one target and reports each one to `recorder(CallRecord)` once it has
    ended; `announcer(["iam:CreateUser", ...])`, when given, hears which calls are starting (and
    `[]` once they have all ended), so that a waiting page can name the call under way.
    `batch_recorder(records)`, when given, receives the records of calls made at once together
    (one database write for a round instead of one per call), in the order given."""

    def __init__(self, target: Target, recorder=None, credentials: dict | None = None, announcer=None, batch_recorder=None,
                 history=None):
        self.target = target
        self.recorder = recorder
        self.batch_recorder = batch_recorder
        self.announcer = announcer
        # `history(seconds)`: the successful calls of earlier clicks that made or deleted something
        # (consistency.OPERATIONS) in the last `seconds`, oldest first, as (moment, operation,
        # params); asked only when a call meets NoSuchEntity. This gateway's own are kept here.
        self.history = history
        self._made = []
        # Explicit credentials (a signed-in IAM user's) instead of the target's assumed role.
        self._credentials = _as_botocore(credentials) if credentials else None

    def prepare(self):
        """Assume the target's role now, in the background, while a page that leads to calls is
        on screen: the first call then need not wait for the AssumeRole (one round trip less).
        Nothing changes in AWS, and a failure here is the first call's to report: it tries again."""
        if self._credentials is None and (self.target.kind == "sandbox" or self.target.role_arn):
            _concurrent_calls().submit(_prepare_session, self.target)

    def _client(self, service):
        """The client for `service` and the credentials to sign with (None: the client's own)."""
        endpoint = self.target.endpoint_url or None
        credentials = self._credentials or session_for(self.target).credentials
        if credentials is None:
            return _chain_client(service, endpoint), None
        return shared_client(service, endpoint), credentials

    def _attempt(self, service: str, operation: str, params: dict, last_start: float) -> tuple:
        """Make one call, if it can start by `last_start` (the click's budget); returns (its record,
        the answer or the exception it met). Records nothing."""
        started = time.perf_counter()
        record = CallRecord(service=service, operation=operation, parameters=redact(params), ok=True)
        token = _last_start.set(last_start)  # this thread may be the pool's: the budget travels along
        try:
            if time.monotonic() > last_start:
                raise OutOfTime(self.target.endpoint_url or f"https://{service}.amazonaws.com")
            client, credentials = self._client(service)
            with acting_as(credentials):
                response = getattr(client, xform_name(operation))(**params)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, OutOfTime) as exc:
            problem = _problem_from(exc, operation, service)
            record.ok, record.error_code = False, problem.code
            if isinstance(exc, botocore.exceptions.ClientError):
                record.request_id = exc.response.get("ResponseMetadata", {}).get("RequestId", "")
            outcome = AwsError(problem, operation)
        except Exception as exc:  # not AWS's answer (a bug, an interrupted worker): recorded, then raised
            record.ok, record.error_code = False, type(exc).__name__
            outcome = exc
        else:
            record.request_id = response.get("ResponseMetadata", {}).get("RequestId", "")
            outcome = response
            if operation in consistency.OPERATIONS:
                self._made.append((time.time(), operation, dict(params)))
        finally:
            _last_start.reset(token)
        record.milliseconds = int((time.perf_counter() - started) * 1000)
        return record, outcome

    def call(self, service: str, operation: str, **params) -> dict:
        return self.at_once((service, operation, params))[0]

    def iam(self, operation: str, **params) -> dict:
        return self.call("iam", operation, **params)

    def at_once(self, *calls, tolerate=(), settle=False) -> list:
        """Make independent calls at the same time, each (service, operation, params), and return
        their answers in the order given. AWS answers each in tens of milliseconds: four read-backs
        at once take the time of one. A call with a fourth element, another Gateway (a signed-in
        user's, see user_gateway), is made with that gateway's credentials, beside the others.

        Every call finishes before this returns. Their records then reach the recorder in the
        order given, from this thread (a recorder may write with this thread's database
        connection). The first call, in that order, that met an error raises its AwsError, unless
        its code is in `tolerate`: then that AwsError stands in the list in place of an answer.

        IAM is eventually consistent: a call that needs something the run made moments ago may
        meet NoSuchEntity while AWS does not show it yet. Such calls are made again, after a short
        wait that grows (consistency.delay), while the click's budget has room and for at most
        consistency.SETTLE_SECONDS after the thing was made. Nothing is repeated that succeeded: a
        NoSuchEntity answer changed nothing. Every attempt is recorded, numbered, the ones asked
        again marked `retried` (the calls of one attempt made at once reach `batch_recorder`
        together).

        With `settle`, nothing is raised: every call's error (an AwsError, or whatever else it
        met) stands in the list in place of its answer, so that a caller making changes at once
        can keep a progress marker for each call that succeeded before it reports the others.
        A NoSuchEntity that only meant "not visible yet" is asked again first, as above."""
        last_start, first_asked, attempt = _budget_for_calls(), time.monotonic(), 1
        outcomes = self._round(calls, range(len(calls)), last_start, 1, {})
        while True:
            settling = {i: made for i, (_, outcome) in enumerate(outcomes)
                        if (made := self._not_visible_yet(calls[i], outcome)) is not None}
            if not settling:
                break
            wait = consistency.delay(attempt)
            if time.monotonic() + wait > last_start or time.time() + wait > max(settling.values()) + consistency.SETTLE_SECONDS:
                for i in settling:  # no time left to ask again: AWS's answer stands, and says why
                    outcomes[i][1].unsettled = (attempt, round(time.monotonic() - first_asked, 1))
                break
            for i in settling:
                outcomes[i][0].retried = True
            self._report(outcomes)
            time.sleep(wait)
            attempt += 1
            outcomes = self._round(calls, list(settling), last_start, attempt, dict(enumerate(outcomes)))
        self._report(outcomes)
        answers = [outcome for _, outcome in outcomes]
        if settle:
            return answers
        for answer in answers:
            if isinstance(answer, Exception) and not (isinstance(answer, AwsError) and answer.code in tolerate):
                raise answer
        return answers

    def _make(self, call, last_start) -> tuple:
        """One attempt of `call`: (service, operation, params), or with a fourth element, the gateway
        whose credentials make it (a signed-in user's, beside this gateway's own calls); its record
        still goes to this gateway's recorder."""
        service, operation, params, *via = call
        maker = via[0] if via and via[0] is not None else self
        return maker._attempt(service, operation, params, last_start)

    def _round(self, calls, indexes, last_start, attempt, earlier) -> list:
        """Make calls[i] for each i in `indexes` at once; the outcomes of all calls, `earlier`'s for
        the others."""
        indexes = list(indexes)
        if self.announcer:
            self.announcer([f"{calls[i][0]}:{calls[i][1]}" for i in indexes])
        if len(indexes) == 1:
            made = [self._make(calls[indexes[0]], last_start)]
        else:
            made = list(_concurrent_calls().map(lambda i: self._make(calls[i], last_start), indexes))
        if self.announcer:
            self.announcer([])
        for record, _ in made:
            record.attempt = attempt
        outcomes = dict(earlier)
        outcomes.update(zip(indexes, made))
        return [outcomes[i] for i in range(len(calls))]

    def _report(self, outcomes):
        """Each record to the recorder once, in the order of the calls, a round after the other;
        several made in the same round to `batch_recorder` together, when there is one."""
        fresh = [record for record, _ in outcomes if not getattr(record, "_reported", False)]
        for record in fresh:
            record._reported = True
        if self.batch_recorder and len(fresh) > 1:
            self.batch_recorder(fresh)
        elif self.recorder:
            for record in fresh:
                self.recorder(record)

    def _not_visible_yet(self, call, outcome) -> float | None:
        """When `outcome` is NoSuchEntity about something the run made moments ago: when that was made."""
        if not (isinstance(outcome, AwsError) and outcome.code == "NoSuchEntity"):
            return None
        operation, params = call[1], call[2]
        needed = consistency.needs(operation, params)
        if not needed:
            return None
        history = list(self.history(consistency.SETTLE_SECONDS)) if self.history else []
        history = sorted(history + self._made, key=lambda made: made[0])
        return consistency.made_recently(history, needed, time.time())


_call_pool: ThreadPoolExecutor | None = None
log = logging.getLogger(__name__)


def _prepare_session(target: Target):
    try:
        session_for(target)
    except Exception:  # noqa: BLE001 - the first real call assumes the role again and reports what fails
        log.debug("assuming the role ahead of the first call failed", exc_info=True)


def _concurrent_calls() -> ThreadPoolExecutor:
    """The process's threads for `Gateway.at_once` (made on first use; a step makes a handful of calls at once:
    four read-backs, or Review's creating calls, which are a few unless many policies are chosen)."""
    global _call_pool
    with _cache_lock:
        if _call_pool is None:
            _call_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="aws-call")
        return _call_pool


class SignInRejected(Exception):
    """The sandbox's practice console refused the sign-in (wrong account, user or password)."""


class MfaCodeRejected(Exception):
    """The practice console refused the MFA code: `kind` and `params` say why (a core.problems Problem),
    `verdict` is core.totp's (not_six_digits, reused, clock_drift, invalid)."""

    def __init__(self, kind: str, params: dict, verdict: str = "invalid"):
        super().__init__(kind)
        self.kind, self.params, self.verdict = kind, params, verdict


class SignInExpired(Exception):
    """The practice console's MFA challenge is unknown or timed out: sign in with the password again."""


def _console(endpoint_url: str, fields: dict) -> dict:
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(f"{endpoint_url}/_sandbox/console-signin", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code != 401:
            raise
        answer = json.load(exc)
        if answer.get("Code") == "InvalidMFACode":
            diagnosis = answer.get("Diagnosis") or {}
            raise MfaCodeRejected(diagnosis.get("kind", "mfa.sign_in_invalid"), diagnosis.get("params") or {}, diagnosis.get("verdict", "invalid")) from None
        if answer.get("Code") == "ChallengeExpired":
            raise SignInExpired(answer.get("Message", "")) from None
        raise SignInRejected(answer.get("Message", "Sign-in failed.")) from None


def sandbox_console_signin(endpoint_url: str, account: str, user_name: str, password: str) -> dict:
    """Practise the console sign-in against the sandbox; returns the user's temporary credentials,
    or, for a user with an MFA device, {"MFARequired": True, "Challenge": ...} (see sandbox_mfa_signin)."""
    return _console(endpoint_url, {"account": account, "user_name": user_name, "password": password})


def sandbox_mfa_signin(endpoint_url: str, challenge: str, code: str) -> dict:
    """The practice console's second page: the MFA code; returns the user's temporary credentials."""
    return _console(endpoint_url, {"challenge": challenge, "mfa_code": code})


def user_gateway(endpoint_url: str, credentials: dict, recorder=None) -> Gateway:
    """A gateway acting as an IAM user with the temporary credentials from a practice sign-in."""
    return Gateway(Target("sandbox", credentials.get("AccountId", ""), endpoint_url), recorder, credentials=credentials)


class RootMfaRefused(Exception):
    """The practice console's "Assign MFA device" for the root user said no: `code` is AWS's
    (InvalidAuthenticationCode, EntityAlreadyExists, AccessDenied: the root session is gone)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _sandbox_post(endpoint_url: str, route: str, fields: dict) -> dict:
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(f"{endpoint_url}/_sandbox/{route}", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def sandbox_root_user(endpoint_url: str, account_id: str) -> dict:
    """The practice root user of a sandbox account: its e-mail address and a new practice password
    (as "Forgot password?" gives), and the ids of its access keys (it is given one, as many older
    accounts have, for the practice of deleting it)."""
    return _sandbox_post(endpoint_url, "root-user", {"account": account_id, "access_key": "1"})


def sandbox_root_signin(endpoint_url: str, email: str, password: str) -> dict:
    """The practice console's root sign-in, by e-mail address: the root user's temporary console
    credentials, or {"MFARequired": True, "Challenge": ...} once it has MFA (see sandbox_mfa_signin)."""
    return _console(endpoint_url, {"email": email, "password": password})


def sandbox_root_mfa(endpoint_url: str, access_key_id: str, serial: str, code1: str, code2: str) -> dict:
    """The console's "Assign MFA device" for the root user (AWS's API has no way): the root console
    session's key id, the virtual device it created, two consecutive codes. Raises RootMfaRefused."""
    try:
        return _sandbox_post(endpoint_url, "root-mfa", {"access_key": access_key_id, "serial": serial, "code1": code1, "code2": code2})
    except urllib.error.HTTPError as exc:
        if exc.code not in (403, 404, 409):
            raise
        raise RootMfaRefused(json.load(exc).get("Code", "")) from None
