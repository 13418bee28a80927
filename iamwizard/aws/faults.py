"""Fault injection at the AWS boundary, for tests: make AWS misbehave on chosen calls.

Inert unless a test activates it: production never imports this module, and nothing
here runs until `inject()` is entered. Faults are injected at botocore's `before-send`
event, i.e. below botocore's retry logic, so a burst of `Throttling` or HTTP 500 answers
goes through botocore's real standard-mode retries exactly as a real AWS answer would.

    with faults.inject("CreateUser", "throttling", times=2) as rule:
        ...  # botocore retries twice, then the real call goes through
    assert rule.fired == 2

Faults:
    unreachable              the endpoint refuses the connection (EndpointConnectionError)
    timeout                  the connection times out before the request is sent
    lost-response            AWS receives and *performs* the request, the answer is lost (read timeout)
    throttling               HTTP 400 Throttling ("Rate exceeded")
    http500                  HTTP 500 InternalFailure
    access-denied            HTTP 403 AccessDenied, naming the missing permission as AWS does
    concurrent-modification  HTTP 409 ConcurrentModification
"""
import contextlib
import threading
import uuid
from dataclasses import dataclass, field
from unittest import mock

import botocore.exceptions
from botocore.awsrequest import AWSResponse
from botocore.httpsession import URLLib3Session
from botocore.retries.standard import ExponentialBackoff

from iamwizard.aws import gateway

FAULTS = ("unreachable", "timeout", "lost-response", "throttling", "http500", "access-denied", "concurrent-modification")
# Faults botocore's standard retry mode retries by itself.
RETRIED = {"unreachable", "timeout", "lost-response", "throttling", "http500"}
# Attempts botocore makes for one call: Config's max_attempts counts retries, the first try comes on top.
_RETRIES = gateway.CLIENT_CONFIG.retries
MAX_ATTEMPTS = _RETRIES.get("total_max_attempts") or _RETRIES["max_attempts"] + 1

_ERRORS = {
    "throttling": (400, "Throttling", "Rate exceeded"),
    "http500": (500, "InternalFailure", "We encountered an internal error. Please try again."),
    "concurrent-modification": (409, "ConcurrentModification", "Rate of requests exceeded the rate at which they can be processed."),
}


@dataclass
class Rule:
    operation: str
    fault: str
    times: int | None  # None: every time
    service: str | None = None
    fired: int = 0
    events: list = field(default_factory=list)

    def matches(self, service, operation):
        return operation == self.operation and (self.service is None or self.service == service) and (self.times is None or self.fired < self.times)


_rules: list = []
_lock = threading.Lock()
_installed = False


class _Raw:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **kwargs):
        yield self._body


def _error_response(request, status, code, message):
    request_id = str(uuid.uuid4())
    body = (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        f"<Error><Type>{'Receiver' if status >= 500 else 'Sender'}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
    headers = {"x-amzn-RequestId": request_id, "Content-Type": "text/xml", "Content-Length": str(len(body))}
    return AWSResponse(request.url, status, headers, _Raw(body))


def _access_denied(request, service, operation):
    return _error_response(
        request, 403, "AccessDenied",
        f"User: arn:aws:iam::123456789012:user/operator is not authorized to perform: {service}:{operation} "
        "on resource: * because no identity-based policy allows the action",
    )


def _on_send(request, event_name="", **kwargs):
    """botocore's before-send: return a fake answer, raise a connection error, or None (send for real)."""
    if not _rules:
        return None
    _, service, operation = (event_name.split(".") + ["", ""])[:3]
    with _lock:
        rule = next((r for r in _rules if r.matches(service, operation)), None)
        if rule is None:
            return None
        rule.fired += 1
        rule.events.append(operation)
    fault = rule.fault
    if fault == "unreachable":
        raise botocore.exceptions.EndpointConnectionError(endpoint_url=request.url)
    if fault == "timeout":
        raise botocore.exceptions.ConnectTimeoutError(endpoint_url=request.url)
    if fault == "lost-response":
        session = URLLib3Session()
        try:
            session.send(request)
        finally:
            session.close()
        raise botocore.exceptions.ReadTimeoutError(endpoint_url=request.url)
    if fault == "access-denied":
        return _access_denied(request, service, operation)
    status, code, message = _ERRORS[fault]
    return _error_response(request, status, code, message)


def _hook(client):
    client.meta.events.register("before-send", _on_send, unique_id="iamwizard-faults")


def install():
    """Make every boto3 client the gateway creates from now on go through the fault hook."""
    global _installed
    with _lock:
        if not _installed:
            gateway.CLIENT_HOOKS.append(_hook)
            _installed = True
    gateway.forget_clients()  # clients cached before installation lack the hook


@contextlib.contextmanager
def inject(operation: str, fault: str, times: int | None = 1, service: str | None = None):
    """Within the block, the next `times` attempts of `operation` (every attempt when None) meet `fault`."""
    if fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
    install()
    rule = Rule(operation, fault, times, service)
    with _lock:
        _rules.append(rule)
    try:
        yield rule
    finally:
        with _lock:
            _rules.remove(rule)


@contextlib.contextmanager
def quick_backoff(scale: float = 0.01):
    """Shrink botocore's throttling backoff (1 s base) so tests wait milliseconds; retries stay real."""
    config = {**ExponentialBackoff._DEFAULT_BACKOFF_CONFIG, "throttling_base_scale": scale}
    with mock.patch.object(ExponentialBackoff, "_DEFAULT_BACKOFF_CONFIG", config):
        yield
