"""Turn AWS error codes into plain explanations for newcomers.

AWS messages are written for experts ("...is not authorized to perform...");
the wizard shows a short explanation that says what to do, and keeps AWS's
own message alongside for those who want it. The explanation is a kind plus parameters here;
its words, in the active language, are the web edge's (`iamwizard/wizard/words.py`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

# Codes the AWS layer reports itself, when no AWS answer arrived.
ENDPOINT_UNREACHABLE = "EndpointUnreachable"
TIMEOUT = "Timeout"
NO_CREDENTIALS = "NoCredentials"
UNKNOWN = "Unknown"


@dataclass
class AwsProblem:
    """An AWS error explained as a kind plus parameters (`aws.access_denied`, the permission to
    allow); `message` gives the words for people, in the active language (the web edge's
    `words.aws_message`); `aws_message` is AWS's own text."""

    code: str
    kind: str
    params: dict
    aws_message: str
    retryable: bool
    missing_permission: str | None = None
    # NoSuchEntity about something the run had just made, still the answer after asking again
    # for a while: not a refusal, AWS not showing it yet (IAM's eventual consistency).
    not_visible_yet: bool = False
    # Words already chosen at the edge for this one case (the not-visible-yet explanation), if any.
    worded: str = ""

    @property
    def message(self) -> str:
        from .problems import aws_message

        return self.worded or aws_message(self)


_THROTTLED = ("Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException")
_FAILURES = ("ServiceFailure", "InternalFailure", "InternalError", "ServiceUnavailable", "ServiceUnavailableException")
_CREDENTIALS = ("InvalidClientTokenId", "InvalidAccessKeyId", "UnrecognizedClientException")

# code -> (kind, retryable); the words for each kind: wizard/words.py.
_EXPLANATIONS: dict[str, tuple[str, bool]] = {
    **{code: ("aws." + code, False) for code in (
        "EntityAlreadyExists", "NoSuchEntity", "InvalidAuthenticationCode", "LimitExceeded", "DeleteConflict",
        "SignatureDoesNotMatch", "UnmodifiableEntity", NO_CREDENTIALS)},
    **{code: ("aws." + code, True) for code in (
        "ConcurrentModification", "EntityTemporarilyUnmodifiable", ENDPOINT_UNREACHABLE, TIMEOUT)},
    **{code: ("aws.throttled", True) for code in _THROTTLED},
    **{code: ("aws.failure", True) for code in _FAILURES},
    **{code: ("aws.credentials", False) for code in _CREDENTIALS},
    "ExpiredToken": ("aws.expired_token", False),
    "ExpiredTokenException": ("aws.expired_token", False),
}
# Codes whose plain message includes AWS's text, because it names the exact rule.
_WITH_AWS_MESSAGE = ("PasswordPolicyViolation", "ValidationError", "InvalidInput", "MalformedPolicyDocument")
# Some codes mean something more specific for one operation.
_BY_OPERATION = {
    ("EntityAlreadyExists", "CreateLoginProfile"), ("EntityAlreadyExists", "EnableMFADevice"),
    ("EntityAlreadyExists", "AddUserToGroup"), ("NoSuchEntity", "GetLoginProfile"),
    ("NoSuchEntity", "GetAccountPasswordPolicy"),
}
_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_PERFORM = re.compile(r"perform: ([\w-]+:[\w*]+)")


def _access_denied(code: str, aws_message: str, operation: str, service: str) -> AwsProblem:
    """Name the missing permission, from AWS's message when it gives one."""
    found = _PERFORM.search(aws_message)
    permission = found.group(1) if found else f"{service}:{operation}"
    params = {"permission": permission, "explicit_deny": "explicit deny" in aws_message}
    return AwsProblem(code, "aws.access_denied", params, aws_message, False, permission)


def _no_answer(code: str, aws_message: str, endpoint: str, seconds: int) -> AwsProblem:
    """No answer came from `endpoint`: say which one, and that trying again is safe (every step
    detects what an earlier attempt already made)."""
    if code == TIMEOUT:
        return AwsProblem(code, "aws.timeout_at", {"endpoint": endpoint, "seconds": seconds}, aws_message, True)
    return AwsProblem(code, "aws.unreachable_at", {"endpoint": endpoint}, aws_message, True)


def explain(code: str, aws_message: str, operation: str, service: str = "iam", endpoint: str = "", seconds: int = 0) -> AwsProblem:
    """A plain explanation of an AWS error `code` raised by `service`:`operation`. For the codes
    that mean no answer came (TIMEOUT, ENDPOINT_UNREACHABLE), `endpoint` names where the call went
    and `seconds` how long an answer was waited for."""
    if code in (TIMEOUT, ENDPOINT_UNREACHABLE) and endpoint:
        return _no_answer(code, aws_message, endpoint, seconds)
    if code in _ACCESS_DENIED:
        return _access_denied(code, aws_message, operation, service)
    if (code, operation) in _BY_OPERATION:
        return AwsProblem(code, f"aws.{code}.{operation}", {}, aws_message, False)
    if code in _EXPLANATIONS:
        kind, retryable = _EXPLANATIONS[code]
        return AwsProblem(code, kind, {}, aws_message, retryable)
    if code in _WITH_AWS_MESSAGE:
        return AwsProblem(code, "aws." + code, {"aws_message": _sentence(aws_message)}, aws_message, False)
    if re.fullmatch(r"5\d\d", code):  # botocore uses the HTTP status when the body is unreadable
        return AwsProblem(code, "aws.failure", {}, aws_message, True)
    detail = _sentence(aws_message) if aws_message else ""
    if code == UNKNOWN:
        return AwsProblem(code, "aws.unknown", {"aws_message": detail}, aws_message, False)
    return AwsProblem(code, "aws.refused", {"code": code, "aws_message": detail}, aws_message, False)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def required_permissions(operations: Iterable[tuple[str, str]]) -> dict:
    """The least-privilege IAM policy allowing these (service, operation) calls.

    sts:GetCallerIdentity is left out: AWS allows it without any permission.
    With nothing to allow, Statement is empty.
    """
    actions = sorted(
        {f"{service}:{operation}" for service, operation in operations}
        - {"sts:GetCallerIdentity"}
    )
    statements = [{"Effect": "Allow", "Action": actions, "Resource": "*"}] if actions else []
    return {"Version": "2012-10-17", "Statement": statements}
