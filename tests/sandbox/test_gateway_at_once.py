"""Independent read-backs go to AWS at the same time, and are recorded as if made one by one."""
import threading
import time

import pytest

from iamwizard.aws.gateway import AwsError, Gateway, Target
from tests.sandbox.sandbox_support import new_account_id, start_sandbox, stop_sandbox

LATENCY_MS = 300


@pytest.fixture(scope="module")
def slow_sandbox(tmp_path_factory):
    """A sandbox answering at AWS's pace (and then some), so that overlapping calls show."""
    proc, endpoint = start_sandbox(tmp_path_factory.mktemp("slow"), command=("manage.py", "sandbox", "--latency-ms", str(LATENCY_MS)))
    yield endpoint
    stop_sandbox(proc)


def _gateway(endpoint):
    records, threads = [], []

    def recorder(record):
        records.append(record)
        threads.append(threading.get_ident())

    gateway = Gateway(Target("sandbox", new_account_id(), endpoint), recorder=recorder)
    gateway.call("sts", "GetCallerIdentity")  # assumes the role first, outside what is measured
    records.clear(), threads.clear()
    return gateway, records, threads


def test_four_reads_at_once_take_about_one_answer_and_are_recorded_in_order(slow_sandbox):
    gateway, records, threads = _gateway(slow_sandbox)
    gateway.iam("CreateUser", UserName="ana")
    records.clear(), threads.clear()
    reads = ["GetUser", "ListGroupsForUser", "ListAttachedUserPolicies", "ListUserTags"]

    started = time.monotonic()
    answers = gateway.at_once(*[("iam", op, {"UserName": "ana"}) for op in reads])
    elapsed = time.monotonic() - started

    assert answers[0]["User"]["UserName"] == "ana" and answers[1]["Groups"] == [] and answers[3]["Tags"] == []
    # One after another they could not take less than 4 x 300 ms.
    assert elapsed < 4 * LATENCY_MS / 1000
    assert [r.operation for r in records] == reads and all(r.ok for r in records)
    assert set(threads) == {threading.get_ident()}  # the recorder runs in the caller's thread


def test_an_error_is_raised_after_every_call_finished_and_was_recorded(slow_sandbox):
    gateway, records, _ = _gateway(slow_sandbox)
    with pytest.raises(AwsError) as raised:
        gateway.at_once(("iam", "ListUsers", {}), ("iam", "GetUser", {"UserName": "nobody"}), ("iam", "GetLoginProfile", {"UserName": "nobody"}))
    assert raised.value.operation == "GetUser" and raised.value.code == "NoSuchEntity"  # the first failure, in the order given
    assert [(r.operation, r.ok, r.error_code) for r in records] == [
        ("ListUsers", True, ""), ("GetUser", False, "NoSuchEntity"), ("GetLoginProfile", False, "NoSuchEntity")]


def test_a_tolerated_error_stands_in_for_its_answer(slow_sandbox):
    gateway, _, _ = _gateway(slow_sandbox)
    aliases, policy = gateway.at_once(("iam", "ListAccountAliases", {}), ("iam", "GetAccountPasswordPolicy", {}), tolerate={"NoSuchEntity"})
    assert aliases["AccountAliases"] == []
    assert isinstance(policy, AwsError) and policy.code == "NoSuchEntity"


def test_calls_at_once_assume_the_role_once(sandbox_endpoint, monkeypatch):
    from iamwizard.aws import gateway as boundary

    assumed = []
    real_assume = boundary._assume
    monkeypatch.setattr(boundary, "_assume", lambda *args: assumed.append(args) or real_assume(*args))
    fresh = Gateway(Target("sandbox", new_account_id(), sandbox_endpoint))
    fresh.at_once(("sts", "GetCallerIdentity", {}), ("iam", "ListAccountAliases", {}), ("iam", "ListUsers", {}))
    assert len(assumed) == 1


def test_settled_calls_made_at_once_return_each_outcome_and_raise_nothing(slow_sandbox):
    """Changes made at once (Review's rounds): every call's outcome, so the caller can keep a progress
    marker for each one that succeeded before it reports the one that failed."""
    gateway, records, _ = _gateway(slow_sandbox)
    made, refused, also_made = gateway.at_once(("iam", "CreateUser", {"UserName": "bo"}), ("iam", "GetUser", {"UserName": "nobody"}),
                                               ("iam", "CreateGroup", {"GroupName": "Crew"}), settle=True)
    assert made["User"]["UserName"] == "bo" and also_made["Group"]["GroupName"] == "Crew"
    assert isinstance(refused, AwsError) and refused.code == "NoSuchEntity"
    assert [(r.operation, r.ok) for r in records] == [("CreateUser", True), ("GetUser", False), ("CreateGroup", True)]


def test_prepare_assumes_the_role_in_the_background_once_for_the_first_call(sandbox_endpoint, monkeypatch):
    from iamwizard.aws import gateway as boundary

    assumed = []
    real_assume = boundary._assume
    monkeypatch.setattr(boundary, "_assume", lambda *args: assumed.append(args) or real_assume(*args))
    target = Target("sandbox", new_account_id(), sandbox_endpoint)
    Gateway(target).prepare()
    deadline = time.monotonic() + 10
    while not assumed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(assumed) == 1
    Gateway(target).call("sts", "GetCallerIdentity")  # the next request's gateway: the role is assumed already
    assert len(assumed) == 1


def test_calls_made_at_once_reach_a_batch_recorder_together_in_the_order_given(slow_sandbox):
    batches, singles = [], []
    gateway = Gateway(Target("sandbox", new_account_id(), slow_sandbox), recorder=singles.append, batch_recorder=batches.append)
    gateway.call("sts", "GetCallerIdentity")  # one call: the ordinary recorder
    gateway.at_once(("iam", "ListUsers", {}), ("iam", "ListGroups", {}), ("iam", "GetUser", {"UserName": "nobody"}), settle=True)
    assert [r.operation for r in singles] == ["GetCallerIdentity"]
    assert [[(r.operation, r.ok) for r in batch] for batch in batches] == [[("ListUsers", True), ("ListGroups", True), ("GetUser", False)]]


def test_a_call_made_with_a_signed_in_users_credentials_goes_at_once_beside_the_others(slow_sandbox):
    """A fourth element names the gateway whose credentials make the call (a user's, signed in): it
    goes beside the role's calls in the same round, and is recorded by the gateway asked, in order."""
    from iamwizard.aws.gateway import user_gateway

    gateway, records, _ = _gateway(slow_sandbox)
    gateway.iam("CreateUser", UserName="uma")
    key = gateway.iam("CreateAccessKey", UserName="uma")["AccessKey"]
    as_uma = user_gateway(slow_sandbox, {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]})
    records.clear()
    started = time.monotonic()
    users, refused = gateway.at_once(("iam", "ListUsers", {}), ("iam", "ListUsers", {"MaxItems": 1}, as_uma), settle=True)
    elapsed = time.monotonic() - started
    assert [u["UserName"] for u in users["Users"]] == ["uma"]
    assert isinstance(refused, AwsError) and refused.code == "AccessDenied"  # uma has no policy: her own credentials made it
    assert elapsed < 2 * LATENCY_MS / 1000
    assert [(r.operation, r.ok, r.error_code) for r in records] == [("ListUsers", True, ""), ("ListUsers", False, "AccessDenied")]
