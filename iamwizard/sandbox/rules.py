"""Name rules AWS IAM enforces and botocore does not (pure functions, no moto)."""
import re

_NAME_CHARS = re.compile(r"^[\w+=,.@-]+$", re.ASCII)

# (parameter name as AWS reports it, maximum length)
USER_NAME = ("userName", 64)
GROUP_NAME = ("groupName", 128)
MFA_DEVICE_NAME = ("virtualMFADeviceName", 226)

_PATTERN = "[\\w+=,.@-]+"


def name_error(value, rule):
    """None when `value` is a valid IAM name under `rule`, else AWS's ValidationError message."""
    field, maximum = rule
    if value is None or value == "":
        return f"1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must have length greater than or equal to 1"
    if len(value) > maximum:
        return (f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
                f"Member must have length less than or equal to {maximum}")
    if not _NAME_CHARS.match(value):
        return (f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {_PATTERN}")
    return None

