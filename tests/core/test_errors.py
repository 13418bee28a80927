import pytest

from iamwizard.core.errors import AwsProblem, explain, required_permissions


def test_access_denied_names_permission_from_operation():
    problem = explain("AccessDenied", "Access denied", "CreateUser")
    assert problem.missing_permission == "iam:CreateUser"
    assert "iam:CreateUser" in problem.message
    assert not problem.retryable
    assert problem.aws_message == "Access denied"


def test_access_denied_prefers_the_action_aws_names():
    aws = ("User: arn:aws:iam::123456789012:user/op is not authorized to perform: iam:CreateLoginProfile"
           " on resource: user bob with an explicit deny in an identity-based policy")
    problem = explain("AccessDenied", aws, "CreateLoginProfile")
    assert problem.missing_permission == "iam:CreateLoginProfile"
    assert "explicitly denies" in problem.message


def test_access_denied_exception_for_other_services():
    problem = explain("AccessDeniedException", "", "ListSecrets", service="secretsmanager")
    assert problem.missing_permission == "secretsmanager:ListSecrets"


@pytest.mark.parametrize("code", [
    "Throttling", "ThrottlingException", "RequestLimitExceeded", "ServiceFailure", "InternalFailure",
    "ConcurrentModification", "EntityTemporarilyUnmodifiable", "Timeout", "EndpointUnreachable",
    "500", "503",
])
def test_retryable(code):
    problem = explain(code, "x", "CreateUser")
    assert problem.retryable
    assert problem.missing_permission is None


@pytest.mark.parametrize("code", [
    "EntityAlreadyExists", "NoSuchEntity", "PasswordPolicyViolation", "InvalidAuthenticationCode",
    "LimitExceeded", "DeleteConflict", "ValidationError", "InvalidClientTokenId", "SignatureDoesNotMatch",
    "ExpiredToken", "UnrecognizedClientException", "SomethingNew", "404",
])
def test_not_retryable(code):
    assert not explain(code, "x", "CreateUser").retryable


def test_entity_temporarily_unmodifiable_says_few_seconds():
    assert "try again in a few seconds" in explain("EntityTemporarilyUnmodifiable", "", "EnableMFADevice").message.lower()


@pytest.mark.parametrize("code", ["InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "ExpiredToken"])
def test_credentials_problems_mention_keys(code):
    message = explain(code, "", "GetCallerIdentity", service="sts").message
    assert "key" in message or "credentials" in message


def test_password_policy_violation_includes_aws_rule():
    problem = explain("PasswordPolicyViolation", "Password should have at least one uppercase letter", "CreateLoginProfile")
    assert problem.message == (
        "The password doesn't meet the account's password rules: Password should have at least one uppercase letter."
    )


def test_operation_specific_messages():
    assert "already has a console password" in explain("EntityAlreadyExists", "", "CreateLoginProfile").message
    assert "already taken" in explain("EntityAlreadyExists", "", "CreateUser").message
    assert "default rules" in explain("NoSuchEntity", "", "GetAccountPasswordPolicy").message


def test_unknown_code_includes_aws_message():
    problem = explain("WeirdError", "Something odd happened", "CreateUser")
    assert problem == AwsProblem("WeirdError", "aws.refused", {"code": "WeirdError", "aws_message": "Something odd happened."},
                                 "Something odd happened", False, None)
    assert problem.message == "AWS refused this (WeirdError): Something odd happened."
    assert explain("WeirdError", "", "CreateUser").message == "AWS refused this (WeirdError)."


def test_messages_are_short_and_plain():
    for code in ["EntityAlreadyExists", "NoSuchEntity", "InvalidAuthenticationCode", "LimitExceeded",
                 "DeleteConflict", "Throttling", "ServiceFailure", "EndpointUnreachable", "Timeout"]:
        message = explain(code, "", "CreateUser").message
        assert 0 < len(message) < 260 and message.endswith(".")


def test_required_permissions():
    ops = [("iam", "CreateUser"), ("iam", "CreateLoginProfile"), ("iam", "CreateUser"),
           ("sts", "GetCallerIdentity"), ("iam", "AttachUserPolicy")]
    assert required_permissions(ops) == {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["iam:AttachUserPolicy", "iam:CreateLoginProfile", "iam:CreateUser"],
            "Resource": "*",
        }],
    }


def test_required_permissions_empty():
    assert required_permissions([]) == {"Version": "2012-10-17", "Statement": []}
    assert required_permissions(iter([("sts", "GetCallerIdentity")]))["Statement"] == []


def test_codes_of_the_aws_layer():
    assert "No AWS credentials" in explain("NoCredentials", "Unable to locate credentials", "GetCallerIdentity", "sts").message
    assert explain("Unknown", "boom", "CreateUser").message == "Something went wrong while talking to AWS: boom."


def test_no_answer_names_the_endpoint_and_says_trying_again_is_safe():
    timeout = explain("Timeout", "Read timeout on endpoint URL", "CreateUser", endpoint="iam.amazonaws.com", seconds=30)
    assert timeout.message == ("AWS (iam.amazonaws.com) didn't answer in time: this page waits for it at most 30 seconds."
                               " Trying again is safe: nothing is made twice.")
    unreachable = explain("EndpointUnreachable", "Could not connect", "CreateUser", endpoint="127.0.0.1:5000")
    assert "Can't reach AWS at 127.0.0.1:5000." in unreachable.message and "Trying again is safe" in unreachable.message
    assert timeout.retryable and unreachable.retryable
