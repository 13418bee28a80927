"""Parity: IAM's eventual consistency, played by the sandbox on request (`--consistency-lag-ms`,
POST /_sandbox/lag). With a lag, what a write made is invisible to reads, and to the writes that
depend on it, until the lag has passed; then everything shows. boto3 against the server process."""
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.sandbox_support import clients_for, new_account_id, start_sandbox, stop_sandbox

ROOT = Path(__file__).resolve().parents[2]
LAG_MS = 1500
PASSWORD = "Corr3ct-horse-battery"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def _lag(endpoint, ms=None):
    data = None if ms is None else urllib.parse.urlencode({"ms": ms}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{endpoint}/_sandbox/lag", data=data), timeout=10) as response:
        return json.load(response)["lag_ms"]


def _code(call, *args, **kwargs):
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    error = info.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]


def _wait_out(since):
    """Sleep until the lag has passed for writes made at `since` (time.monotonic())."""
    time.sleep(max(0.0, since + LAG_MS / 1000 + 0.1 - time.monotonic()))


@pytest.fixture(scope="module")
def lagging(tmp_path_factory):
    """A sandbox started with --consistency-lag-ms."""
    proc, endpoint = start_sandbox(tmp_path_factory.mktemp("lag"), command=("manage.py", "sandbox", "--consistency-lag-ms", str(LAG_MS)))
    yield endpoint
    stop_sandbox(proc)


@pytest.fixture
def iam(lagging):
    return clients_for(lagging, new_account_id())


def test_a_new_user_is_not_found_until_the_lag_has_passed(iam):
    iam.create_user(UserName="ana")
    made = time.monotonic()
    assert _code(iam.get_user, UserName="ana") == ("NoSuchEntity", 404)
    assert _code(iam.list_groups_for_user, UserName="ana") == ("NoSuchEntity", 404)
    assert _code(iam.list_attached_user_policies, UserName="ana") == ("NoSuchEntity", 404)
    assert "ana" not in [u["UserName"] for u in iam.list_users()["Users"]]
    # Its name is taken at once all the same: IAM checks names where the write is made.
    assert _code(iam.create_user, UserName="ANA") == ("EntityAlreadyExists", 409)
    _wait_out(made)
    assert iam.get_user(UserName="ana")["User"]["UserName"] == "ana"
    assert "ana" in [u["UserName"] for u in iam.list_users()["Users"]]


def test_create_login_profile_right_after_create_user_fails_then_works(iam):
    iam.create_user(UserName="ben")
    made = time.monotonic()
    assert _code(iam.create_login_profile, UserName="ben", Password=PASSWORD) == ("NoSuchEntity", 404)
    _wait_out(made)
    iam.create_login_profile(UserName="ben", Password=PASSWORD, PasswordResetRequired=True)
    assert _code(iam.get_login_profile, UserName="ben") == ("NoSuchEntity", 404)
    made = time.monotonic()
    _wait_out(made)
    assert iam.get_login_profile(UserName="ben")["LoginProfile"]["UserName"] == "ben"


def test_add_user_to_group_right_after_create_user_or_create_group_fails(iam):
    iam.create_group(GroupName="old-group")
    iam.create_user(UserName="cai")
    made = time.monotonic()
    assert _code(iam.add_user_to_group, GroupName="old-group", UserName="cai") == ("NoSuchEntity", 404)
    _wait_out(made)
    iam.create_group(GroupName="new-group")
    made = time.monotonic()
    assert _code(iam.add_user_to_group, GroupName="new-group", UserName="cai") == ("NoSuchEntity", 404)
    assert _code(iam.get_group, GroupName="new-group") == ("NoSuchEntity", 404)
    assert "new-group" not in [g["GroupName"] for g in iam.list_groups()["Groups"]]
    _wait_out(made)
    iam.add_user_to_group(GroupName="new-group", UserName="cai")


def test_a_new_membership_shows_only_after_the_lag(iam):
    iam.create_user(UserName="dee")
    iam.create_group(GroupName="team")
    _wait_out(time.monotonic())
    iam.add_user_to_group(GroupName="team", UserName="dee")
    made = time.monotonic()
    assert iam.list_groups_for_user(UserName="dee")["Groups"] == []
    assert iam.get_group(GroupName="team")["Users"] == []
    _wait_out(made)
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="dee")["Groups"]] == ["team"]
    assert [u["UserName"] for u in iam.get_group(GroupName="team")["Users"]] == ["dee"]


