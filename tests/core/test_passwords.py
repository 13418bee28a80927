import json

import pytest

from iamwizard.core.passwords import (
    IS_NAME,
    NO_DIGIT,
    NO_LOWER,
    NO_SYMBOL,
    NO_UPPER,
    SYMBOLS,
    THREE_OF_FOUR,
    TOO_LONG,
    PasswordPolicy,
    generate_password,
    password_problems,
    policy_rules,
)

# The rules in words: English, the default language (the words are iamwizard/wizard/words.py's).
RULE_MAX, RULE_UPPER, RULE_LOWER, RULE_DIGIT, RULE_SYMBOL, RULE_THREE_OF_FOUR, RULE_NOT_NAME = (
    p.text for p in (TOO_LONG, NO_UPPER, NO_LOWER, NO_DIGIT, NO_SYMBOL, THREE_OF_FOUR, IS_NAME)
)

DEFAULT = PasswordPolicy.from_aws(None)
STRICT_AWS = {
    "MinimumPasswordLength": 14,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "AllowUsersToChangePassword": True,
    "ExpirePasswords": True,
    "MaxPasswordAge": 90,
    "PasswordReusePrevention": 24,
    "HardExpiry": False,
}
STRICT = PasswordPolicy.from_aws(STRICT_AWS)


def test_default_policy_when_account_has_none():
    assert DEFAULT.is_aws_default
    assert DEFAULT.minimum_length == 8
    assert not DEFAULT.allow_users_to_change_password
    assert not any([DEFAULT.require_symbols, DEFAULT.require_numbers,
                    DEFAULT.require_uppercase, DEFAULT.require_lowercase])
    assert DEFAULT.max_password_age is None and DEFAULT.password_reuse_prevention is None
    assert DEFAULT == PasswordPolicy.aws_default()


def test_from_aws_reads_every_field():
    assert STRICT == PasswordPolicy(
        minimum_length=14, require_symbols=True, require_numbers=True, require_uppercase=True,
        require_lowercase=True, allow_users_to_change_password=True, expire_passwords=True,
        max_password_age=90, password_reuse_prevention=24, hard_expiry=False, is_aws_default=False,
    )


def test_from_aws_minimal_dict():
    policy = PasswordPolicy.from_aws({"MinimumPasswordLength": 10, "AllowUsersToChangePassword": False})
    assert policy.minimum_length == 10
    assert not policy.is_aws_default and not policy.require_symbols
    assert policy.max_password_age is None


@pytest.mark.parametrize("policy", [DEFAULT, STRICT])
def test_dict_round_trip_through_json(policy):
    assert PasswordPolicy.from_dict(json.loads(json.dumps(policy.to_dict()))) == policy


def test_from_dict_ignores_unknown_and_requires_all():
    data = DEFAULT.to_dict() | {"extra": 1}
    assert PasswordPolicy.from_dict(data) == DEFAULT
    del data["hard_expiry"]
    with pytest.raises(KeyError):
        PasswordPolicy.from_dict(data)


def test_policy_is_frozen():
    with pytest.raises(Exception):
        DEFAULT.minimum_length = 1


def test_rules_for_default_policy():
    assert policy_rules(DEFAULT) == [
        "At least 8 characters.", RULE_MAX, RULE_THREE_OF_FOUR, RULE_NOT_NAME,
    ]


def test_rules_for_strict_policy():
    assert policy_rules(STRICT) == [
        "At least 14 characters.", RULE_MAX, RULE_UPPER, RULE_LOWER, RULE_DIGIT, RULE_SYMBOL, RULE_NOT_NAME,
    ]
    assert RULE_SYMBOL == "Include a symbol: ! @ # $ % ^ & * ( ) _ + - = [ ] { } | '"


@pytest.mark.parametrize("password", ["Abcdefg1", "abcdefg1!", "ABCDEFG!1", "Passw0rd", "aB3" + "x" * 125])
def test_default_policy_accepts(password):
    assert password_problems(password, DEFAULT) == []


