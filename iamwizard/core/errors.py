"""Turn AWS error codes into plain explanations for newcomers.

AWS messages are written for experts ("...is not authorized to perform...");
the wizard shows a short explanation that says what to do, and keeps AWS's
own message alongside for those who want it.
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
    """An AWS error explained: `message` is for people, `aws_message` is AWS's own text."""

    code: str
    message: str
    aws_message: str
    retryable: bool
    missing_permission: str | None = None
    # NoSuchEntity about something the run had just made, still the answer after asking again
    # for a while: not a refusal, AWS not showing it yet (IAM's eventual consistency).
    not_visible_yet: bool = False


_CREDENTIALS = (
    "AWS doesn't accept these credentials. Check that the access key ID and secret access key"
    " were copied completely, and that the key is still active."
)
_THROTTLED = "AWS is receiving too many requests right now. Wait a few seconds and try again."
_AWS_FAILURE = "AWS had a temporary problem. Try again in a moment."

# code → (message, retryable)
_EXPLANATIONS: dict[str, tuple[str, bool]] = {
    "EntityAlreadyExists": (
        "That name is already taken in this account (upper and lower case count as the same)."
        " Choose another name.", False),
    "NoSuchEntity": (
        "AWS can't find it: it may have been deleted meanwhile, or the name is misspelled."
        " Refresh the page and try again.", False),
    "InvalidAuthenticationCode": (
        "AWS didn't accept the MFA codes. In your app, use the entry for this device, type two"
        " codes in a row and submit them at once. If your phone's clock is wrong, turn on"
        " automatic date & time.", False),
    "LimitExceeded": (
        "An AWS limit was reached (for example, a user can have at most 8 MFA devices)."
        " Remove something you no longer need, then try again.", False),
    "DeleteConflict": (
        "It can't be deleted while things are still attached to it (such as a password,"
        " access keys, MFA devices, policies or group memberships). Remove those first.", False),
    "Throttling": (_THROTTLED, True),
    "ThrottlingException": (_THROTTLED, True),
    "RequestLimitExceeded": (_THROTTLED, True),
    "TooManyRequestsException": (_THROTTLED, True),
    "ServiceFailure": (_AWS_FAILURE, True),
    "InternalFailure": (_AWS_FAILURE, True),
    "InternalError": (_AWS_FAILURE, True),
    "ServiceUnavailable": (_AWS_FAILURE, True),
    "ServiceUnavailableException": (_AWS_FAILURE, True),
    "ConcurrentModification": (
        "Something else changed this at the same moment. Try again.", True),
    "EntityTemporarilyUnmodifiable": (
        "AWS is still finishing a previous change. Try again in a few seconds.", True),
    "InvalidClientTokenId": (_CREDENTIALS, False),
    "InvalidAccessKeyId": (_CREDENTIALS, False),
    "UnrecognizedClientException": (_CREDENTIALS, False),
    "SignatureDoesNotMatch": (
        "The secret access key doesn't match the access key ID. Copy the secret access key"
        " again, without spaces.", False),
    "ExpiredToken": (
        "These temporary credentials have expired. Get new ones and sign in again.", False),
    "ExpiredTokenException": (
        "These temporary credentials have expired. Get new ones and sign in again.", False),
    "UnmodifiableEntity": (
        "AWS manages this itself, so it can't be changed here.", False),
    ENDPOINT_UNREACHABLE: (
        "Can't reach AWS. Check your internet connection (or proxy and firewall), then try again.",
        True),
    TIMEOUT: ("AWS took too long to answer. Try again in a moment.", True),
    NO_CREDENTIALS: (
        "No AWS credentials were found. Enter an access key ID and secret access key first.", False),
}
# Codes whose plain message includes AWS's text, because it names the exact rule.
_WITH_AWS_MESSAGE: dict[str, str] = {
    "PasswordPolicyViolation": "The password doesn't meet the account's password rules",
    "ValidationError": "AWS refused a value",
    "InvalidInput": "AWS refused a value",
    "MalformedPolicyDocument": "The policy document isn't valid",
}
# Some codes mean something more specific for one operation.
_BY_OPERATION: dict[tuple[str, str], str] = {
    ("EntityAlreadyExists", "CreateLoginProfile"): (
        "This user already has a console password. Reset it instead of creating a new one."),
    ("EntityAlreadyExists", "EnableMFADevice"): (
        "This MFA device is already assigned. Create a new device for this user instead."),
    ("EntityAlreadyExists", "AddUserToGroup"): "The user is already in this group.",
    ("NoSuchEntity", "GetLoginProfile"): "This user has no console password.",
    ("NoSuchEntity", "GetAccountPasswordPolicy"): (
        "The account has no password policy, so AWS's default rules apply."),
}
_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_PERFORM = re.compile(r"perform: ([\w-]+:[\w*]+)")


def _access_denied(code: str, aws_message: str, operation: str, service: str) -> AwsProblem:
    """Name the missing permission, from AWS's message when it gives one."""
    found = _PERFORM.search(aws_message)
    permission = found.group(1) if found else f"{service}:{operation}"
    message = f"These credentials aren't allowed to do this. Allow the permission {permission}"
    if "explicit deny" in aws_message:
        message += " and remove the policy that explicitly denies it"
    message += " (ask your administrator if that's not you), then try again."
    return AwsProblem(code, message, aws_message, False, permission)


def _no_answer(code: str, aws_message: str, endpoint: str, seconds: int) -> AwsProblem:
    """No answer came from `endpoint`: say which one, and that trying again is safe (every step
    detects what an earlier attempt already made)."""
    if code == TIMEOUT:
        waited = f": this page waits for it at most {seconds} seconds" if seconds else ""
        message = f"AWS ({endpoint}) didn't answer in time{waited}. Trying again is safe: nothing is made twice."
    else:
        message = (f"Can't reach AWS at {endpoint}. Check your internet connection (or proxy and firewall)."
                   " Trying again is safe: nothing is made twice.")
    return AwsProblem(code, message, aws_message, True)


def explain(code: str, aws_message: str, operation: str, service: str = "iam", endpoint: str = "", seconds: int = 0) -> AwsProblem:
    """A plain explanation of an AWS error `code` raised by `service`:`operation`. For the codes
    that mean no answer came (TIMEOUT, ENDPOINT_UNREACHABLE), `endpoint` names where the call went
    and `seconds` how long an answer was waited for."""
    if code in (TIMEOUT, ENDPOINT_UNREACHABLE) and endpoint:
        return _no_answer(code, aws_message, endpoint, seconds)
    if code in _ACCESS_DENIED:
        return _access_denied(code, aws_message, operation, service)
    if (code, operation) in _BY_OPERATION:
        return AwsProblem(code, _BY_OPERATION[code, operation], aws_message, False)
    if code in _EXPLANATIONS:
        message, retryable = _EXPLANATIONS[code]
        return AwsProblem(code, message, aws_message, retryable)
    if code in _WITH_AWS_MESSAGE:
        return AwsProblem(code, f"{_WITH_AWS_MESSAGE[code]}: {_sentence(aws_message)}", aws_message, False)
    if re.fullmatch(r"5\d\d", code):  # botocore uses the HTTP status when the body is unreadable
        return AwsProblem(code, _AWS_FAILURE, aws_message, True)
    detail = f": {_sentence(aws_message)}" if aws_message else "."
    if code == UNKNOWN:
        return AwsProblem(code, f"Something went wrong while talking to AWS{detail}", aws_message, False)
    return AwsProblem(code, f"AWS refused this ({code}){detail}", aws_message, False)


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