def test_attaching_a_policy_just_created_fails_and_new_attachments_show_late(iam):
    iam.create_user(UserName="eve")
    iam.create_group(GroupName="ops")
    _wait_out(time.monotonic())
    arn = iam.create_policy(PolicyName="fresh", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}))["Policy"]["Arn"]
    made = time.monotonic()
    assert _code(iam.attach_group_policy, GroupName="ops", PolicyArn=arn) == ("NoSuchEntity", 404)
    assert _code(iam.attach_user_policy, UserName="eve", PolicyArn=arn) == ("NoSuchEntity", 404)
    assert _code(iam.get_policy, PolicyArn=arn) == ("NoSuchEntity", 404)
    assert arn not in [p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]]
    # An AWS managed policy exists already: attaching it works, and the attachment shows late.
    iam.attach_user_policy(UserName="eve", PolicyArn=READ_ONLY)
    iam.attach_group_policy(GroupName="ops", PolicyArn=READ_ONLY)
    iam.put_user_policy(UserName="eve", PolicyName="inline", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]}))
    attached = time.monotonic()
    assert iam.list_attached_user_policies(UserName="eve")["AttachedPolicies"] == []
    assert iam.list_attached_group_policies(GroupName="ops")["AttachedPolicies"] == []
    assert iam.list_user_policies(UserName="eve")["PolicyNames"] == []
    assert _code(iam.get_user_policy, UserName="eve", PolicyName="inline") == ("NoSuchEntity", 404)
    _wait_out(made)
    iam.attach_group_policy(GroupName="ops", PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Arn"] == arn
    _wait_out(attached)
    assert [p["PolicyArn"] for p in iam.list_attached_user_policies(UserName="eve")["AttachedPolicies"]] == [READ_ONLY]
    assert [p["PolicyArn"] for p in iam.list_attached_group_policies(GroupName="ops")["AttachedPolicies"]] == [READ_ONLY]
    assert iam.list_user_policies(UserName="eve")["PolicyNames"] == ["inline"]


def test_a_changed_reset_flag_shows_the_old_value_until_the_lag_has_passed(lagging):
    import boto3

    account_id = new_account_id()
    iam = clients_for(lagging, account_id)
    iam.update_account_password_policy(MinimumPasswordLength=8, AllowUsersToChangePassword=True)
    iam.create_user(UserName="gus")
    _wait_out(time.monotonic())
    iam.create_login_profile(UserName="gus", Password=PASSWORD, PasswordResetRequired=True)
    _wait_out(time.monotonic())
    iam.update_login_profile(UserName="gus", PasswordResetRequired=False)
    iam.update_login_profile(UserName="gus", PasswordResetRequired=False)  # changed again: still the first value
    changed = time.monotonic()
    assert iam.get_login_profile(UserName="gus")["LoginProfile"]["PasswordResetRequired"] is True
    _wait_out(changed)
    assert iam.get_login_profile(UserName="gus")["LoginProfile"]["PasswordResetRequired"] is False

    # The user's own ChangePassword (the console's forced change) too.
    iam.update_login_profile(UserName="gus", PasswordResetRequired=True)
    _wait_out(time.monotonic())
    data = urllib.parse.urlencode({"account": account_id, "user_name": "gus", "password": PASSWORD}).encode()
    with urllib.request.urlopen(f"{lagging}/_sandbox/console-signin", data=data, timeout=10) as response:
        session = json.load(response)
    own = boto3.client("iam", endpoint_url=lagging, region_name="us-east-1", aws_access_key_id=session["AccessKeyId"],
                       aws_secret_access_key=session["SecretAccessKey"], aws_session_token=session["SessionToken"])
    own.change_password(OldPassword=PASSWORD, NewPassword=PASSWORD + "-2")
    changed = time.monotonic()
    assert iam.get_login_profile(UserName="gus")["LoginProfile"]["PasswordResetRequired"] is True
    _wait_out(changed)
    assert iam.get_login_profile(UserName="gus")["LoginProfile"]["PasswordResetRequired"] is False


def test_enable_mfa_device_right_after_create_virtual_mfa_device_fails(iam):
    import pyotp

    iam.create_user(UserName="fay")
    _wait_out(time.monotonic())
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="fay-phone")["VirtualMFADevice"]
    made = time.monotonic()
    serial, seed = device["SerialNumber"], device["Base32StringSeed"].decode()
    assert serial not in [d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]]
    totp, now = pyotp.TOTP(seed), time.time()
    codes = {"AuthenticationCode1": totp.at(now - 30), "AuthenticationCode2": totp.at(now)}
    assert _code(iam.enable_mfa_device, UserName="fay", SerialNumber=serial, **codes) == ("NoSuchEntity", 404)
    _wait_out(made)
    now = time.time()
    iam.enable_mfa_device(UserName="fay", SerialNumber=serial, AuthenticationCode1=totp.at(now - 30), AuthenticationCode2=totp.at(now))
    enabled = time.monotonic()
    assert iam.list_mfa_devices(UserName="fay")["MFADevices"] == []
    listed = {d["SerialNumber"]: d for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]}
    assert "User" not in listed[serial]  # not shown as assigned yet
    _wait_out(enabled)
    assert [d["SerialNumber"] for d in iam.list_mfa_devices(UserName="fay")["MFADevices"]] == [serial]
    assert listed and iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"][0]["User"]["UserName"] == "fay"