def test_empty_password():
    assert password_problems("", DEFAULT) == ["Enter a password."]


def test_length_boundaries():
    assert password_problems("Abcdef1", DEFAULT) == ["At least 8 characters."]
    assert password_problems("Abcdefg1", DEFAULT) == []
    assert password_problems("aB3" + "x" * 125, DEFAULT) == []  # 128
    assert password_problems("aB3" + "x" * 126, DEFAULT) == [RULE_MAX]  # 129


@pytest.mark.parametrize("password", ["abcdefgh", "abcdefg1", "ABCDEFG!", "12345678", "!!!!!!!!", "ÄÖÜäöüéè"])
def test_default_policy_needs_three_types(password):
    assert RULE_THREE_OF_FOUR in password_problems(password, DEFAULT)


def test_every_broken_rule_is_listed():
    assert password_problems("abc", STRICT) == ["At least 14 characters.", RULE_UPPER, RULE_DIGIT, RULE_SYMBOL]
    assert password_problems("ABCDEFGHIJKLMN", STRICT) == [RULE_LOWER, RULE_DIGIT, RULE_SYMBOL]


def test_only_listed_symbols_count():
    base = "Abcdefghijk12"
    assert RULE_SYMBOL in password_problems(base + "~", STRICT)
    assert RULE_SYMBOL in password_problems(base + " ", STRICT)
    for symbol in SYMBOLS:
        assert password_problems(base + symbol, STRICT) == []


def test_non_ascii_letters_are_not_upper_or_lower():
    assert password_problems("ÉÉÉÉÉÉÉÉÉÉÉÉ1a!", STRICT) == [RULE_UPPER]


def test_password_equal_to_names_is_refused_ignoring_case():
    assert password_problems("Alice-2024", DEFAULT, user_name="alice-2024") == [RULE_NOT_NAME]
    assert password_problems("MyCompany1", DEFAULT, account_name="mycompany1") == [RULE_NOT_NAME]
    assert password_problems("Alice-2024!", DEFAULT, user_name="alice-2024") == []
    assert password_problems("Alice-2024", DEFAULT, user_name=None, account_name="") == []


def test_characters_outside_iam_pattern():
    assert password_problems("Abcdefg1€", DEFAULT) == [
        "Remove €: use only letters, digits, spaces and keyboard symbols."
    ]
    assert password_problems("Abcdefg1😀😀", DEFAULT)[-1].startswith("Remove 😀:")
    assert password_problems("Abc défg1 ÿ", DEFAULT) == []  # Latin-1 and spaces are allowed


def test_generate_password_default_length():
    assert len(generate_password(DEFAULT)) == 16
    assert len(generate_password(STRICT)) == 16
    assert len(generate_password(PasswordPolicy.from_aws({**STRICT_AWS, "MinimumPasswordLength": 40}))) == 40


def test_generate_password_explicit_length():
    assert len(generate_password(DEFAULT, 128)) == 128
    assert len(generate_password(DEFAULT, 8)) == 8
    for bad in (7, 129, 0):
        with pytest.raises(ValueError):
            generate_password(DEFAULT, bad)
    with pytest.raises(ValueError):
        generate_password(STRICT, 13)


@pytest.mark.parametrize("policy", [DEFAULT, STRICT])
def test_generated_passwords_always_pass(policy):
    passwords = {generate_password(policy) for _ in range(2000)}
    assert len(passwords) == 2000  # random, never repeated
    for password in passwords:
        assert password_problems(password, policy) == [], password


def test_generated_short_passwords_have_all_four_types():
    all_four = PasswordPolicy.from_aws({**STRICT_AWS, "MinimumPasswordLength": 4})
    for _ in range(2000):
        assert password_problems(generate_password(all_four, 4), all_four) == []


def test_generated_passwords_avoid_look_alikes():
    text = "".join(generate_password(DEFAULT, 128) for _ in range(50))
    assert not set(text) & set("0O1lI|'")
