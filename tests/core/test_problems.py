"""Checks answer with a kind and parameters; the words for the person and for the trainer come from one place."""
import pytest

from iamwizard.core.names import iam_name_check
from iamwizard.core.passwords import PasswordPolicy, password_breaks, policy_rule_list
from iamwizard.core.problems import Problem, kind_label, label, message
from iamwizard.wizard.words import KIND_LABELS, MESSAGES


def test_password_breaks_are_kinds_with_parameters_and_keep_typed_characters_apart():
    breaks = password_breaks("ab€", PasswordPolicy.aws_default())
    assert [(p.kind, p.params) for p in breaks] == [
        ("password.too_short", {"min": 8}), ("password.three_of_four", {}), ("password.bad_chars", {})]
    assert breaks[-1].typed == {"chars": "€"} and breaks[-1].text.startswith("Remove €:")


def test_name_problems_say_which_name_and_never_keep_its_characters():
    problem = iam_name_check("José", "user_name")
    assert (problem.kind, problem.params, problem.typed) == ("name.bad_chars", {"name": "user_name"}, {"chars": "é"})
    assert iam_name_check("g" * 129, "group_name") == Problem("name.too_long", {"name": "group_name", "max": 128, "length": 129})
    assert iam_name_check("", "device_name").text == "Enter a device name."


@pytest.mark.parametrize("kind", sorted(set(MESSAGES) - {"mfa.ok"} - {k for k in MESSAGES if k.startswith("tag.")}))
def test_every_kind_the_person_can_see_has_words_for_the_trainer_too(kind):
    assert kind in KIND_LABELS


def test_every_policy_rule_has_words():
    for rule in policy_rule_list(PasswordPolicy.from_aws({"MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
                                                          "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True})):
        assert rule.kind in MESSAGES and rule.text != "Check this answer."


def test_trainer_words_carry_the_parameters():
    assert label("mfa.clock_off", {"minutes": 4, "direction": "ahead"}) == "Phone clock off by 4 minutes (ahead)"
    assert label("mfa.clock_off", {"minutes": 240, "direction": "behind"}) == "Phone clock off by 240 minutes (4 hours) (behind)"
    assert label("password.too_short", {"min": 14}) == "Password too short (the policy asks for 14)"
    assert label("user_name.lacks_prefix", {"prefix": "ws-"}) == "User name lacks the prefix ws-"
    assert label("aws.error", {"code": "EntityAlreadyExists"}) == "AWS refused a call: EntityAlreadyExists"
    assert label("name.empty", {"name": "group_name"}) == "Group name left empty"
    assert label("form.max_length", {}, "device_name") == "Form refused: device name"
    assert kind_label("mfa.clock_off") == "Phone clock off"


def test_unknown_kinds_never_crash():
    assert message(Problem("no.such.kind", {"x": 1})) == "Check this answer."
    assert label("no.such.kind", {}) == "no.such.kind"
    assert label("mfa.clock_off", {}) == "Phone clock off"  # a row recorded without its parameters
