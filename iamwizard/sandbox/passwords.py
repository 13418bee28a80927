"""Account password policy checks (pure functions)."""
from dataclasses import dataclass

SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|'")


@dataclass(frozen=True)
class PasswordPolicy:
    minimum_length: int = 8
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    allow_users_to_change_password: bool = False
    password_reuse_prevention: int = 0
    # AWS's default policy (no custom policy set) asks for 3 of the 4 character kinds.
    three_of_four: bool = False


# Used when GetAccountPasswordPolicy answers NoSuchEntity.
DEFAULT_POLICY = PasswordPolicy(minimum_length=8, three_of_four=True)

MAXIMUM_LENGTH = 128


def policy_from_moto(moto_policy):
    """A PasswordPolicy from moto's AccountPasswordPolicy object, or the AWS default for None."""
    if moto_policy is None:
        return DEFAULT_POLICY
    return PasswordPolicy(
        minimum_length=int(moto_policy.minimum_password_length or 6),
        require_symbols=bool(moto_policy.require_symbols),
        require_numbers=bool(moto_policy.require_numbers),
        require_uppercase=bool(moto_policy.require_uppercase_characters),
        require_lowercase=bool(moto_policy.require_lowercase_characters),
        allow_users_to_change_password=bool(moto_policy.allow_users_to_change_password),
        password_reuse_prevention=int(moto_policy.password_reuse_prevention or 0),
    )


def character_kinds(password):
    return {
        "uppercase": any("A" <= c <= "Z" for c in password),
        "lowercase": any("a" <= c <= "z" for c in password),
        "numbers": any("0" <= c <= "9" for c in password),
        "symbols": any(c in SYMBOLS for c in password),
    }


def violations(password, policy=DEFAULT_POLICY):
    """The list of unmet requirements (empty when the password is acceptable)."""
    problems = []
    password = password or ""
    if len(password) < policy.minimum_length:
        problems.append(f"Password should have a minimum length of {policy.minimum_length}")
    if len(password) > MAXIMUM_LENGTH:
        problems.append(f"Password should have a maximum length of {MAXIMUM_LENGTH}")
    kinds = character_kinds(password)
    if policy.three_of_four:
        if sum(kinds.values()) < 3:
            problems.append("Password should include at least three of the following: "
                            "uppercase letters, lowercase letters, numbers, and symbols")
    if policy.require_uppercase and not kinds["uppercase"]:
        problems.append("Password should have at least one uppercase letter")
    if policy.require_lowercase and not kinds["lowercase"]:
        problems.append("Password should have at least one lowercase letter")
    if policy.require_numbers and not kinds["numbers"]:
        problems.append("Password should have at least one number")
    if policy.require_symbols and not kinds["symbols"]:
        problems.append("Password should have at least one symbol")
    return problems


def violation_message(problems):
    """AWS's PasswordPolicyViolation message ("Password does not conform to the account password policy.")."""
    return "Password does not conform to the account password policy." if problems else ""


# Passwords are kept only as salted hashes (moto keeps plain text; the sandbox
# overwrites it) so the state files on disk never hold a participant's password.
_ITERATIONS = 5_000  # an emulator's practice passwords: salted and hashed at rest, cheap to check


def hash_password(password):
    import hashlib
    import os

    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, _ITERATIONS)
    return f"pbkdf2_sha256${_ITERATIONS}${salt.hex()}${digest.hex()}"


def verify_password(password, stored):
    import hashlib
    import hmac

    if not stored or not isinstance(stored, str) or not stored.startswith("pbkdf2_sha256$"):
        return False
    _, iterations, salt, digest = stored.split("$")
    candidate = hashlib.pbkdf2_hmac("sha256", (password or "").encode("utf-8"), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(candidate.hex(), digest)
