"""The account password policy, password checks and password generation.

The wizard checks a password against the account's policy before calling
CreateLoginProfile, because moto never raises PasswordPolicyViolation and AWS's
own message names only one broken rule at a time.
"""
from __future__ import annotations

import secrets
import string
from dataclasses import asdict, dataclass, fields

from .problems import Problem

MAX_LENGTH = 128  # IAM's hard limit, whatever the policy says
SYMBOLS = "!@#$%^&*()_+-=[]{}|'"  # the symbols IAM counts as "symbols"
AWS_DEFAULT_MINIMUM = 8
# GetAccountPasswordPolicy always returns MinimumPasswordLength; if a stored dict
# lacks it, use the value UpdateAccountPasswordPolicy applies when it is omitted.
API_DEFAULT_MINIMUM = 6

TOO_LONG = Problem("password.too_long", {"max": MAX_LENGTH})
NO_UPPER = Problem("password.no_upper")
NO_LOWER = Problem("password.no_lower")
NO_DIGIT = Problem("password.no_digit")
NO_SYMBOL = Problem("password.no_symbol")
THREE_OF_FOUR = Problem("password.three_of_four")
IS_NAME = Problem("password.is_name")



def too_short(length: int) -> Problem:
    return Problem("password.too_short", {"min": length})


@dataclass(frozen=True)
class PasswordPolicy:
    """An account password policy; `is_aws_default` means the account has none.

    Without a policy AWS applies its default: 8–128 characters and three of the
    four character types. The require_* flags cannot express "three of four",
    so they are all False and `is_aws_default` carries that rule.
    """

    minimum_length: int
    require_symbols: bool
    require_numbers: bool
    require_uppercase: bool
    require_lowercase: bool
    allow_users_to_change_password: bool
    expire_passwords: bool
    max_password_age: int | None
    password_reuse_prevention: int | None
    hard_expiry: bool
    is_aws_default: bool

    @classmethod
    def aws_default(cls) -> "PasswordPolicy":
        """AWS's default policy. Users may not change their own password under it
        unless allowed, so the wizard attaches IAMUserChangePassword (as the console does)."""
        return cls(
            minimum_length=AWS_DEFAULT_MINIMUM,
            require_symbols=False,
            require_numbers=False,
            require_uppercase=False,
            require_lowercase=False,
            allow_users_to_change_password=False,
            expire_passwords=False,
            max_password_age=None,
            password_reuse_prevention=None,
            hard_expiry=False,
            is_aws_default=True,
        )

    @classmethod
    def from_aws(cls, policy: dict | None) -> "PasswordPolicy":
        """From GetAccountPasswordPolicy's `PasswordPolicy` dict; None (NoSuchEntity) = AWS default."""
        if policy is None:
            return cls.aws_default()
        return cls(
            minimum_length=int(policy.get("MinimumPasswordLength", API_DEFAULT_MINIMUM)),
            require_symbols=bool(policy.get("RequireSymbols", False)),
            require_numbers=bool(policy.get("RequireNumbers", False)),
            require_uppercase=bool(policy.get("RequireUppercaseCharacters", False)),
            require_lowercase=bool(policy.get("RequireLowercaseCharacters", False)),
            allow_users_to_change_password=bool(policy.get("AllowUsersToChangePassword", False)),
            expire_passwords=bool(policy.get("ExpirePasswords", False)),
            max_password_age=policy.get("MaxPasswordAge") or None,
            password_reuse_prevention=policy.get("PasswordReusePrevention") or None,
            hard_expiry=bool(policy.get("HardExpiry", False)),
            is_aws_default=False,
        )

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (for storing in the session or database)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "PasswordPolicy":
        """Inverse of to_dict; unknown keys are ignored, missing ones raise KeyError."""
        return cls(**{f.name: data[f.name] for f in fields(cls)})


def _character_types(password: str) -> dict[str, bool]:
    """Which of IAM's four character types occur; IAM counts only ASCII letters."""
    return {
        "upper": any(ch in string.ascii_uppercase for ch in password),
        "lower": any(ch in string.ascii_lowercase for ch in password),
        "digit": any(ch in string.digits for ch in password),
        "symbol": any(ch in SYMBOLS for ch in password),
    }