def test_the_switch_turns_the_lag_off_and_on_while_running(lagging):
    iam = clients_for(lagging, new_account_id())
    assert _lag(lagging) == LAG_MS
    iam.create_user(UserName="gil")
    assert _code(iam.get_user, UserName="gil") == ("NoSuchEntity", 404)
    try:
        assert _lag(lagging, 0) == 0
        assert iam.get_user(UserName="gil")["User"]["UserName"] == "gil"  # off: what was hidden shows at once
        iam.create_user(UserName="hal")
        iam.create_login_profile(UserName="hal", Password=PASSWORD)
        assert _lag(lagging, 800) == 800
        started = time.monotonic()
        iam.create_user(UserName="ida")
        assert _code(iam.get_user, UserName="ida") == ("NoSuchEntity", 404)
        while True:
            try:
                iam.get_user(UserName="ida")
                break
            except ClientError:
                time.sleep(0.05)
        assert 0.75 <= time.monotonic() - started < 1.5
    finally:
        _lag(lagging, LAG_MS)


@pytest.mark.parametrize("bad", ["-1", "slow", "60001", "2.5", "", "١٢", "１０", " 30"])
def test_a_bad_lag_is_refused_and_changes_nothing(lagging, bad):
    with pytest.raises(urllib.error.HTTPError) as refused:
        _lag(lagging, bad)
    assert refused.value.code == 400
    assert "whole number from 0 to 60000, in the digits 0-9" in json.load(refused.value)["Message"]
    assert _lag(lagging) == LAG_MS


def test_off_by_default(sandbox):
    iam = clients_for(sandbox, new_account_id())
    assert _lag(sandbox) == 0
    iam.create_user(UserName="jo")
    iam.create_login_profile(UserName="jo", Password=PASSWORD)
    assert iam.get_user(UserName="jo")["User"]["UserName"] == "jo"


