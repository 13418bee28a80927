"""The first sign-in: practice console on the sandbox, and the read-back check on a real account."""
import pytest

from iamwizard.wizard.models import AwsCall, Run, StepState
from tests.wizard.walk import Walker

pytestmark = pytest.mark.django_db(transaction=True)
AWS = "arn:aws:iam::aws:policy/"


def to_sign_in(client, must_reset=True):
    walker = Walker(client)
    walker.start()
    walker.post("connect", {"action": "connect"})
    walker.post("user-details", {"action": "save", "user_name": "judy", "console_access": "on", "password_type": "custom", "custom_password": "First-Pass-123", **({"must_reset": "on"} if must_reset else {})})
    walker.post("permissions", {"action": "save", "mode": "group", "group_name": "Readers", "policies": [AWS + "ReadOnlyAccess"]})
    walker.post("review", {"action": "create", "tags": ""})
    walker.post("sign-in-details", {"action": "continue"})
    return walker


def state(walker):
    return Run.objects.get(pk=walker.run_id).steps.get(step="sign-in")


def test_wrong_password_is_refused_like_the_console(client):
    walker = to_sign_in(client)
    page = walker.post("sign-in", {"action": "signin", "account": walker.run.account_id, "user_name": "judy", "password": "not-it"}, expect=400).content.decode()
    assert "Your authentication information is incorrect" in page
    assert state(walker).status == StepState.PENDING


def test_new_password_must_follow_the_policy_and_match(client, account_iam):
    walker = to_sign_in(client)
    walker.post("sign-in", {"action": "signin", "account": walker.run.account_id, "user_name": "judy", "password": "First-Pass-123"})
    page = walker.post("sign-in", {"action": "change", "old_password": "First-Pass-123", "new_password": "short", "new_password2": "short"}, expect=400).content.decode()
    assert "At least 8 characters" in page
    page = walker.post("sign-in", {"action": "change", "old_password": "First-Pass-123", "new_password": "Good-Pass-456", "new_password2": "Good-Pass-457"}, expect=400).content.decode()
    assert "The two new passwords are different" in page
    page = walker.post("sign-in", {"action": "change", "old_password": "wrong-old", "new_password": "Good-Pass-456", "new_password2": "Good-Pass-456"}, expect=400).content.decode()
    assert "Your authentication information is incorrect" in page
    walker.post("sign-in", {"action": "change", "old_password": "First-Pass-123", "new_password": "Good-Pass-456", "new_password2": "Good-Pass-456"})

    assert state(walker).status == StepState.DONE
    iam = account_iam(walker.run.account_id)
    assert iam.get_login_profile(UserName="judy")["LoginProfile"]["PasswordResetRequired"] is False
    assert "PasswordLastUsed" in iam.get_user(UserName="judy")["User"]
    change = AwsCall.objects.get(run=walker.run, operation="ChangePassword")
    assert change.ok and "Good-Pass-456" not in str(change.parameters) and "First-Pass-123" not in str(change.parameters)


def test_without_reset_signing_in_is_enough(client):
    walker = to_sign_in(client, must_reset=False)
    walker.post("sign-in", {"action": "signin", "account": walker.run.account_id, "user_name": "judy", "password": "First-Pass-123"})
    assert state(walker).status == StepState.DONE
