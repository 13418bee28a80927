"""The AWS CLI command equivalent to a wizard call, shown to teach the CLI.

Secret values never appear: they become placeholders such as <password>.
"""
from __future__ import annotations

import json
import re
import shlex
from typing import Any

from .redact import is_secret

_PLACEHOLDERS = {
    "AuthenticationCode1": "<code-1>",
    "AuthenticationCode2": "<code-2>",
}
# Options the real CLI needs although the API call has no such parameter.
_EXTRA_OPTIONS = {
    ("iam", "CreateVirtualMFADevice"): ["--outfile", "qrcode.png", "--bootstrap-method", "QRCodePNG"],
}
# Values that can go in CLI shorthand (Key=a,Value=b) without any escaping.
_SHORTHAND_SAFE = re.compile(r"[\w.:/+@-]*")


def kebab(name: str) -> str:
    """CamelCase to the CLI's kebab-case, keeping acronyms whole (ListMFADevices → list-mfa-devices)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name).lower()


def _placeholder(name: str) -> str:
    return _PLACEHOLDERS.get(name, f"<{kebab(name)}>")


def _shorthand(item: dict) -> str | None:
    """`Key=a,Value=b` for a flat dict of simple values, or None if JSON is needed."""
    parts = []
    for key, value in item.items():
        if isinstance(value, bool):
            value = str(value).lower()
        if not isinstance(value, (str, int)) or not _SHORTHAND_SAFE.fullmatch(str(value)):
            return None
        parts.append(f"{key}={value}")
    return ",".join(parts)


def _value_words(value: Any) -> list[str]:
    """Shell words for one parameter value."""
    if isinstance(value, dict):
        short = _shorthand(value)
        return [shlex.quote(short if short is not None else json.dumps(value))]
    if isinstance(value, (list, tuple)):
        if all(isinstance(item, dict) for item in value):
            shorts = [_shorthand(item) for item in value]
            if None in shorts:
                return [shlex.quote(json.dumps(list(value)))]
            return [shlex.quote(s) for s in shorts]
        return [shlex.quote(str(item)) for item in value]
    if isinstance(value, (bytes, bytearray)):
        return ["fileb://<file>"]
    return [shlex.quote(str(value))]


def _option_words(name: str, value: Any) -> list[str]:
    """The option and its value(s); booleans are flags (--x / --no-x)."""
    option = f"--{kebab(name)}"
    if is_secret(name):
        return [option, _placeholder(name)]
    if isinstance(value, bool):
        return [option if value else f"--no-{kebab(name)}"]
    return [option, *_value_words(value)]


def cli_command(service: str, operation: str, params: dict) -> str:
    """E.g. ("iam", "CreateUser", {"UserName": "alice"}) → "aws iam create-user --user-name alice"."""
    words = ["aws", service.lower(), kebab(operation)]
    for name, value in params.items():
        if value is not None and value != [] and value != {}:
            words += _option_words(name, value)
    words += _EXTRA_OPTIONS.get((service.lower(), operation), [])
    return " ".join(words)
