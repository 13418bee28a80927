import logging

import pytest

from iamwizard.core.redact import REDACTED, SECRET_FIELD_IN_TEXT, SECRET_PARAMETERS, is_secret, redact, redact_text


def test_secret_parameters_cover_the_wizard_calls():
    for name in ("Password", "OldPassword", "NewPassword", "AuthenticationCode1", "AuthenticationCode2",
                 "Base32StringSeed", "QRCodePNG", "SecretAccessKey", "SessionToken", "PrivateKey"):
        assert name in SECRET_PARAMETERS
    assert "UserName" not in SECRET_PARAMETERS
    assert isinstance(SECRET_PARAMETERS, frozenset)


def test_is_secret_ignores_case():
    assert is_secret("password") and is_secret("PASSWORD") and not is_secret("PasswordResetRequired")


def test_redact_top_level():
    params = {"UserName": "alice", "Password": "Hunter2!x", "PasswordResetRequired": True}
    assert redact(params) == {"UserName": "alice", "Password": REDACTED, "PasswordResetRequired": True}
    assert params["Password"] == "Hunter2!x"  # the original is untouched


def test_redact_nested_response():
    response = {
        "VirtualMFADevice": {"SerialNumber": "arn:aws:iam::1:mfa/d", "Base32StringSeed": b"SEED", "QRCodePNG": b"\x89PNG"},
        "Credentials": [{"AccessKeyId": "AKIA", "SecretAccessKey": "s3cr3t", "SessionToken": "tok"}],
        "Pairs": ({"Password": "p"}, "plain"),
    }
    assert redact(response) == {
        "VirtualMFADevice": {"SerialNumber": "arn:aws:iam::1:mfa/d", "Base32StringSeed": REDACTED, "QRCodePNG": REDACTED},
        "Credentials": [{"AccessKeyId": "AKIA", "SecretAccessKey": REDACTED, "SessionToken": REDACTED}],
        "Pairs": ({"Password": REDACTED}, "plain"),
    }


def test_redact_is_a_deep_copy():
    params = {"Tags": [{"Key": "k", "Value": "v"}], "Policy": {"Statement": []}}
    copy = redact(params)
    assert copy == params
    copy["Tags"][0]["Value"] = "changed"
    copy["Policy"]["Statement"].append(1)
    assert params == {"Tags": [{"Key": "k", "Value": "v"}], "Policy": {"Statement": []}}


def test_redact_secret_containers_and_empty():
    assert redact({}) == {}
    assert redact({"Password": None, "SecretAccessKey": {"nested": 1}}) == {"Password": REDACTED, "SecretAccessKey": REDACTED}
    assert redact({1: "x", "k": []}) == {1: "x", "k": []}


def test_redact_text():
    text = "Codes 123456 and 654321 rejected for seed ABCDEF"
    assert redact_text(text, ["123456", "654321", "ABCDEF"]) == "Codes [redacted] and [redacted] rejected for seed [redacted]"
    assert redact_text(text, []) == text
    assert redact_text(text, ["", None]) == text


def test_redact_text_longest_first():
    assert redact_text("pw=abcdef", ["abc", "abcdef"]) == "pw=[redacted]"
    assert redact_text("abc abc", iter(["abc"])) == "[redacted] [redacted]"


@pytest.mark.parametrize("name", sorted(SECRET_PARAMETERS | {"NewPassword", "OldPassword", "ServicePassword", "X-Amz-Security-Token"}))
def test_one_list_hides_a_secret_in_the_history_and_in_library_logs(name, caplog):
    """The redactor (activity history) and the AWS boundary's log guard read the same list: a
    secret field from either of the old lists is hidden by both."""
    from iamwizard.aws import gateway  # installs the guard on botocore's loggers

    assert gateway._WITHHOLD in logging.getLogger("botocore").filters
    assert redact({name: "s3cr3t-value"}) == {name: REDACTED}
    caplog.set_level(logging.DEBUG, logger="botocore")
    for text in (f"Action=X&{name}=s3cr3t-value", f"{{'{name}': 's3cr3t-value'}}", f"<{name}>s3cr3t-value</{name}>"):
        logging.getLogger("botocore").debug("Request body: %s", text)
    assert caplog.records and all("withheld" in r.getMessage() for r in caplog.records)
    assert "s3cr3t-value" not in caplog.text


def test_log_guard_keeps_harmless_fields():
    from iamwizard.aws import gateway

    logger = logging.getLogger("botocore")
    assert not SECRET_FIELD_IN_TEXT.search("Action=CreateLoginProfile&UserName=alice&PasswordResetRequired=true")
    assert gateway._WITHHOLD in logger.filters
