"""How long the wizard keeps what a run leaves behind, and how many emulated accounts may live at once.

A public instance (or a training company's, used for a year) must not grow without end. The
operator sets three numbers in the environment; `settings.py` reads them through `setting()`
here, so a bad value stops the app at start with a sentence that names the variable, what it
got and what it takes. No Django, no boto3: the same rules are tested on their own.

* `IAMWIZARD_RUN_IDLE_DAYS` (30): a run started from the front page, with no workshop, is removed
  (with its emulated account, its recorded AWS calls and refused tries) after this many days in
  which nothing happened in it.
* `IAMWIZARD_WORKSHOP_KEEP_DAYS` (30): a workshop, its participants (their names), their runs and
  emulated accounts, and its cleanup reports are removed this many days after it closed. An open
  workshop is never touched, however old.
* `IAMWIZARD_MAX_SANDBOX_ACCOUNTS` (5000): at most this many emulated accounts (sandbox runs) live
  at once; Start and Join then say that the sandbox is full, and start nothing.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    name: str
    default: int
    minimum: int
    maximum: int
    unit: str  # "days" or "accounts"


RUN_IDLE_DAYS = Rule("IAMWIZARD_RUN_IDLE_DAYS", 30, 1, 3650, "days")
WORKSHOP_KEEP_DAYS = Rule("IAMWIZARD_WORKSHOP_KEEP_DAYS", 30, 1, 3650, "days")
MAX_SANDBOX_ACCOUNTS = Rule("IAMWIZARD_MAX_SANDBOX_ACCOUNTS", 5000, 1, 10_000_000, "accounts")
RULES = (RUN_IDLE_DAYS, WORKSHOP_KEEP_DAYS, MAX_SANDBOX_ACCOUNTS)


class BadSetting(ValueError):
    """A value the operator set that the app cannot run with; str() says what to set instead."""


def setting(rule: Rule, environ) -> int:
    """The rule's value from `environ` (a mapping such as os.environ): its default when unset or
    blank, else a whole number within the rule's bounds. Anything else raises BadSetting."""
    text = (environ.get(rule.name) or "").strip()
    if not text:
        return rule.default
    # ASCII digits only: int() would also take "١٢", "+5", "1_000" or " 7 ".
    if not (text.isascii() and text.isdigit()) or not rule.minimum <= int(text) <= rule.maximum:
        raise BadSetting(
            f"{rule.name}={text!r} is not valid: give a whole number of {rule.unit} from {rule.minimum} "
            f"to {rule.maximum} (default {rule.default}), or leave it unset."
        )
    return int(text)
