"""The sandbox drops an expired run's emulated account (`POST /_sandbox/accounts/drop`): from memory,
from disk, and for good (a restart does not bring it back); other accounts are untouched."""
import json
import os
import urllib.error
import urllib.request
from urllib.parse import urlencode

import boto3
from sandbox_support import REGION, clients_for, new_account_id, start_sandbox, stop_sandbox


def admin(endpoint, path, fields=None):
    data = None if fields is None else urlencode(fields, doseq=True).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(endpoint + path, data=data), timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def users(endpoint, account_id):
    return [u["UserName"] for u in clients_for(endpoint, account_id).list_users()["Users"]]


def test_dropped_account_is_gone_from_memory_disk_and_after_restart(tmp_path):
    expired, kept = new_account_id(), new_account_id()
    proc, endpoint = start_sandbox(tmp_path)
    try:
        clients_for(endpoint, expired).create_user(UserName="old-user")
        iam_kept = clients_for(endpoint, kept)
        iam_kept.create_user(UserName="kept-user")
        # The expired account's own user has an access key: it must stop leading anywhere.
        iam_expired = clients_for(endpoint, expired)
        iam_expired.put_user_policy(UserName="old-user", PolicyName="self", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]}))
        key = iam_expired.create_access_key(UserName="old-user")["AccessKey"]
        own = boto3.client("iam", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key["AccessKeyId"],
                           aws_secret_access_key=key["SecretAccessKey"])
        assert own.get_user()["User"]["UserName"] == "old-user"
        before = admin(endpoint, "/_sandbox/accounts")[1]["count"]
        admin(endpoint, "/_sandbox/latency")  # any request; let the debounced writer save both accounts
        _wait_for_file(tmp_path, expired)

        status, answer = admin(endpoint, "/_sandbox/accounts/drop", {"account": [expired, "999999999999"]})
        assert status == 200 and answer == {"dropped": [expired], "unknown": ["999999999999"]}
        assert admin(endpoint, "/_sandbox/accounts")[1]["count"] == before - 1
        assert not (tmp_path / "sandbox-state" / f"{expired}.pickle").exists()
        assert (tmp_path / "sandbox-state" / f"{kept}.pickle").exists()
        # Its user's access key leads to that user no more (moto answers unknown keys with a stand-in).
        assert own.get_user()["User"]["UserName"] != "old-user"
        assert admin(endpoint, "/_sandbox/accounts/drop", {"account": expired})[1] == {"dropped": [], "unknown": [expired]}
        assert users(endpoint, kept) == ["kept-user"]
        # The old user is gone (moto makes a blank account on the next AssumeRole into that id).
        assert users(endpoint, expired) == []
    finally:
        stop_sandbox(proc)

    proc, endpoint = start_sandbox(tmp_path)
    try:
        assert users(endpoint, kept) == ["kept-user"]
        assert users(endpoint, expired) == []
    finally:
        stop_sandbox(proc)


def test_drop_refuses_bad_requests(sandbox):
    assert admin(sandbox, "/_sandbox/accounts/drop", {"account": "12345"})[0] == 400
    assert admin(sandbox, "/_sandbox/accounts/drop", {})[0] == 400
    assert admin(sandbox, "/_sandbox/accounts/drop")[0] == 405  # GET
    assert admin(sandbox, "/_sandbox/accounts", {"x": "1"})[0] == 405  # POST


def _wait_for_file(data_dir, account_id, timeout=10):
    import time

    deadline = time.monotonic() + timeout
    path = data_dir / "sandbox-state" / f"{account_id}.pickle"
    while time.monotonic() < deadline and not os.path.exists(path):
        time.sleep(0.1)
    assert os.path.exists(path)



def test_accounts_unchanged_for_days_are_listed_for_the_wizard_to_sweep(tmp_path):
    old, fresh = new_account_id(), new_account_id()
    proc, endpoint = start_sandbox(tmp_path)
    try:
        clients_for(endpoint, old).create_user(UserName="cli-user")
        clients_for(endpoint, fresh).create_user(UserName="new-user")
        _wait_for_file(tmp_path, old)
        _wait_for_file(tmp_path, fresh)
        month_ago = os.path.getmtime(tmp_path / "sandbox-state" / f"{old}.pickle") - 31 * 86400
        os.utime(tmp_path / "sandbox-state" / f"{old}.pickle", (month_ago, month_ago))
        status, answer = admin(endpoint, "/_sandbox/accounts?unchanged_days=30")
        assert status == 200 and answer["unchanged"] == [old] and answer["count"] >= 2
        assert admin(endpoint, "/_sandbox/accounts?unchanged_days=32")[1]["unchanged"] == []
        assert "unchanged" not in admin(endpoint, "/_sandbox/accounts")[1]
        assert admin(endpoint, "/_sandbox/accounts?unchanged_days=-3")[0] == 400
    finally:
        stop_sandbox(proc)
