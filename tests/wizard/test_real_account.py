"""The real-account path (IAMWIZARD_TARGET=aws): boto3's standard configuration, pointed with
AWS_ENDPOINT_URL at a sandbox started by `manage.py sandbox`, exactly as an operator would
(the `real_account` fixture, tests/wizard/conftest.py)."""
import html
import json
import time
import uuid

import boto3
import pyotp
import pytest

from iamwizard.aws.gateway import forget_clients, sandbox_root_mfa, sandbox_root_signin, sandbox_root_user
from iamwizard.sandbox.iam_handlers import ROOT_ACCESS_KEY
from iamwizard.wizard import operator_policy
from iamwizard.wizard.facts import in_words
from iamwizard.wizard.models import AwsCall, StepState
from tests.wizard.real_account import change_password_at_console, sign_in_with_mfa_at_console
from tests.pages import Page
from tests.wizard.walk import Walker

pytestmark = pytest.mark.django_db(transaction=True)


def test_real_account_run_ends_with_a_signed_in_user_and_mfa(client, real_account, sandbox_endpoint):
    name = f"real-{uuid.uuid4().hex[:8]}"
    walker = Walker(client)
    walker.start()
    assert walker.run.target == "aws"
    page = walker.get("connect").content.decode()
    assert "The permissions this wizard needs" in page
    walker.post("connect", {"action": "connect"})
    walker.run.refresh_from_db()
    assert walker.run.account_id == "123456789012"
    walker.post("user-details", {"action": "save", "user_name": name, "console_access": "on", "password_type": "custom", "custom_password": "Real-Pass-4242", "must_reset": "on"})
    # A new group with the require-MFA policy: the first password change and the MFA set-up still go through.
    walker.post("permissions", {"action": "save", "mode": "group", "group_name": f"g-{name}", "policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"], "require_mfa": "on"})
    walker.post("review", {"action": "create", "tags": ""})
    walker.post("sign-in-details", {"action": "continue"})

    # Not signed in yet: the check says so and the step stays open.
    page = walker.post("sign-in", {"action": "check"}, expect=400).content.decode()
    assert "shows no sign-in" in page
    # The person signs in at the "console" and changes the password there.
    change_password_at_console(sandbox_endpoint, name, "Real-Pass-4242", "Changed-Pass-5353")
    walker.post("sign-in", {"action": "check"})
    assert walker.run.steps.get(step="sign-in").status == StepState.DONE

    seed = walker.create_device(name)
    walker.enable_mfa(seed)
    # The MFA sign-in: instructions, then AWS read back. No sign-in since the device was added yet.
    page = walker.post("mfa-sign-in", {"action": "check"}, expect=400).content.decode()
    assert "since the MFA device was added" in page
    time.sleep(1.1)  # AWS gives the dates in whole seconds: a sign-in after the device was added
    sign_in_with_mfa_at_console(sandbox_endpoint, name, "Changed-Pass-5353", seed)  # asks for the code after the password
    walker.post("mfa-sign-in", {"action": "check"})
    facts = dict(in_words(walker.run.steps.get(step="mfa-sign-in").result["verified"]))
    assert set(facts) == {"Last sign-in", "MFA device added"}

    # The root user: AWS has no API for its MFA, so the console's steps, then GetAccountSummary.
    page = html.unescape(walker.get("root-user").content.decode())
    assert "Assign MFA device" in page and "Security credentials" in page and "Get a practice root password" not in page
    page = html.unescape(walker.post("root-user", {"action": "check"}, expect=400).content.decode())
    assert "AWS reports AccountMFAEnabled = 0: the root user has no MFA yet." in page
    # The person follows the steps in the "console" (here the sandbox's, as root), then checks.
    endpoint = sandbox_endpoint
    practice = sandbox_root_user(endpoint, "123456789012")
    root = sandbox_root_signin(endpoint, practice["Email"], practice["Password"])
    as_root = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=root["AccessKeyId"],
                           aws_secret_access_key=root["SecretAccessKey"], aws_session_token=root["SessionToken"])
    for key in as_root.list_access_keys()["AccessKeyMetadata"]:
        as_root.delete_access_key(AccessKeyId=key["AccessKeyId"])
    device = as_root.create_virtual_mfa_device(VirtualMFADeviceName=f"root-{name}")["VirtualMFADevice"]
    totp, now = pyotp.TOTP(device["Base32StringSeed"].decode()), time.time()
    sandbox_root_mfa(endpoint, root["AccessKeyId"], device["SerialNumber"], totp.at(now - 30), totp.at(now))
    try:
        walker.post("root-user", {"action": "check"})
        assert dict(in_words(walker.run.steps.get(step="root-user").result["verified"])) == {
            "Root user MFA": "on (AccountMFAEnabled = 1)", "Root user access keys": "none (AccountAccessKeysPresent = 0)"}
        assert walker.run.steps.get(step="finish").status == StepState.DONE
        assert Page(walker.get("finish")).definition("Root user MFA") == "yes"
    finally:  # the shared default account's root user goes back to no MFA
        as_root.deactivate_mfa_device(SerialNumber=device["SerialNumber"])
        as_root.delete_virtual_mfa_device(SerialNumber=device["SerialNumber"])
    # Read AWS again says so, with the console's steps.
    walker.post("finish", {"action": "refresh"})
    response = walker.get("finish")
    finish = html.unescape(response.content.decode())
    assert "The root user has no MFA." in finish and "Assign MFA device" in finish and "Security credentials" in finish
    assert Page(response).definition("Root user MFA") == "no"

    # Every call the wizard made is covered by the operator policy it publishes.
    allowed = set(operator_policy.document()["Statement"][0]["Action"]) | {"sts:GetCallerIdentity"}
    made = {f"{c.service}:{c.operation}" for c in AwsCall.objects.filter(run=walker.run)}
    assert made <= allowed, made - allowed


