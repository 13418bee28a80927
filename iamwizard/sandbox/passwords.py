"""Account password policy checks for the sandbox: the wizard's own pure core decides
(`iamwizard.core.passwords`), so what the wizard promises and what the sandbox enforces
cannot drift apart; here only moto's policy object is translated, and AWS's wording kept."""
import hashlib
import hmac
import os

from iamwizard.core.passwords import PasswordPolicy, password_problems

# Used when GetAccountPasswordPolicy answers NoSuchEntity.
DEFAULT_POLICY = PasswordPolicy.aws_default()


def policy_from_moto(moto_policy):
    """A PasswordPolicy from moto's AccountPasswordPolicy object, or the AWS default for None."""
    if moto_policy is None:
        return DEFAULT_POLICY
    return PasswordPolicy.from_aws({
        "MinimumPasswordLength": int(moto_policy.minimum_password_length or 6),
        "RequireSymbols": bool(moto_policy.require_symbols),
        "RequireNumbers": bool(moto_policy.require_numbers),
        "RequireUppercaseCharacters": bool(moto_policy.require_uppercase_characters),
        "RequireLowercaseCharacters": bool(moto_policy.require_lowercase_characters),
        "AllowUsersToChangePassword": bool(moto_policy.allow_users_to_change_password),
        "PasswordReusePrevention": int(moto_policy.password_reuse_prevention or 0),
    })


def violations(password, policy=DEFAULT_POLICY):
    """The list of unmet requirements (empty when the password is acceptable)."""
    return password_problems(password or "", policy)


def violation_message(problems):
    """AWS's PasswordPolicyViolation message ("Password does not conform to the account password policy.")."""
    return "Password does not conform to the account password policy." if problems else ""


# Passwords are kept only as salted hashes (moto keeps plain text; the sandbox
# overwrites it) so the state files on disk never hold a participant's password.
_ITERATIONS = 5_000  # an emulator's practice passwords: salted and hashed at rest, cheap to check


def hash_password(password):
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, _ITERATIONS)
    return f"pbkdf2_sha256${_ITERATIONS}${salt.hex()}${digest.hex()}"


def verify_password(password, stored):
    if not stored or not isinstance(stored, str) or not stored.startswith("pbkdf2_sha256$"):
        return False
    _, iterations, salt, digest = stored.split("$")
    candidate = hashlib.pbkdf2_hmac("sha256", (password or "").encode("utf-8"), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(candidate.hex(), digest)