def _not_allowed_chars(password: str) -> list[str]:
    """Characters outside IAM's Password pattern [\\t\\n\\r\\u0020-\\u00FF]."""
    bad = [ch for ch in password if not (ch in "\t\n\r" or " " <= ch <= "\u00ff")]
    return list(dict.fromkeys(bad))


def policy_rule_list(policy: PasswordPolicy) -> list[Problem]:
    """The rules to show under the password field, in the console's order, each as the problem breaking it is."""
    rules = [too_short(policy.minimum_length), TOO_LONG]
    if policy.is_aws_default:
        rules.append(THREE_OF_FOUR)
    for required, rule in (
        (policy.require_uppercase, NO_UPPER),
        (policy.require_lowercase, NO_LOWER),
        (policy.require_numbers, NO_DIGIT),
        (policy.require_symbols, NO_SYMBOL),
    ):
        if required:
            rules.append(rule)
    rules.append(IS_NAME)
    return rules


def policy_rules(policy: PasswordPolicy) -> list[str]:
    """The rules to show under the password field, in words (the active language's, from the web edge)."""
    return [rule.text for rule in policy_rule_list(policy)]


def password_breaks(
    password: str,
    policy: PasswordPolicy,
    *,
    user_name: str | None = None,
    account_name: str | None = None,
) -> list[Problem]:
    """Every rule `password` breaks, [] if none.

    The kinds are those of policy_rule_list(), so a page can mark the broken rules;
    two more cover empty input and characters IAM refuses (those characters travel
    in `typed` only: they are part of the password).
    """
    if not password:
        return [Problem("password.empty")]
    problems = []
    if len(password) < policy.minimum_length:
        problems.append(too_short(policy.minimum_length))
    if len(password) > MAX_LENGTH:
        problems.append(TOO_LONG)
    types = _character_types(password)
    if policy.is_aws_default and sum(types.values()) < 3:
        problems.append(THREE_OF_FOUR)
    for required, kind, rule in (
        (policy.require_uppercase, "upper", NO_UPPER),
        (policy.require_lowercase, "lower", NO_LOWER),
        (policy.require_numbers, "digit", NO_DIGIT),
        (policy.require_symbols, "symbol", NO_SYMBOL),
    ):
        if required and not types[kind]:
            problems.append(rule)
    names = {n.lower() for n in (user_name, account_name) if n}
    if password.lower() in names:
        problems.append(IS_NAME)
    bad = _not_allowed_chars(password)
    if bad:
        problems.append(Problem("password.bad_chars", typed={"chars": " ".join(bad)}))
    return problems


def password_problems(password: str, policy: PasswordPolicy, **names) -> list[str]:
    """password_breaks() in words (the active language's, from the web edge)."""
    return [problem.text for problem in password_breaks(password, policy, **names)]


# Generated passwords leave out look-alikes (0/O, 1/l/I) and the quote and bar,
# which are easy to misread or mistype when the password is read out or copied.
_GEN_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_GEN_LOWER = "abcdefghijkmnopqrstuvwxyz"
_GEN_DIGITS = "23456789"
_GEN_SYMBOLS = "!@#$%^&*()_+-=[]{}"


def generate_password(policy: PasswordPolicy, length: int | None = None) -> str:
    """A random password (from `secrets`) that satisfies `policy`.

    It always holds all four character types, so it passes any policy;
    default length is max(policy minimum, 16).
    """
    if length is None:
        length = max(policy.minimum_length, 16)
    if not max(policy.minimum_length, 4) <= length <= MAX_LENGTH:
        raise ValueError(
            f"length must be between {max(policy.minimum_length, 4)} and {MAX_LENGTH}, not {length}"
        )
    groups = (_GEN_UPPER, _GEN_LOWER, _GEN_DIGITS, _GEN_SYMBOLS)
    everything = "".join(groups)
    chars = [secrets.choice(group) for group in groups]
    chars += [secrets.choice(everything) for _ in range(length - len(groups))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)