@pytest.mark.parametrize("command", [("manage.py", "sandbox"), ("-m", "iamwizard.sandbox")])
@pytest.mark.parametrize("bad", ["١٢", "60001", "soon"])
def test_a_bad_lag_on_the_command_line_is_refused(command, bad):
    done = subprocess.run([sys.executable, *command, "--port", "0", "--consistency-lag-ms", bad], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"{bad!r} is not a whole number from 0 to 60000, in the digits 0-9" in done.stderr


# --- the wizard's boundary against it: asked again only what may be "not visible yet" ------------

def _gateway(endpoint):
    from iamwizard.aws.gateway import Gateway, Target

    records = []
    gateway = Gateway(Target("sandbox", new_account_id(), endpoint), recorder=records.append)
    gateway.call("sts", "GetCallerIdentity")
    records.clear()
    return gateway, records


def test_the_gateway_asks_again_a_dependent_write_until_aws_shows_what_it_needs(lagging):
    gateway, records = _gateway(lagging)
    gateway.iam("CreateUser", UserName="kim")
    made = time.monotonic()
    gateway.iam("CreateLoginProfile", UserName="kim", Password=PASSWORD)
    assert time.monotonic() - made >= LAG_MS / 1000 - 0.2
    login = [r for r in records if r.operation == "CreateLoginProfile"]
    assert len(login) >= 2 and login[-1].ok and all(not r.ok and r.retried and r.error_code == "NoSuchEntity" for r in login[:-1])
    assert [r.attempt for r in login] == list(range(1, len(login) + 1))
    assert [r.operation for r in records if r.ok] == ["CreateUser", "CreateLoginProfile"]  # each write made once
    # Reads at once: only the ones that met NoSuchEntity are asked again, and every answer comes back.
    records.clear()
    user, profile = gateway.at_once(("iam", "GetUser", {"UserName": "kim"}), ("iam", "GetLoginProfile", {"UserName": "kim"}))
    assert user["User"]["UserName"] == "kim" and profile["LoginProfile"]["UserName"] == "kim"
    assert [r.operation for r in records if r.attempt > 1] and {r.operation for r in records if r.attempt > 1} == {"GetLoginProfile"}


def test_a_no_such_entity_about_something_not_just_made_is_answered_at_once(lagging):
    from iamwizard.aws.gateway import AwsError

    gateway, records = _gateway(lagging)
    gateway.iam("CreateUser", UserName="lee")
    started = time.monotonic()
    with pytest.raises(AwsError) as refused:
        gateway.iam("GetLoginProfile", UserName="lee")  # no console password was ever made: an answer
    assert refused.value.code == "NoSuchEntity" and refused.value.unsettled is None
    with pytest.raises(AwsError):
        gateway.iam("GetUser", UserName="nobody")
    assert time.monotonic() - started < 0.5
    assert [(r.operation, r.attempt, r.retried) for r in records[1:]] == [("GetLoginProfile", 1, False), ("GetUser", 1, False)]


def test_the_gateway_stops_asking_within_the_clicks_budget_and_says_how_long(lagging):
    from iamwizard.aws.gateway import ATTEMPT_SECONDS, AwsError, time_budget

    gateway, records = _gateway(lagging)
    gateway.iam("CreateUser", UserName="max")
    started = time.monotonic()
    with time_budget(ATTEMPT_SECONDS + 0.6), pytest.raises(AwsError) as refused:
        gateway.iam("AddUserToGroup", UserName="max", GroupName="old")
    # The group does not exist at all, but the user was just made: asked again while the budget allowed.
    assert time.monotonic() - started < 1.0
    attempts, seconds = refused.value.unsettled
    assert attempts >= 2 and seconds < 1.0
    assert [r.retried for r in records if r.operation == "AddUserToGroup"] == [True] * (attempts - 1) + [False]


def test_create_users_rounds_made_at_once_are_asked_again_together_and_each_attempt_is_one_batch(lagging):
    """Create user's rounds (review.creation_rounds): the new things at once, then the ties at once
    with `settle` (no raise, every answer back). The ties wait for AWS together; each attempt of
    the round reaches the batch recorder as one batch (one INSERT in the wizard), numbered."""
    from iamwizard.aws.gateway import Gateway, Target

    batches, single = [], []
    gateway = Gateway(Target("sandbox", new_account_id(), lagging), recorder=single.append, batch_recorder=batches.append)
    gateway.call("sts", "GetCallerIdentity")
    single.clear()
    made = gateway.at_once(("iam", "CreateUser", {"UserName": "ana"}), ("iam", "CreateGroup", {"GroupName": "Ties"}), settle=True)
    assert all("ResponseMetadata" in answer for answer in made)
    assert [[r.operation for r in batch] for batch in batches] == [["CreateUser", "CreateGroup"]] and not single
    started = time.monotonic()
    ties = gateway.at_once(("iam", "CreateLoginProfile", {"UserName": "ana", "Password": PASSWORD}),
                           ("iam", "AddUserToGroup", {"UserName": "ana", "GroupName": "Ties"}), settle=True)
    assert time.monotonic() - started >= LAG_MS / 1000 - 0.5
    assert all(not isinstance(answer, Exception) for answer in ties), ties
    rounds = batches[1:]
    # Both met NoSuchEntity at first and went again together; each batch is one attempt of the round.
    assert len(rounds) >= 2 and [r.operation for r in rounds[0]] == ["CreateLoginProfile", "AddUserToGroup"]
    assert all(len({r.attempt for r in batch}) == 1 for batch in rounds)
    # (Should one of them show a moment before the other, its partner's last attempt is alone: the plain recorder.)
    records = [r for batch in rounds for r in batch] + single
    for operation in ("CreateLoginProfile", "AddUserToGroup"):
        mine = sorted((r for r in records if r.operation == operation), key=lambda r: r.attempt)
        assert [r.attempt for r in mine] == list(range(1, len(mine) + 1)) and len(mine) >= 2
        assert all(not r.ok and r.retried and r.error_code == "NoSuchEntity" for r in mine[:-1])
        assert mine[-1].ok and not mine[-1].retried
