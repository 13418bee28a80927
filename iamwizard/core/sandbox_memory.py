"""How many emulated accounts a sandbox keeps in memory (the others wait on disk, read on first use).

One rule, one default, read from IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY by the app's settings (for the
embedded sandbox, and as `manage.py sandbox`'s default) and by a sandbox started on its own
(`python -m iamwizard.sandbox`, which has no Django settings). No Django, no boto3.
"""
import os

from .digits import whole_number

ACCOUNTS_IN_MEMORY_ENV = "IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY"
DEFAULT_ACCOUNTS_IN_MEMORY = 200
MAX_ACCOUNTS_IN_MEMORY = 1_000_000


def accounts_in_memory_from_env(environ=None) -> int:
    """IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY, or the default when unset or blank; ValueError with a
    clear message when it is not a whole number from 1 to MAX_ACCOUNTS_IN_MEMORY in the digits 0-9."""
    text = (os.environ if environ is None else environ).get(ACCOUNTS_IN_MEMORY_ENV, "").strip()
    if not text:
        return DEFAULT_ACCOUNTS_IN_MEMORY
    value = whole_number(text, 1, MAX_ACCOUNTS_IN_MEMORY)
    if value is None:
        raise ValueError(f"{ACCOUNTS_IN_MEMORY_ENV} must be a whole number from 1 to {MAX_ACCOUNTS_IN_MEMORY:,}, "
                         f"in the digits 0-9 (got {text!r}).")
    return value
