"""The sandbox at public scale: accounts load on first use, idle ones leave memory (a bound), the
AWS managed policy catalogue is shared, a restart answers at once, and an account can be deleted.

The in-process checks run in a child Python process of their own (`IN_PROCESS`): moto's state is
per process, and the sandbox server they start there is the real one (moto's server and our
middleware over HTTP); the child also reads the store's own counters."""
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request

import boto3
import pytest
from sandbox_support import REGION, ROOT, clients_for, new_account_id, start_sandbox, stop_sandbox
from test_parity import GOOD_PASSWORD


def _own_client(endpoint, key):
    return boto3.client("iam", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key["AccessKeyId"],
                        aws_secret_access_key=key["SecretAccessKey"])


def _signin(endpoint, account, user, password):
    data = urllib.parse.urlencode({"account": account, "user_name": user, "password": password}).encode()
    try:
        with urllib.request.urlopen(endpoint + "/_sandbox/console-signin", data=data) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def _enrol(endpoint, account_id, alias=None):
    iam = clients_for(endpoint, account_id)
    iam.create_user(UserName="ana")
    iam.attach_user_policy(UserName="ana", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.create_login_profile(UserName="ana", Password=GOOD_PASSWORD, PasswordResetRequired=False)
    if alias:
        iam.create_account_alias(AccountAlias=alias)
    return iam.create_access_key(UserName="ana")["AccessKey"]


def test_a_restart_reads_no_account_until_one_is_asked_for(tmp_path):
    """Keys and aliases of accounts saved before the restart still find their account; a deleted
    key finds none; the index beside the files is rebuilt when it is missing (an older data dir)."""
    first, second = new_account_id(), new_account_id()
    alias = f"acme-{first}"
    proc, endpoint = start_sandbox(tmp_path)
    try:
        key = _enrol(endpoint, first, alias)
        other = _enrol(endpoint, second)
        clients_for(endpoint, second).delete_access_key(UserName="ana", AccessKeyId=other["AccessKeyId"])
    finally:
        stop_sandbox(proc)
    for without_index in (False, True):
        if without_index:
            for name in os.listdir(tmp_path / "sandbox-state"):
                if name.startswith("index.sqlite3"):
                    os.unlink(tmp_path / "sandbox-state" / name)
        proc, endpoint = start_sandbox(tmp_path)
        try:
            # the first request of all: a console sign-in by the account's alias
            status, answer = _signin(endpoint, alias, "ana", GOOD_PASSWORD)
            assert status == 200 and answer["AccountId"] == first
            assert _own_client(endpoint, key).get_user()["User"]["Arn"] == f"arn:aws:iam::{first}:user/ana"
            attached = _own_client(endpoint, key).list_attached_user_policies(UserName="ana")["AttachedPolicies"]
            assert [p["PolicyName"] for p in attached] == ["ReadOnlyAccess"]
            # the deleted key acts in no participant's account (the default account, as for any unknown key)
            arn = boto3.client("sts", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=other["AccessKeyId"],
                               aws_secret_access_key=other["SecretAccessKey"]).get_caller_identity()["Arn"]
            assert second not in arn
            assert _signin(endpoint, second, "ana", GOOD_PASSWORD)[0] == 200
        finally:
            stop_sandbox(proc)


IN_PROCESS = r"""
import json, os, sys, time
import boto3
from iamwizard.sandbox import server, accounts, persistence
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "sandbox"))
from sandbox_support import clients_for, ADMIN, REGION

data_dir, bound = sys.argv[1], int(sys.argv[3])
srv = server.make_server(data_dir=data_dir, accounts_in_memory=bound)
import threading
threading.Thread(target=srv.serve_forever, daemon=True).start()
endpoint = "http://127.0.0.1:%d" % srv.server_address[1]
store = srv.sandbox_store
out = {}
ids = ["%012d" % (200000000000 + i) for i in range(8)]
keys = {}
for account_id in ids:
    iam = clients_for(endpoint, account_id)
    iam.create_user(UserName="ana")
    iam.attach_user_policy(UserName="ana", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    keys[account_id] = iam.create_access_key(UserName="ana")["AccessKey"]
deadline = time.monotonic() + 20
while store.in_memory_count() > bound and time.monotonic() < deadline:
    time.sleep(0.1)
out["in_memory_after_creating"] = store.in_memory_count()
out["evictions"] = store.evictions
out["saved"] = sorted(store.saved_account_ids())
loads_before = store.loads
# every account still answers, with what it held, through its user's own key
for account_id in ids:
    own = boto3.client("iam", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=keys[account_id]["AccessKeyId"],
                       aws_secret_access_key=keys[account_id]["SecretAccessKey"])
    assert own.get_user()["User"]["Arn"].startswith(f"arn:aws:iam::{account_id}:"), account_id
    assert own.get_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")["Policy"]["AttachmentCount"] == 1
out["loads_reading_back"] = store.loads - loads_before
while store.in_memory_count() > bound and time.monotonic() < deadline + 20:
    time.sleep(0.1)
out["in_memory_after_reading"] = store.in_memory_count()

# the shared catalogue: listing AWS's policies copies none of them into the account
iam = clients_for(endpoint, ids[0])
listed = iam.list_policies(Scope="AWS", MaxItems=1000)
with server._state_lock:
    own = accounts.iam_backend(ids[0]).managed_policies.own
    out["own_policies_after_listing"] = sorted(own)
details = iam.get_account_authorization_details(Filter=["LocalManagedPolicy"])["Policies"]
out["local_policies_in_details"] = [p["PolicyName"] for p in details]
out["aws_policies_listed"] = len(listed["Policies"])
out["catalogue"] = len(accounts._templates_by_arn)

# retention's functions
out["count_before"] = accounts.count_accounts()
victim = ids[3]
out["deleted"] = accounts.delete_account(victim)
out["deleted_again"] = accounts.delete_account(victim)
out["count_after"] = accounts.count_accounts()
out["file_left"] = os.path.exists(store.path(victim))
own = boto3.client("sts", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=keys[victim]["AccessKeyId"],
                   aws_secret_access_key=keys[victim]["SecretAccessKey"])
out["deleted_key_acts_in"] = own.get_caller_identity()["Account"]
out["users_after_delete"] = [u["UserName"] for u in clients_for(endpoint, victim).list_users()["Users"]]
srv.shutdown()
store.close()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def in_process(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("scale")
    env = dict(os.environ, PYTHONPATH=str(ROOT), MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    done = subprocess.run([sys.executable, "-c", IN_PROCESS, str(data_dir), str(ROOT), "3"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_idle_accounts_leave_memory_and_come_back_from_disk(in_process):
    assert len(in_process["saved"]) == 8
    assert in_process["in_memory_after_creating"] <= 3 and in_process["evictions"] >= 5
    assert in_process["loads_reading_back"] >= 5  # most were read back from disk, all answered
    assert in_process["in_memory_after_reading"] <= 3


def test_the_aws_managed_policy_catalogue_is_shared(in_process):
    assert in_process["aws_policies_listed"] == min(1000, in_process["catalogue"]) > 900
    assert in_process["own_policies_after_listing"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]  # the attached one only
    assert in_process["local_policies_in_details"] == []


def test_an_account_can_be_deleted_and_counted(in_process):
    assert in_process["count_before"] == 8
    assert in_process["deleted"] is True and in_process["deleted_again"] is False
    assert in_process["count_after"] == 7 and in_process["file_left"] is False
    assert in_process["deleted_key_acts_in"] != "200000000003"
    assert in_process["users_after_delete"] == []  # the same id, assumed again, is a new, empty account
