"""Keep secrets out of logs, the activity history and error pages.

The wizard records every AWS call it makes (to teach what happened); those
records must never contain passwords, MFA seeds or codes, or secret keys.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Iterable

REDACTED = "[redacted]"

# AWS parameter and response field names whose values are secret: the one list, used by the
# redactor below, the CLI equivalents (core/cli.py) and the AWS boundary's log guard
# (SECRET_FIELD_IN_TEXT, aws/gateway.py).
SECRET_PARAMETERS = frozenset({
    "Password",
    "OldPassword",
    "NewPassword",
    "AuthenticationCode1",
    "AuthenticationCode2",
    "Base32StringSeed",
    "QRCodePNG",
    "SecretAccessKey",
    "SessionToken",
    "PrivateKey",
    "ServicePassword",           # CreateServiceSpecificCredential
    "ServiceCredentialSecret",   # service-specific credentials for Bedrock etc.
    "SecretString",
    "SecretBinary",
    "aws_secret_access_key",     # boto3 client keyword arguments
    "aws_session_token",
    "X-Amz-Security-Token",      # the HTTP header botocore sends (and logs) with temporary credentials
})
_SECRET_KEYS_FOLDED = frozenset(name.lower() for name in SECRET_PARAMETERS)

# A secret field as it appears in a library's log text: `Password=…` in a query string,
# `"Password": …` in JSON or a dict, `<Password>…` in XML, case ignored. A field whose name ends
# with a secret's name counts too (`NewPassword`, `ServicePassword` end with `Password`).
SECRET_FIELD_IN_TEXT = re.compile(
    "(" + "|".join(re.escape(name) for name in sorted(SECRET_PARAMETERS)) + r")['\"]?\s*(=|:|>)",
    re.IGNORECASE,
)


def is_secret(name: str) -> bool:
    """True if a parameter with this name holds a secret (case ignored, so form fields match too)."""
    return name.lower() in _SECRET_KEYS_FOLDED


def redact(params: dict) -> dict:
    """A deep copy of `params` with every secret value replaced by "[redacted]"."""
    return _redact_value(params)


def _redact_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: REDACTED if isinstance(key, str) and is_secret(key) else _redact_value(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_value(item) for item in value)
    if isinstance(value, (bytearray, set)):
        return type(value)(value)
    return value  # str, bytes, numbers, None, datetimes: immutable, safe to share


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """`text` with each given secret replaced by "[redacted]" (e.g. in an error message).

    Longer secrets go first, so a secret that contains another is removed whole.
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


# Resume links carry their key in the query string (`/resume/?key=...`).
_URL_KEY = re.compile(r"([?&]key=)[^&\s\"]+")


def redact_url(text: str) -> str:
    """`text` (a URL or a request line) with the value of any `key=` query parameter hidden."""
    return _URL_KEY.sub(r"\1" + REDACTED, text)


class HideUrlKeys(logging.Filter):
    """A logging filter for request logs (runserver's `django.server`, any handler that prints
    request lines): resume links' keys never reach a log."""

    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = redact_url(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_url(a) if isinstance(a, str) else a for a in record.args)
        return True
