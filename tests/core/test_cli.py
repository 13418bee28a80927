import pytest

from iamwizard.core.cli import cli_command, kebab


@pytest.mark.parametrize("name, expected", [
    ("CreateUser", "create-user"),
    ("CreateVirtualMFADevice", "create-virtual-mfa-device"),
    ("GetAccountPasswordPolicy", "get-account-password-policy"),
    ("ListMFADevices", "list-mfa-devices"),
    ("EnableMFADevice", "enable-mfa-device"),
    ("GetCallerIdentity", "get-caller-identity"),
    ("AuthenticationCode1", "authentication-code1"),
    ("Base32StringSeed", "base32-string-seed"),
    ("ListSSHPublicKeys", "list-ssh-public-keys"),
    ("OpenIDConnectProviderArn", "open-id-connect-provider-arn"),
    ("UserName", "user-name"),
    ("MFA", "mfa"),
])
def test_kebab(name, expected):
    assert kebab(name) == expected


def test_create_user_with_tags():
    assert cli_command("iam", "CreateUser", {"UserName": "alice", "Tags": [{"Key": "k", "Value": "v"}]}) == (
        "aws iam create-user --user-name alice --tags Key=k,Value=v"
    )


def test_several_tags_and_shell_quoting():
    command = cli_command("iam", "TagUser", {
        "UserName": "o'brien", "Tags": [{"Key": "team", "Value": "blue"}, {"Key": "cost", "Value": "a b"}],
    })
    assert command == (
        "aws iam tag-user --user-name 'o'\"'\"'brien' "
        """--tags '[{"Key": "team", "Value": "blue"}, {"Key": "cost", "Value": "a b"}]'"""
    )


def test_shorthand_for_plain_tags():
    assert cli_command("iam", "TagUser", {"Tags": [{"Key": "a", "Value": "1"}, {"Key": "c", "Value": "d"}]}) == (
        "aws iam tag-user --tags Key=a,Value=1 Key=c,Value=d"
    )


def test_booleans_are_flags():
    assert cli_command("iam", "CreateLoginProfile", {"UserName": "bob", "Password": "S3cret!x", "PasswordResetRequired": True}) == (
        "aws iam create-login-profile --user-name bob --password <password> --password-reset-required"
    )
    assert cli_command("iam", "UpdateLoginProfile", {"UserName": "bob", "PasswordResetRequired": False}) == (
        "aws iam update-login-profile --user-name bob --no-password-reset-required"
    )


def test_secrets_never_shown():
    command = cli_command("iam", "EnableMFADevice", {
        "UserName": "bob", "SerialNumber": "arn:aws:iam::123456789012:mfa/bob-phone",
        "AuthenticationCode1": "123456", "AuthenticationCode2": "654321",
    })
    assert command == (
        "aws iam enable-mfa-device --user-name bob --serial-number arn:aws:iam::123456789012:mfa/bob-phone"
        " --authentication-code1 <code-1> --authentication-code2 <code-2>"
    )
    change = cli_command("iam", "ChangePassword", {"OldPassword": "a", "NewPassword": "b"})
    assert change == "aws iam change-password --old-password <old-password> --new-password <new-password>"


def test_create_virtual_mfa_device_adds_cli_only_options():
    assert cli_command("iam", "CreateVirtualMFADevice", {"VirtualMFADeviceName": "bob-phone"}) == (
        "aws iam create-virtual-mfa-device --virtual-mfa-device-name bob-phone"
        " --outfile qrcode.png --bootstrap-method QRCodePNG"
    )


def test_no_parameters():
    assert cli_command("sts", "GetCallerIdentity", {}) == "aws sts get-caller-identity"
    assert cli_command("iam", "GetAccountPasswordPolicy", {}) == "aws iam get-account-password-policy"


def test_lists_of_strings_numbers_and_none():
    assert cli_command("iam", "X", {"Names": ["a", "b c"], "MaxItems": 10, "Marker": None, "Empty": []}) == (
        "aws iam x --names a 'b c' --max-items 10"
    )


def test_structures_and_json_strings():
    assert cli_command("iam", "X", {"Filter": {"Name": "n", "On": True}}) == "aws iam x --filter Name=n,On=true"
    doc = '{"Version": "2012-10-17"}'
    assert cli_command("iam", "CreatePolicy", {"PolicyName": "p", "PolicyDocument": doc}) == (
        f"aws iam create-policy --policy-name p --policy-document '{doc}'"
    )
    assert cli_command("iam", "X", {"Deep": {"A": {"B": 1}}}) == """aws iam x --deep '{"A": {"B": 1}}'"""


def test_unicode_values_are_quoted():
    assert cli_command("iam", "TagUser", {"Tags": [{"Key": "équipe", "Value": "été"}]}) == (
        "aws iam tag-user --tags 'Key=équipe,Value=été'"
    )
    assert cli_command("iam", "X", {"Name": "été ok"}) == "aws iam x --name 'été ok'"
