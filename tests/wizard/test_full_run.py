"""A whole run through Django's test client against the real sandbox server, then AWS checked with boto3."""
import pytest

from iamwizard.wizard.models import AwsCall, Run, StepState

from tests.wizard.walk import Walker

pytestmark = pytest.mark.django_db(transaction=True)


def test_full_run_creates_user_login_group_and_enabled_mfa(client, account_iam):
    walker = Walker(client)
    password = walker.to_mfa(user_name="alice")
    seed = walker.create_device("alice")
    walker.enable_mfa_and_sign_in(seed)

    run = Run.objects.get(pk=walker.run_id)
    iam = account_iam(run.account_id)
    assert iam.get_user(UserName="alice")["User"]["UserName"] == "alice"
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["UserName"] == "alice"
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]] == ["Admins"]
    attached = iam.list_attached_group_policies(GroupName="Admins")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AdministratorAccess"]
    devices = iam.list_mfa_devices(UserName="alice")["MFADevices"]
    assert [d["SerialNumber"] for d in devices] == [f"arn:aws:iam::{run.account_id}:mfa/alice"]
    # The device's seed is the one the page showed: it produces the codes AWS accepted.
    virtual = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert virtual[0]["User"]["UserName"] == "alice"

    states = {s.step: s.status for s in run.steps.all()}
    assert set(states.values()) == {StepState.DONE}
    assert run.password_box in (b"", None) or bytes(run.password_box) == b""
    assert bytes(run.mfa_seed_box) == b""
    finish = client.get(f"/run/{run.id}/finish/").content.decode()
    assert "Confirmed by AWS" in finish and "mfa/alice" in finish.replace("<wbr>", "")  # the ARN may wrap (soft_breaks)
    # No secret reached an AwsCall row or a later page.
    for call in AwsCall.objects.filter(run=run):
        blob = str(call.parameters)
        assert password not in blob and seed not in blob
    assert password not in finish and seed not in finish
