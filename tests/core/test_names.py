import pytest

from iamwizard.core.names import (
    group_name_problem,
    mfa_device_name_problem,
    same_name_ignoring_case,
    tag_problems,
    user_name_problem,
)

CHARS = "Use only letters, digits and + = , . @ _ - (no spaces)."


@pytest.mark.parametrize("name", ["a", "alice", "Alice_Smith", "a+b=c,d.e@f-g", "0", "x" * 64, "_"])
def test_valid_user_names(name):
    assert user_name_problem(name) is None


def test_empty_user_name():
    assert user_name_problem("") == "Enter a user name."


def test_user_name_length_boundary():
    assert user_name_problem("a" * 64) is None
    assert user_name_problem("a" * 65) == "At most 64 characters (this has 65)."
    assert user_name_problem("a" * 70) == "At most 64 characters (this has 70)."


def test_space_gives_the_plain_message():
    assert user_name_problem("alice smith") == CHARS
    assert user_name_problem(" alice") == CHARS
    assert user_name_problem("alice\t") == CHARS


@pytest.mark.parametrize("name, bad", [("José", "é"), ("bob!", "!"), ("a/b", "/"), ("名前", "名 前"), ("a*b#", "* #")])
def test_disallowed_characters_are_named(name, bad):
    assert user_name_problem(name) == f"{CHARS} Not allowed: {bad}"


def test_unicode_digits_are_not_ascii_digits():
    assert user_name_problem("user٣") is not None  # Arabic-Indic digit three


def test_bad_characters_reported_before_length():
    assert user_name_problem("a b" + "c" * 70) == CHARS


def test_repeated_bad_character_named_once():
    assert user_name_problem("a!b!c") == f"{CHARS} Not allowed: !"


def test_group_name_limits():
    assert group_name_problem("g" * 128) is None
    assert group_name_problem("g" * 129) == "At most 128 characters (this has 129)."
    assert group_name_problem("") == "Enter a group name."
    assert group_name_problem("Admins team") == CHARS


def test_mfa_device_name_limits():
    assert mfa_device_name_problem("d" * 226) is None
    assert mfa_device_name_problem("d" * 227) == "At most 226 characters (this has 227)."
    assert mfa_device_name_problem("") == "Enter a device name."
    assert mfa_device_name_problem("alice-phone") is None


def test_same_name_ignoring_case():
    assert same_name_ignoring_case("alice", ["Bob", "ALICE"]) == "ALICE"
    assert same_name_ignoring_case("alice", ["alice"]) == "alice"
    assert same_name_ignoring_case("alice", ["bob", "alicia"]) is None
    assert same_name_ignoring_case("alice", []) is None
    assert same_name_ignoring_case("alice", iter(["x", "Alice"])) == "Alice"


def test_valid_tags():
    assert tag_problems([]) == []
    assert tag_problems([("team", "blue"), ("Name", ""), ("Ünïcode key 1", "valeur: été / x=y+z-@_.")]) == []


def test_tag_length_boundaries():
    assert tag_problems([("k" * 128, "v" * 256)]) == []
    problems = tag_problems([("k" * 129, "v")])
    assert problems == [f'Tag "{"k" * 30}…": the key can have at most 128 characters (this has 129).']
    assert tag_problems([("key", "v" * 257)]) == [
        'Tag "key": the value can have at most 256 characters (this has 257).'
    ]


def test_tag_count_boundary():
    assert tag_problems([(f"k{i}", "") for i in range(50)]) == []
    assert tag_problems([(f"k{i}", "") for i in range(51)]) == ["At most 50 tags (this has 51). Remove some."]


def test_empty_tag_key_named_by_position():
    assert tag_problems([("a", "1"), ("", "2")]) == ["Tag 2: enter a key."]


def test_tag_bad_characters():
    assert tag_problems([("cost*center", "x")]) == [
        'Tag "cost*center": the key may use only letters, digits, spaces and _ . : / = + - @ (not *).'
    ]
    assert tag_problems([("note", "line1\nline2\t!")]) == [
        'Tag "note": the value may use only letters, digits, spaces and _ . : / = + - @ (not line break, tab, !).'
    ]


def test_tag_aws_prefix_reserved_any_case():
    for key in ("aws:foo", "AWS:foo", "Aws:"):
        assert tag_problems([(key, "x")]) == [
            f'Tag "{key}": keys starting with "aws:" are reserved for AWS. Choose another key.'
        ]
    assert tag_problems([("awsome", "x"), ("my:aws:key", "y")]) == []


def test_duplicate_tag_keys_ignoring_case():
    problems = tag_problems([("Team", "a"), ("team", "b"), ("TEAM", "c")])
    assert problems == [
        'Tags "Team" and "team" have the same key (upper and lower case count as the same). Keep only one.',
        'Tags "Team" and "TEAM" have the same key (upper and lower case count as the same). Keep only one.',
    ]


def test_identical_duplicate_keys_are_found():
    key = "team"
    assert len(tag_problems([(key, "a"), (key, "b")])) == 1


def test_several_problems_all_reported():
    tags = [("aws:x", "v" * 300)] + [(f"k{i}", "") for i in range(50)]
    problems = tag_problems(tags)
    assert len(problems) == 3
