"""The first sign-in: practice console on the sandbox, and the read-back check on a real account."""
import pytest

from iamwizard.wizard.models import AwsCall, Run, StepState
from tests.pages import Page
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
    # The wrong old password met AWS's own check (the kept session made the call), in the console's words.
    assert list(AwsCall.objects.filter(run=walker.run, operation="ChangePassword", ok=False).values_list("error_code", flat=True)) == ["InvalidUserType"]
    change = AwsCall.objects.get(run=walker.run, operation="ChangePassword", ok=True)
    assert change.ok and "Good-Pass-456" not in str(change.parameters) and "First-Pass-123" not in str(change.parameters)


def test_without_reset_signing_in_is_enough(client):
    walker = to_sign_in(client, must_reset=False)
    walker.post("sign-in", {"action": "signin", "account": walker.run.account_id, "user_name": "judy", "password": "First-Pass-123"})
    assert state(walker).status == StepState.DONE


def test_the_change_uses_the_session_of_the_sign_in_kept_sealed_and_then_erased(client, monkeypatch):
    """The console goes from the sign-in straight to the change-password page: the change uses that
    session (one sign-in less to wait for), kept sealed, never in plain text, and erased once used."""
    from iamwizard.wizard.steps import sign_in as step

    signins = []
    real = step.sandbox_console_signin
    monkeypatch.setattr(step, "sandbox_console_signin", lambda *args: signins.append(args[3]) or real(*args))
    walker = to_sign_in(client)
    walker.post("sign-in", {"action": "signin", "account": walker.run.account_id, "user_name": "judy", "password": "First-Pass-123"})
    kept = state(walker).result["session"]
    assert kept and "AccessKeyId" not in kept and "ASIA" not in kept and "AKIA" not in kept
    walker.post("sign-in", {"action": "change", "old_password": "First-Pass-123", "new_password": "Good-Pass-456", "new_password2": "Good-Pass-456"})
    assert state(walker).status == StepState.DONE and state(walker).result["session"] == ""
    assert signins == ["First-Pass-123"]  # the sign-in only: the change did not sign in again


def test_a_kept_session_that_no_longer_opens_falls_back_to_signing_in_again(client, account_iam):
    walker = to_sign_in(client)
    walker.post("sign-in", {"action": "signin", "account": walker.run.account_id, "user_name": "judy", "password": "First-Pass-123"})
    sign_in = state(walker)
    sign_in.result = {**sign_in.result, "session": "not-a-sealed-box"}  # e.g. the secret key was rotated meanwhile
    sign_in.save(update_fields=["result"])
    walker.post("sign-in", {"action": "change", "old_password": "First-Pass-123", "new_password": "Good-Pass-456", "new_password2": "Good-Pass-456"})
    assert state(walker).status == StepState.DONE
    assert account_iam(walker.run.account_id).get_login_profile(UserName="judy")["LoginProfile"]["PasswordResetRequired"] is False


def test_sign_in_details_revisited_after_the_sign_in_no_longer_call_it_the_next_step(client):
    walker = to_sign_in(client, must_reset=False)
    assert "the next step" in Page(walker.get("sign-in-details")).text("signin-practice")
    walker.post("sign-in", {"action": "signin", "account": walker.run.account_id, "user_name": "judy", "password": "First-Pass-123"})
    assert state(walker).status == StepState.DONE
    where = Page(walker.get("sign-in-details")).text("signin-practice")
    assert "done" in where and "the next step" not in where
