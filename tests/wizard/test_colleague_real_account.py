"""For a colleague on a real account (IAMWIZARD_TARGET=aws): boto3's standard configuration, pointed
with AWS_ENDPOINT_URL at the sandbox server process, as an operator would (fixture in
tests/wizard/conftest.py). The administrator hands over and stops; Done shows the colleague's first sign-in
and MFA as pending. The colleague then does both at the "console" with their own credentials, under
the require-MFA policy, and Read AWS again confirms each, whenever it happened."""
import time
import uuid

import pyotp
import pytest

from iamwizard.wizard.models import AwsCall, StepState
from tests.wizard.real_account import ACCOUNT, as_user, console
from tests.pages import Page
from tests.wizard.walk import Walker

pytestmark = pytest.mark.django_db(transaction=True)


def handover(walker):
    """Done's hand-over list: {key: the text of its line}, the key from the line's id (handover-KEY)."""
    lines = Page(walker.get("finish")).by_id("handover").find_all("li", id=True)
    return {line["id"].removeprefix("handover-"): line.text for line in lines if line["id"].startswith("handover-")}


def test_done_shows_pending_then_confirms_the_colleagues_sign_in_and_mfa(client, real_account, sandbox_endpoint):
    name = f"colleague-{uuid.uuid4().hex[:8]}"
    walker = Walker(client)
    walker.start()
    assert walker.run.target == "aws"
    walker.post("connect", {"action": "connect"})
    walker.post("user-details", {"action": "save", "user_name": name, "console_access": "on", "for_whom": "other",
                                 "password_type": "custom", "custom_password": "Hand-Over-4242", "must_reset": "on"})
    walker.post("permissions", {"action": "save", "mode": "group", "group_name": f"g-{name}", "policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"], "require_mfa": "on"})
    walker.post("review", {"action": "create"})
    page = walker.get("sign-in-details").content.decode()
    assert f"https://{ACCOUNT}.signin.aws.amazon.com/console" in page
    walker.post("sign-in-details", {"action": "continue"})

    # Handed over: the user's own steps are skipped, and Done waits for the colleague.
    steps = dict(walker.run.steps.values_list("step", "status"))
    assert [steps[s] for s in ("sign-in", "mfa", "mfa-sign-in", "finish")] == [StepState.SKIPPED] * 3 + [StepState.DONE]
    done = walker.get("finish").content.decode()
    assert f"Done for now: waiting for {name} to sign in" in done
    assert "Sign in as the colleague" not in done  # a real account: the colleague does it for real
    items = handover(walker)
    assert "pending" in items["first-sign-in"] and "pending" in items["mfa"]

    # The colleague signs in, must choose a new password first, and does.
    session = console(sandbox_endpoint, account=ACCOUNT, user_name=name, password="Hand-Over-4242")
    assert session["PasswordResetRequired"] is True
    # Signed in, not yet past the new-password page: AWS shows PasswordLastUsed, and the reset still pending.
    walker.post("finish", {"action": "refresh"})
    items = handover(walker)
    assert "pending" in items["first-sign-in"] and "has not chosen a new password yet" in items["first-sign-in"]
    colleague = as_user(sandbox_endpoint, session)
    colleague.change_password(OldPassword="Hand-Over-4242", NewPassword="Own-Choice-5353")
    # Without MFA, the require-MFA policy refuses anything else.
    with pytest.raises(colleague.exceptions.ClientError) as refused:
        colleague.list_users(MaxItems=1)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"

    walker.post("finish", {"action": "refresh"})
    items = handover(walker)
    assert "confirmed by AWS" in items["first-sign-in"] and f"{name} signed in and chose their own password" in items["first-sign-in"]
    assert "pending" in items["mfa"]

    # The colleague sets up their own MFA device, allowed by the same policy, then signs in with it.
    device = colleague.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    seed = device["Base32StringSeed"]
    seed = seed.decode() if isinstance(seed, bytes) else seed
    totp, now = pyotp.TOTP(seed), time.time()
    colleague.enable_mfa_device(UserName=name, SerialNumber=device["SerialNumber"], AuthenticationCode1=totp.at(now - 30), AuthenticationCode2=totp.at(now))
    answer = console(sandbox_endpoint, account=ACCOUNT, user_name=name, password="Own-Choice-5353")
    assert answer["MFARequired"] is True
    with_mfa = console(sandbox_endpoint, challenge=answer["Challenge"], mfa_code=totp.at(now + 30))
    assert as_user(sandbox_endpoint, with_mfa).list_users(MaxItems=1)["Users"] is not None

    walker.post("finish", {"action": "refresh"})
    done = walker.get("finish").content.decode()
    assert f"Done: {name} signed in and set up MFA" in done
    items = handover(walker)
    assert "confirmed by AWS" in items["first-sign-in"] and "confirmed by AWS" in items["mfa"]
    # Confirmed from what AWS answered the wizard, each Read AWS again asking afresh.
    reads = list(AwsCall.objects.filter(run=walker.run, step="finish").values_list("operation", flat=True))
    assert reads.count("GetUser") == 4 and reads.count("GetLoginProfile") == 4 and reads.count("ListMFADevices") == 4
