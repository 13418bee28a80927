"""Which NoSuchEntity answers may only mean "not visible yet" (IAM's eventual consistency)."""
from iamwizard.core.consistency import SETTLE_SECONDS, delay, made_recently, needs


def test_what_a_call_needs_is_what_it_names_but_does_not_make():
    assert needs("CreateUser", {"UserName": "Ana"}) == set()
    assert needs("CreateLoginProfile", {"UserName": "Ana"}) == {("user", "ana")}
    assert needs("GetLoginProfile", {"UserName": "Ana"}) == {("login", "ana")}
    assert needs("AddUserToGroup", {"UserName": "ana", "GroupName": "Ops"}) == {("user", "ana"), ("group", "ops")}
    assert needs("AttachGroupPolicy", {"GroupName": "ops", "PolicyArn": "arn:aws:iam::1:policy/RequireMFA-ops"}) == {("group", "ops"), ("policy", "requiremfa-ops")}
    assert needs("EnableMFADevice", {"UserName": "ana", "SerialNumber": "arn:aws:iam::1:mfa/phone"}) == {("user", "ana"), ("mfa", "phone")}
    assert needs("GetAccountSummary", {}) == set()


def test_made_recently_and_not_deleted_since():
    history = [(100.0, "CreateUser", {"UserName": "ana"}), (101.0, "CreatePolicy", {"PolicyName": "P"}),
               (102.0, "CreateVirtualMFADevice", {"VirtualMFADeviceName": "phone"})]
    assert made_recently(history, {("user", "ana")}, 103.0) == 100.0
    assert made_recently(history, {("user", "ana"), ("policy", "p")}, 103.0) == 101.0
    assert made_recently(history, {("mfa", "phone")}, 103.0) == 102.0
    assert made_recently(history, {("user", "bob")}, 103.0) is None
    assert made_recently(history, {("user", "ana")}, 100.0 + SETTLE_SECONDS) is None  # long enough ago: an answer
    deleted = history + [(104.0, "DeleteUser", {"UserName": "ana"})]
    assert made_recently(deleted, {("user", "ana")}, 105.0) is None
    assert made_recently(history + [(104.0, "DeleteVirtualMFADevice", {"SerialNumber": "arn:aws:iam::1:mfa/phone"})], {("mfa", "phone")}, 105.0) is None


def test_the_waits_grow_then_stay():
    assert [delay(n) for n in range(1, 8)] == [0.25, 0.5, 1.0, 1.5, 2.0, 2.0, 2.0]
