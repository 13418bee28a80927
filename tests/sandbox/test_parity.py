"""The sandbox answers like AWS IAM: every rule with boto3 against the server process."""
import json
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib

import boto3
import pyotp
import pytest
from botocore.exceptions import ClientError
from sandbox_support import REGION, clients_for, new_account_id

GOOD_PASSWORD = "Corr3ct-horse"
CHANGE_PASSWORD_POLICY = "arn:aws:iam::aws:policy/IAMUserChangePassword"


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    response = info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


# --- names --------------------------------------------------------------------

@pytest.mark.parametrize("name", ["has space", "x" * 65, "slash/no", "ümlaut", "semi;colon"])
def test_invalid_user_names_are_rejected(iam, name):
    assert error_of(iam.create_user, UserName=name) == ("ValidationError", 400)


@pytest.mark.parametrize("name", ["a", "x" * 64, "Alice.Smith+ops=1,x@example-co_2"])
def test_valid_user_names_are_accepted(iam, name):
    assert iam.create_user(UserName=name)["User"]["UserName"] == name


def test_user_names_are_unique_ignoring_case(iam):
    iam.create_user(UserName="Alice")
    assert error_of(iam.create_user, UserName="alice") == ("EntityAlreadyExists", 409)
    assert error_of(iam.create_user, UserName="Alice") == ("EntityAlreadyExists", 409)


def test_group_names(iam):
    assert error_of(iam.create_group, GroupName="x" * 129) == ("ValidationError", 400)
    assert error_of(iam.create_group, GroupName="bad name") == ("ValidationError", 400)
    iam.create_group(GroupName="x" * 128)
    iam.create_group(GroupName="Admins")
    assert error_of(iam.create_group, GroupName="ADMINS") == ("EntityAlreadyExists", 409)


def test_virtual_mfa_device_names(iam):
    assert error_of(iam.create_virtual_mfa_device, VirtualMFADeviceName="x" * 227) == ("ValidationError", 400)
    assert error_of(iam.create_virtual_mfa_device, VirtualMFADeviceName="my phone") == ("ValidationError", 400)
    iam.create_virtual_mfa_device(VirtualMFADeviceName="x" * 226)


# --- passwords ----------------------------------------------------------------

@pytest.mark.parametrize("password", ["Sh0rt!", "alllowercase1", "ALLUPPER!!!", "x" * 129])
def test_default_policy_rejects(iam, password):
    iam.create_user(UserName="bob")
    assert error_of(iam.create_login_profile, UserName="bob", Password=password) == ("PasswordPolicyViolation", 400)


def test_default_policy_accepts_three_kinds_and_stores_reset_flag(iam):
    iam.create_user(UserName="bob")
    profile = iam.create_login_profile(UserName="bob", Password="lower1UPPER", PasswordResetRequired=True)["LoginProfile"]
    assert profile["PasswordResetRequired"] is True
    assert iam.get_login_profile(UserName="bob")["LoginProfile"]["PasswordResetRequired"] is True
    iam.update_login_profile(UserName="bob", PasswordResetRequired=False)
    assert iam.get_login_profile(UserName="bob")["LoginProfile"]["PasswordResetRequired"] is False


def test_account_policy_is_enforced(iam):
    iam.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True, RequireNumbers=True,
                                       RequireUppercaseCharacters=True, RequireLowercaseCharacters=True)
    iam.create_user(UserName="carol")
    for bad in ["Sh0rt!pass", "NoSymbolsHere123", "no-upper-case-123", "NO-LOWER-CASE-123", "No-Numbers-Here!"]:
        assert error_of(iam.create_login_profile, UserName="carol", Password=bad) == ("PasswordPolicyViolation", 400)
    iam.create_login_profile(UserName="carol", Password="Long-enough-123")
    assert error_of(iam.update_login_profile, UserName="carol", Password="short") == ("PasswordPolicyViolation", 400)
    iam.update_login_profile(UserName="carol", Password="Another-long-456")


