"""State survives a restart of the sandbox process (same data dir)."""
import os
import signal
import time

import boto3
from sandbox_support import clients_for, new_account_id, start_sandbox, stop_sandbox
from test_parity import GOOD_PASSWORD, codes, new_device, signin


def test_state_survives_restart(tmp_path):
    account_id = new_account_id()
    proc, endpoint = start_sandbox(tmp_path)
    try:
        iam = clients_for(endpoint, account_id)
        iam.create_user(UserName="rita")
        iam.create_group(GroupName="ops")
        iam.add_user_to_group(UserName="rita", GroupName="ops")
        iam.attach_user_policy(UserName="rita", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        iam.create_login_profile(UserName="rita", Password=GOOD_PASSWORD, PasswordResetRequired=True)
        serial, seed = new_device(iam, "rita")
        first, second = codes(seed)
        iam.enable_mfa_device(UserName="rita", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second)
        key = iam.create_access_key(UserName="rita")["AccessKey"]
    finally:
        stop_sandbox(proc)
    assert os.path.exists(tmp_path / "sandbox-state" / f"{account_id}.pickle")

    proc, endpoint = start_sandbox(tmp_path)
    try:
        iam = clients_for(endpoint, account_id)
        assert [u["UserName"] for u in iam.list_users()["Users"]] == ["rita"]
        assert iam.get_login_profile(UserName="rita")["LoginProfile"]["PasswordResetRequired"] is True
        assert [d["SerialNumber"] for d in iam.list_mfa_devices(UserName="rita")["MFADevices"]] == [serial]
        assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="rita")["Groups"]] == ["ops"]
        assert iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")["Policy"]["AttachmentCount"] == 1
        assert iam.get_account_summary()["SummaryMap"]["MFADevicesInUse"] == 1
        # the seed survived: the same authenticator keeps working
        first, second = codes(seed, offset=60)  # the enrolment's codes are spent, also after a restart
        iam.resync_mfa_device(UserName="rita", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second)
        assert signin(endpoint, account_id, "rita", GOOD_PASSWORD)[0] == 200
        # the user's own access key still maps to the account
        own = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key["AccessKeyId"],
                           aws_secret_access_key=key["SecretAccessKey"])
        assert own.get_user()["User"]["UserName"] == "rita"
    finally:
        stop_sandbox(proc)


def test_changes_are_saved_soon_even_without_clean_stop(tmp_path):
    account_id = new_account_id()
    proc, endpoint = start_sandbox(tmp_path)
    try:
        clients_for(endpoint, account_id).create_user(UserName="sam")
        time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)
    proc, endpoint = start_sandbox(tmp_path)
    try:
        assert [u["UserName"] for u in clients_for(endpoint, account_id).list_users()["Users"]] == ["sam"]
    finally:
        stop_sandbox(proc)
    assert not [name for name in os.listdir(tmp_path / "sandbox-state") if name.endswith(".tmp")]
