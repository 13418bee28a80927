"""Pure sandbox logic: name rules, password policy, TOTP pairs, PNG."""
import pyotp
import pytest

from iamwizard.core.names import same_name, same_name_ignoring_case
from iamwizard.sandbox import mfa, passwords, rules
from iamwizard.sandbox.qr_png import qr_png


def test_name_rules():
    assert rules.name_error("a" * 64, rules.USER_NAME) is None
    assert "less than or equal to 64" in rules.name_error("a" * 65, rules.USER_NAME)
    assert "regular expression" in rules.name_error("a b", rules.USER_NAME)
    assert rules.name_error("", rules.GROUP_NAME)
    # The sandbox uses the wizard's one name lookup (core.names), so both agree on what clashes.
    assert same_name_ignoring_case("ALICE", ["Alice"]) == "Alice"
    assert same_name("ALICE", "alice") and not same_name("alice", "alicia")


@pytest.mark.parametrize("password, ok", [
    ("Passw0rd", True), ("pass word1", False), ("abcDEF12", True), ("abc!@#12", True), ("ABCdef!!", True),
    ("Ab1!", False), ("abcdefgh", False), ("x" * 129, False),
])
def test_default_policy(password, ok):
    assert (passwords.violations(password) == []) is ok


def test_custom_policy():
    policy = passwords.PasswordPolicy.from_aws({"MinimumPasswordLength": 10, "RequireSymbols": True, "RequireNumbers": True})
    assert passwords.violations("abcdefghi1!", policy) == []
    assert len(passwords.violations("abc", policy)) == 3


def test_password_hashing():
    stored = passwords.hash_password("Secret-123")
    assert "Secret-123" not in stored
    assert passwords.verify_password("Secret-123", stored)
    assert not passwords.verify_password("secret-123", stored)


def test_consecutive_codes():
    seed = pyotp.random_base32()
    totp = pyotp.TOTP(seed)
    now = 1_700_000_000
    assert mfa.consecutive_codes_valid(seed, totp.at(now - 30), totp.at(now), now=now)
    assert mfa.consecutive_codes_valid(seed, totp.at(now - 90), totp.at(now - 60), now=now)
    assert not mfa.consecutive_codes_valid(seed, totp.at(now), totp.at(now - 30), now=now)
    assert not mfa.consecutive_codes_valid(seed, totp.at(now - 300), totp.at(now - 270), now=now)
    assert not mfa.consecutive_codes_valid(seed, "12345", "123456", now=now)


def test_otpauth_uri_and_png():
    from iamwizard.core.totp import otpauth_uri

    uri = otpauth_uri("ABCDEF", "bob", "my-alias")  # the sandbox encodes the same link the wizard shows
    assert uri == "otpauth://totp/Amazon%20Web%20Services:bob@my-alias?secret=ABCDEF&issuer=Amazon%20Web%20Services"
    assert qr_png(uri).startswith(b"\x89PNG\r\n\x1a\n")