def test_login_profile_errors(iam):
    assert error_of(iam.create_login_profile, UserName="ghost", Password=GOOD_PASSWORD) == ("NoSuchEntity", 404)
    iam.create_user(UserName="dan")
    assert error_of(iam.get_login_profile, UserName="dan") == ("NoSuchEntity", 404)
    iam.create_login_profile(UserName="dan", Password=GOOD_PASSWORD)
    assert error_of(iam.create_login_profile, UserName="dan", Password=GOOD_PASSWORD) == ("EntityAlreadyExists", 409)


# --- console sign-in and ChangePassword ------------------------------------------

def signin(endpoint, account, user_name, password):
    data = urllib.parse.urlencode({"account": account, "user_name": user_name, "password": password}).encode()
    try:
        with urllib.request.urlopen(endpoint + "/_sandbox/console-signin", data=data) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def session_client(endpoint, creds, service="iam"):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])


def test_console_signin(sandbox, account):
    account_id, iam = account
    iam.create_user(UserName="erin")
    iam.create_login_profile(UserName="erin", Password=GOOD_PASSWORD, PasswordResetRequired=True)
    assert "PasswordLastUsed" not in iam.get_user(UserName="erin")["User"]

    failures = [signin(sandbox, account_id, "erin", "wrong-Passw0rd"), signin(sandbox, account_id, "nobody", GOOD_PASSWORD),
                signin(sandbox, new_account_id(), "erin", GOOD_PASSWORD)]
    assert {status for status, _ in failures} == {401}
    assert {body["Code"] for _, body in failures} == {"InvalidCredentials"}
    assert len({body["Message"] for _, body in failures}) == 1

    status, creds = signin(sandbox, account_id, "erin", GOOD_PASSWORD)
    assert status == 200
    assert creds["PasswordResetRequired"] is True and creds["AccountId"] == account_id and creds["UserName"] == "erin"
    # A user with no policy may do nothing in IAM, not even read itself (sts:GetCallerIdentity needs no permission).
    assert error_of(session_client(sandbox, creds).get_user) == ("AccessDenied", 403)
    identity = session_client(sandbox, creds, "sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{account_id}:user/erin" and identity["Account"] == account_id
    assert "PasswordLastUsed" in iam.get_user(UserName="erin")["User"]

    iam.create_account_alias(AccountAlias=f"erin-{account_id}")
    assert signin(sandbox, f"erin-{account_id}", "erin", GOOD_PASSWORD)[0] == 200


def test_change_password(sandbox, account):
    account_id, iam = account
    iam.create_user(UserName="frank")
    iam.create_login_profile(UserName="frank", Password=GOOD_PASSWORD, PasswordResetRequired=True)
    _, creds = signin(sandbox, account_id, "frank", GOOD_PASSWORD)
    frank = session_client(sandbox, creds)

    # Not an IAM user (assumed-role credentials)
    assert error_of(iam.change_password, OldPassword=GOOD_PASSWORD, NewPassword="N3w-password") == ("InvalidUserType", 400)
    # No AllowUsersToChangePassword and no policy granting iam:ChangePassword
    assert error_of(frank.change_password, OldPassword=GOOD_PASSWORD, NewPassword="N3w-password") == ("AccessDenied", 403)
    iam.attach_user_policy(UserName="frank", PolicyArn=CHANGE_PASSWORD_POLICY)
    assert error_of(frank.change_password, OldPassword="Wr0ng-password", NewPassword="N3w-password") == ("InvalidUserType", 400)
    assert error_of(frank.change_password, OldPassword=GOOD_PASSWORD, NewPassword="weak") == ("PasswordPolicyViolation", 400)

    frank.change_password(OldPassword=GOOD_PASSWORD, NewPassword="N3w-password")
    assert iam.get_login_profile(UserName="frank")["LoginProfile"]["PasswordResetRequired"] is False
    assert signin(sandbox, account_id, "frank", GOOD_PASSWORD)[0] == 401
    status, creds = signin(sandbox, account_id, "frank", "N3w-password")
    assert status == 200 and creds["PasswordResetRequired"] is False


def test_change_password_allowed_by_account_policy_and_reuse_prevention(sandbox, account):
    account_id, iam = account
    iam.update_account_password_policy(MinimumPasswordLength=8, AllowUsersToChangePassword=True, PasswordReusePrevention=2)
    iam.create_user(UserName="gina")
    iam.create_login_profile(UserName="gina", Password=GOOD_PASSWORD)
    _, creds = signin(sandbox, account_id, "gina", GOOD_PASSWORD)
    gina = session_client(sandbox, creds)
    assert error_of(gina.change_password, OldPassword=GOOD_PASSWORD, NewPassword=GOOD_PASSWORD) == ("PasswordPolicyViolation", 400)
    gina.change_password(OldPassword=GOOD_PASSWORD, NewPassword="second-pass")


# --- MFA ----------------------------------------------------------------------

def codes(seed, offset=0):
    totp = pyotp.TOTP(seed)
    now = time.time() + offset
    return totp.at(now - 30), totp.at(now)


def new_device(iam, name):
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    return device["SerialNumber"], device["Base32StringSeed"].decode("ascii")


def test_virtual_mfa_device_has_real_qr_png(account):
    account_id, iam = account
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="phone")["VirtualMFADevice"]
    assert device["SerialNumber"] == f"arn:aws:iam::{account_id}:mfa/phone"
    png = device["QRCodePNG"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert width == height and width > 100
    idat_length = struct.unpack(">I", png[33:37])[0]
    assert png[37:41] == b"IDAT" and zlib.decompress(png[41:41 + idat_length])
    pyotp.TOTP(device["Base32StringSeed"].decode("ascii")).now()  # a usable base32 seed


def test_enable_mfa_device(iam):
    iam.create_user(UserName="hank")
    serial, seed = new_device(iam, "hank")
    assert error_of(iam.enable_mfa_device, UserName="hank", SerialNumber=serial,
                    AuthenticationCode1="123456", AuthenticationCode2="654321") == ("InvalidAuthenticationCode", 403)
    first, second = codes(seed)
    assert error_of(iam.enable_mfa_device, UserName="hank", SerialNumber=serial,
                    AuthenticationCode1=second, AuthenticationCode2=first) == ("InvalidAuthenticationCode", 403)
    far1, far2 = codes(seed, offset=-600)
    assert error_of(iam.enable_mfa_device, UserName="hank", SerialNumber=serial,
                    AuthenticationCode1=far1, AuthenticationCode2=far2) == ("InvalidAuthenticationCode", 403)
    assert error_of(iam.enable_mfa_device, UserName="hank", SerialNumber=serial.replace("hank", "nope"),
                    AuthenticationCode1=first, AuthenticationCode2=second) == ("NoSuchEntity", 404)
    assert error_of(iam.enable_mfa_device, UserName="nobody", SerialNumber=serial,
                    AuthenticationCode1=first, AuthenticationCode2=second) == ("NoSuchEntity", 404)
    iam.enable_mfa_device(UserName="hank", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second)
    assert [d["SerialNumber"] for d in iam.list_mfa_devices(UserName="hank")["MFADevices"]] == [serial]
    assert error_of(iam.enable_mfa_device, UserName="hank", SerialNumber=serial,
                    AuthenticationCode1=first, AuthenticationCode2=second) == ("EntityAlreadyExists", 409)


def test_enable_mfa_accepts_slightly_old_codes(iam):
    iam.create_user(UserName="ivy")
    serial, seed = new_device(iam, "ivy")
    first, second = codes(seed, offset=-30)
    iam.enable_mfa_device(UserName="ivy", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second)


def test_at_most_eight_mfa_devices_per_user(iam):
    iam.create_user(UserName="jack")
    for index in range(8):
        serial, seed = new_device(iam, f"jack-{index}")
        first, second = codes(seed)
        iam.enable_mfa_device(UserName="jack", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second)
    serial, seed = new_device(iam, "jack-8")
    first, second = codes(seed)
    assert error_of(iam.enable_mfa_device, UserName="jack", SerialNumber=serial,
                    AuthenticationCode1=first, AuthenticationCode2=second) == ("LimitExceeded", 409)


def test_resync_mfa_device(iam):
    iam.create_user(UserName="kate")
    serial, seed = new_device(iam, "kate")
    first, second = codes(seed)
    assert error_of(iam.resync_mfa_device, UserName="kate", SerialNumber=serial,
                    AuthenticationCode1=first, AuthenticationCode2=second) == ("NoSuchEntity", 404)
    iam.enable_mfa_device(UserName="kate", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second)
    assert error_of(iam.resync_mfa_device, UserName="kate", SerialNumber=serial,
                    AuthenticationCode1="000000", AuthenticationCode2="111111") == ("InvalidAuthenticationCode", 403)
    # The codes that enabled it are spent; the next ones resync it.
    assert error_of(iam.resync_mfa_device, UserName="kate", SerialNumber=serial,
                    AuthenticationCode1=first, AuthenticationCode2=second) == ("InvalidAuthenticationCode", 403)
    later1, later2 = pyotp.TOTP(seed).at(time.time() + 30), pyotp.TOTP(seed).at(time.time() + 60)
    iam.resync_mfa_device(UserName="kate", SerialNumber=serial, AuthenticationCode1=later1, AuthenticationCode2=later2)


def test_codes_already_accepted_are_refused_at_enable_mfa_device(iam):
    iam.create_user(UserName="reuse")
    serial, seed = new_device(iam, "reuse")
    first, second = codes(seed)
    iam.enable_mfa_device(UserName="reuse", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second)
    iam.deactivate_mfa_device(UserName="reuse", SerialNumber=serial)
    # The same pair again, still in its window: AWS accepts a code once.
    assert error_of(iam.enable_mfa_device, UserName="reuse", SerialNumber=serial,
                    AuthenticationCode1=first, AuthenticationCode2=second) == ("InvalidAuthenticationCode", 403)
    later1, later2 = pyotp.TOTP(seed).at(time.time() + 30), pyotp.TOTP(seed).at(time.time() + 60)
    iam.enable_mfa_device(UserName="reuse", SerialNumber=serial, AuthenticationCode1=later1, AuthenticationCode2=later2)


def mfa_signin(endpoint, challenge, code):
    data = urllib.parse.urlencode({"challenge": challenge, "mfa_code": code}).encode()
    try:
        with urllib.request.urlopen(endpoint + "/_sandbox/console-signin", data=data) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_console_signin_asks_for_the_mfa_code_and_accepts_each_code_once(sandbox, account):
    account_id, iam = account
    iam.create_user(UserName="otto")
    iam.create_login_profile(UserName="otto", Password=GOOD_PASSWORD)
    serial, seed = new_device(iam, "otto")
    now = time.time()
    totp = pyotp.TOTP(seed)
    iam.enable_mfa_device(UserName="otto", SerialNumber=serial, AuthenticationCode1=totp.at(now - 30), AuthenticationCode2=totp.at(now))

    assert signin(sandbox, account_id, "otto", "wrong-Passw0rd")[0] == 401
    status, answer = signin(sandbox, account_id, "otto", GOOD_PASSWORD)
    assert status == 200 and answer["MFARequired"] is True and "AccessKeyId" not in answer
    challenge = answer["Challenge"]
    # The code typed at enrolment is spent; a code from 4 minutes ahead is a phone clock off.
    status, refused = mfa_signin(sandbox, challenge, totp.at(now))
    assert (status, refused["Code"], refused["Diagnosis"]["kind"]) == (401, "InvalidMFACode", "mfa.code_reused")
    status, refused = mfa_signin(sandbox, challenge, totp.at(now + 240))
    assert refused["Diagnosis"] == {"kind": "mfa.clock_off", "params": {"minutes": 4, "direction": "ahead"}, "verdict": "clock_drift"}
    status, creds = mfa_signin(sandbox, challenge, totp.at(now + 30))
    assert status == 200 and creds["MFAAuthenticated"] is True and creds["SerialNumber"] == serial
    assert session_client(sandbox, creds, "sts").get_caller_identity()["Arn"].endswith(":user/otto")
    # The challenge was used up, and the code too, for a new sign-in.
    assert mfa_signin(sandbox, challenge, totp.at(now + 30))[1]["Code"] == "ChallengeExpired"
    _, answer = signin(sandbox, account_id, "otto", GOOD_PASSWORD)
    assert mfa_signin(sandbox, answer["Challenge"], totp.at(now + 30))[1]["Diagnosis"]["kind"] == "mfa.code_reused"


def test_deny_without_mfa_is_enforced_for_the_users_own_calls(sandbox, account):
    from iamwizard.core.mfa_policy import document

    account_id, iam = account
    arn = iam.create_policy(PolicyName="RequireMFA", PolicyDocument=json.dumps(document()))["Policy"]["Arn"]
    iam.create_group(GroupName="Admins")
    iam.attach_group_policy(GroupName="Admins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.attach_group_policy(GroupName="Admins", PolicyArn=arn)
    iam.create_user(UserName="pia")
    iam.create_user(UserName="other")
    iam.add_user_to_group(GroupName="Admins", UserName="pia")
    iam.create_login_profile(UserName="pia", Password=GOOD_PASSWORD)

    _, creds = signin(sandbox, account_id, "pia", GOOD_PASSWORD)
    pia = session_client(sandbox, creds)
    # Without MFA: an ordinary action is denied (explicitly, despite AdministratorAccess)...
    assert error_of(pia.list_users) == ("AccessDenied", 403)
    assert error_of(pia.create_user, UserName="sneaky") == ("AccessDenied", 403)
    # ...what the first sign-in and the MFA set-up need is not.
    assert pia.get_user()["User"]["UserName"] == "pia"
    pia.change_password(OldPassword=GOOD_PASSWORD, NewPassword="N3w-password")
    serial = pia.create_virtual_mfa_device(VirtualMFADeviceName="pia")["VirtualMFADevice"]
    seed = serial["Base32StringSeed"].decode("ascii")
    totp, now = pyotp.TOTP(seed), time.time()
    pia.enable_mfa_device(UserName="pia", SerialNumber=serial["SerialNumber"], AuthenticationCode1=totp.at(now - 30), AuthenticationCode2=totp.at(now))
    assert [d["UserName"] for d in pia.list_mfa_devices()["MFADevices"]] == ["pia"]
    # Signed in with MFA: the same action is allowed.
    _, answer = signin(sandbox, account_id, "pia", "N3w-password")
    _, creds = mfa_signin(sandbox, answer["Challenge"], totp.at(now + 30))
    with_mfa = session_client(sandbox, creds)
    assert "pia" in [u["UserName"] for u in with_mfa.list_users()["Users"]]
    # A long-term access key carries no MFA at all: BoolIfExists denies it too.
    key = iam.create_access_key(UserName="pia")["AccessKey"]
    by_key = boto3.client("iam", endpoint_url=sandbox, region_name=REGION, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    assert error_of(by_key.list_users) == ("AccessDenied", 403)


def test_a_customer_managed_policy_is_deleted_in_awss_order(iam):
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    arn = iam.create_policy(PolicyName="Mine", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    iam.create_group(GroupName="team")
    iam.attach_group_policy(GroupName="team", PolicyArn=arn)
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document), SetAsDefault=True)
    assert error_of(iam.delete_policy, PolicyArn=arn) == ("DeleteConflict", 409)
    iam.detach_group_policy(GroupName="team", PolicyArn=arn)
    assert error_of(iam.delete_policy, PolicyArn=arn) == ("DeleteConflict", 409)  # v1 is left besides the default v2
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    iam.delete_policy(PolicyArn=arn)
    assert error_of(iam.get_policy, PolicyArn=arn) == ("NoSuchEntity", 404)


def test_policy_conditions_bool_and_not_action_are_evaluated():
    from iamwizard.sandbox.policy_eval import decide

    doc = json.dumps({"Statement": [
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
    ]})
    assert decide([doc], "iam:ListUsers", "*", {"aws:MultiFactorAuthPresent": False}, "u") == "Deny"
    assert decide([doc], "iam:ListUsers", "*", {"aws:MultiFactorAuthPresent": True}, "u") == "Allow"
    assert decide([doc], "iam:ListUsers", "*", {}, "u") == "Allow"  # Bool: an absent key does not match
    assert decide([doc.replace('"Bool"', '"BoolIfExists"')], "iam:ListUsers", "*", {}, "u") == "Deny"
    own = json.dumps({"Statement": [{"Effect": "Allow", "NotAction": "iam:Delete*", "Resource": "arn:aws:iam::*:user/${aws:username}"}]})
    assert decide([own], "iam:GetUser", "arn:aws:iam::1:user/u", {}, "u") == "Allow"
    assert decide([own], "iam:GetUser", "arn:aws:iam::1:user/v", {}, "u") == "ImplicitDeny"
    assert decide([own], "iam:DeleteUser", "arn:aws:iam::1:user/u", {}, "u") == "ImplicitDeny"


def test_account_summary_reflects_state(iam):
    iam.create_user(UserName="leo")
    iam.create_user(UserName="mia")
    iam.create_group(GroupName="devs")
    iam.create_policy(PolicyName="mine", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))
    serial, seed = new_device(iam, "leo")
    new_device(iam, "spare")
    first, second = codes(seed)
    iam.enable_mfa_device(UserName="leo", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second)
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["Users"] == 2 and summary["Groups"] == 1 and summary["Policies"] == 1
    assert summary["MFADevices"] == 2 and summary["MFADevicesInUse"] == 1
    assert summary["AccountMFAEnabled"] == 0


def test_account_summary_counts_attachments_and_own_policies(iam):
    """PolicyVersionsInUse counts every attachment of a managed policy (AWS's or the account's own),
    Policies the customer managed ones only; both follow attach, detach and delete."""
    summary = lambda: iam.get_account_summary()["SummaryMap"]  # noqa: E731
    assert (summary()["PolicyVersionsInUse"], summary()["Policies"]) == (0, 0)
    mine = iam.create_policy(PolicyName="mine", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))["Policy"]["Arn"]
    iam.create_user(UserName="ola")
    iam.create_group(GroupName="ops")
    iam.attach_user_policy(UserName="ola", PolicyArn=CHANGE_PASSWORD_POLICY)
    iam.attach_group_policy(GroupName="ops", PolicyArn=CHANGE_PASSWORD_POLICY)
    iam.attach_group_policy(GroupName="ops", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.attach_user_policy(UserName="ola", PolicyArn=mine)
    assert (summary()["PolicyVersionsInUse"], summary()["Policies"]) == (4, 1)
    iam.detach_group_policy(GroupName="ops", PolicyArn=CHANGE_PASSWORD_POLICY)
    iam.detach_user_policy(UserName="ola", PolicyArn=mine)
    iam.delete_policy(PolicyArn=mine)
    assert (summary()["PolicyVersionsInUse"], summary()["Policies"]) == (2, 0)


# --- deletion -------------------------------------------------------------------

def test_delete_user_conflicts_until_everything_is_removed(iam):
    iam.create_user(UserName="ned")
    iam.create_group(GroupName="team")
    iam.create_login_profile(UserName="ned", Password=GOOD_PASSWORD)
    key = iam.create_access_key(UserName="ned")["AccessKey"]["AccessKeyId"]
    serial, seed = new_device(iam, "ned")
    first, second = codes(seed)
    iam.enable_mfa_device(UserName="ned", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second)
    iam.add_user_to_group(UserName="ned", GroupName="team")
    iam.attach_user_policy(UserName="ned", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.put_user_policy(UserName="ned", PolicyName="inline", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))

    assert error_of(iam.delete_virtual_mfa_device, SerialNumber=serial) == ("DeleteConflict", 409)
    cleanup = [
        lambda: iam.delete_login_profile(UserName="ned"),
        lambda: iam.delete_access_key(UserName="ned", AccessKeyId=key),
        lambda: iam.deactivate_mfa_device(UserName="ned", SerialNumber=serial),
        lambda: iam.remove_user_from_group(UserName="ned", GroupName="team"),
        lambda: iam.detach_user_policy(UserName="ned", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"),
        lambda: iam.delete_user_policy(UserName="ned", PolicyName="inline"),
    ]
    for step in cleanup:
        assert error_of(iam.delete_user, UserName="ned") == ("DeleteConflict", 409)
        step()
    iam.delete_user(UserName="ned")
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert error_of(iam.get_user, UserName="ned") == ("NoSuchEntity", 404)


# --- shared AWS managed policies stay per account ----------------------------------

def test_managed_policy_attachments_do_not_leak_between_accounts(sandbox, iam):
    other = clients_for(sandbox, new_account_id())
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    iam.create_user(UserName="olga")
    iam.attach_user_policy(UserName="olga", PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    assert other.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0
    assert other.list_policies(Scope="AWS", OnlyAttached=True)["Policies"] == []
    assert [p["PolicyName"] for p in iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]] == ["ReadOnlyAccess"]
    assert other.get_account_summary()["SummaryMap"]["PolicyVersionsInUse"] == 0
    assert error_of(iam.delete_policy, PolicyArn=arn) == ("AccessDenied", 403)


def test_user_permissions_boundary_is_kept_returned_and_changeable(iam):
    boundary = "arn:aws:iam::aws:policy/PowerUserAccess"
    created = iam.create_user(UserName="bounded", PermissionsBoundary=boundary)["User"]
    assert created["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    assert iam.get_user(UserName="bounded")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    iam.put_user_permissions_boundary(UserName="bounded", PermissionsBoundary="arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert iam.get_user(UserName="bounded")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith("/ReadOnlyAccess")
    iam.delete_user_permissions_boundary(UserName="bounded")
    assert "PermissionsBoundary" not in iam.get_user(UserName="bounded")["User"]
    assert error_of(iam.create_user, UserName="nobound", PermissionsBoundary="arn:aws:iam::aws:policy/NoSuchPolicyAnywhere")[0] == "NoSuchEntity"


def test_root_access_key_identifies_as_the_root_user(sandbox):
    from iamwizard.sandbox.iam_handlers import ROOT_ACCESS_KEY

    sts = boto3.client("sts", endpoint_url=sandbox, region_name=REGION, aws_access_key_id=ROOT_ACCESS_KEY, aws_secret_access_key="x")
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:root"


# --- the root user (practice: sign-in by e-mail, MFA the console's way, access keys) -------------

def root_user(endpoint, account_id):
    data = urllib.parse.urlencode({"account": account_id}).encode()
    with urllib.request.urlopen(endpoint + "/_sandbox/root-user", data=data) as response:
        return json.loads(response.read())


def root_mfa(endpoint, access_key, serial, code1, code2):
    data = urllib.parse.urlencode({"access_key": access_key, "serial": serial, "code1": code1, "code2": code2}).encode()
    try:
        with urllib.request.urlopen(endpoint + "/_sandbox/root-mfa", data=data) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def root_signin(endpoint, address, password):
    data = urllib.parse.urlencode({"email": address, "password": password}).encode()
    try:
        with urllib.request.urlopen(endpoint + "/_sandbox/console-signin", data=data) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_root_mfa_shows_in_the_account_summary_and_only_the_console_enables_it(sandbox, account):
    account_id, iam = account
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0
    practice = root_user(sandbox, account_id)
    assert practice["Email"] == f"root@{account_id}.sandbox.example"
    assert root_signin(sandbox, practice["Email"], "wrong-Passw0rd")[0] == 401
    status, creds = root_signin(sandbox, practice["Email"], practice["Password"])
    assert status == 200 and creds["Root"] is True
    as_root = session_client(sandbox, creds)
    assert session_client(sandbox, creds, "sts").get_caller_identity()["Arn"] == f"arn:aws:iam::{account_id}:root"
    device = as_root.create_virtual_mfa_device(VirtualMFADeviceName="root-account-mfa-device")["VirtualMFADevice"]
    totp, now = pyotp.TOTP(device["Base32StringSeed"].decode("ascii")), time.time()
    # The API has no way (EnableMFADevice needs a UserName): the console's own route, as root.
    key = as_root.create_access_key()["AccessKey"]
    assert root_mfa(sandbox, key["AccessKeyId"], device["SerialNumber"], totp.at(now - 30), totp.at(now))[0] == 403  # access keys are not a console session
    assert root_mfa(sandbox, creds["AccessKeyId"], device["SerialNumber"], "123456", "654321")[1]["Code"] == "InvalidAuthenticationCode"
    assert root_mfa(sandbox, creds["AccessKeyId"], device["SerialNumber"], totp.at(now - 30), totp.at(now))[0] == 200
    summary = iam.get_account_summary()["SummaryMap"]
    assert (summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"]) == (1, 1)
    # The root sign-in now asks for the code too.
    status, answer = root_signin(sandbox, practice["Email"], practice["Password"])
    assert answer["MFARequired"] is True
    status, creds = mfa_signin(sandbox, answer["Challenge"], totp.at(now + 30))
    assert status == 200 and creds["Root"] is True and creds["MFAAuthenticated"] is True
    # Root access keys: listed, deleted, and the summary says so.
    as_root = session_client(sandbox, creds)
    assert [k["AccessKeyId"] for k in as_root.list_access_keys()["AccessKeyMetadata"]] == [key["AccessKeyId"]]
    as_root.delete_access_key(AccessKeyId=key["AccessKeyId"])
    assert iam.get_account_summary()["SummaryMap"]["AccountAccessKeysPresent"] == 0
    as_root.deactivate_mfa_device(SerialNumber=device["SerialNumber"])
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0


def test_codes_used_at_root_mfa_enrolment_are_refused_at_the_root_sign_in_and_again_at_enrolment(sandbox, account):
    """As for an IAM user: AWS accepts each code once, at enrolment or sign-in, for the rest of its window."""
    account_id, iam = account
    practice = root_user(sandbox, account_id)
    _, creds = root_signin(sandbox, practice["Email"], practice["Password"])
    as_root = session_client(sandbox, creds)
    device = as_root.create_virtual_mfa_device(VirtualMFADeviceName="root-account-mfa-device")["VirtualMFADevice"]
    totp, now = pyotp.TOTP(device["Base32StringSeed"].decode("ascii")), time.time()
    assert root_mfa(sandbox, creds["AccessKeyId"], device["SerialNumber"], totp.at(now - 30), totp.at(now))[0] == 200
    status, answer = root_signin(sandbox, practice["Email"], practice["Password"])
    assert status == 200 and answer["MFARequired"] is True and "AccessKeyId" not in answer
    status, refused = mfa_signin(sandbox, answer["Challenge"], totp.at(now))
    assert (status, refused["Code"], refused["Diagnosis"]["kind"]) == (401, "InvalidMFACode", "mfa.code_reused")
    status, creds = mfa_signin(sandbox, answer["Challenge"], totp.at(now + 30))
    assert status == 200 and creds["Root"] is True and creds["SerialNumber"] == device["SerialNumber"]
    # Off and on again: the codes already accepted stay refused.
    as_root = session_client(sandbox, creds)
    assert error_of(as_root.delete_virtual_mfa_device, SerialNumber=device["SerialNumber"]) == ("DeleteConflict", 409)
    as_root.deactivate_mfa_device(SerialNumber=device["SerialNumber"])
    assert root_mfa(sandbox, creds["AccessKeyId"], device["SerialNumber"], totp.at(now), totp.at(now + 30))[1]["Code"] == "InvalidAuthenticationCode"
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0


def test_the_practice_root_user_can_be_given_an_access_key_to_find_and_delete(sandbox, account):
    account_id, iam = account
    data = urllib.parse.urlencode({"account": account_id, "access_key": "1"}).encode()
    with urllib.request.urlopen(sandbox + "/_sandbox/root-user", data=data) as response:
        practice = json.loads(response.read())
    assert len(practice["AccessKeyIds"]) == 1 and "SecretAccessKey" not in json.dumps(practice)
    assert iam.get_account_summary()["SummaryMap"]["AccountAccessKeysPresent"] == 1
    with urllib.request.urlopen(sandbox + "/_sandbox/root-user", data=data) as response:
        again = json.loads(response.read())
    assert again["AccessKeyIds"] == practice["AccessKeyIds"] and again["Password"] != practice["Password"]  # one key, a new password
    _, creds = root_signin(sandbox, again["Email"], again["Password"])
    as_root = session_client(sandbox, creds)
    # An IAM user's keys are not the root user's: ListAccessKeys without a UserName, as root, lists its own.
    iam.create_user(UserName="keyed")
    iam.create_access_key(UserName="keyed")
    assert [k["AccessKeyId"] for k in as_root.list_access_keys()["AccessKeyMetadata"]] == practice["AccessKeyIds"]
    assert error_of(as_root.delete_access_key, AccessKeyId="AKIANOSUCHKEY0000000") == ("NoSuchEntity", 404)
    as_root.delete_access_key(AccessKeyId=practice["AccessKeyIds"][0])
    assert as_root.list_access_keys()["AccessKeyMetadata"] == []
    assert iam.get_account_summary()["SummaryMap"]["AccountAccessKeysPresent"] == 0