def test_root_credentials_get_a_warning(client, real_account, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ROOT_ACCESS_KEY)
    forget_clients()
    walker = Walker(client)
    walker.start()
    walker.post("connect", {"action": "connect"})
    page = walker.get("connect").content.decode()
    assert "connected with the root user" in page
    assert walker.run.steps.get(step="connect").result["is_root"] is True


def test_operator_policy_download(client):
    response = client.get("/operator-policy.json")
    assert response["Content-Disposition"].startswith("attachment")
    document = json.loads(response.content)
    assert "iam:CreateUser" in document["Statement"][0]["Action"] and "iam:DeleteUser" in document["Statement"][0]["Action"]


def test_real_account_root_check_can_be_left_for_later_and_done_says_what_is_missing(client, real_account):
    """A workshop's participant has no root password: Do this later goes on, and Done shows the root user's state."""
    name = f"later-{uuid.uuid4().hex[:8]}"
    walker = Walker(client)
    walker.start()
    walker.post("connect", {"action": "connect"})
    walker.post("user-details", {"action": "save", "user_name": name, "password_type": "autogenerated"})  # no console access
    walker.post("permissions", {"action": "save", "mode": "group", "group_name": f"g-{name}", "policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]})
    walker.post("review", {"action": "create", "tags": ""})
    walker.enable_mfa(walker.create_device(name))
    assert client.get(f"/run/{walker.run_id}/")["Location"].endswith("/root-user/")
    walker.post("root-user", {"action": "later"})
    state = walker.run.steps.get(step="root-user")
    assert state.status == StepState.DONE and state.result["later"] is True
    assert dict(in_words(state.result["verified"])) == {"Root user MFA": "not yet (AccountMFAEnabled = 0)", "Root user access keys": "none (AccountAccessKeysPresent = 0)"}
    assert "Left for later." in walker.get("root-user").content.decode()
    finish = html.unescape(walker.get("finish").content.decode())
    assert "The root user has no MFA." in finish and "Assign MFA device" in finish
