"""The finish page: the read-back summary, and Delete this user in AWS's required order."""
import pytest

from iamwizard.wizard.models import Run
from tests.pages import Page
from tests.wizard.walk import Walker

pytestmark = pytest.mark.django_db(transaction=True)


def finished(client, name="olga"):
    walker = Walker(client)
    walker.to_mfa(user_name=name, group="Olgas")
    walker.enable_mfa_and_sign_in(walker.create_device(name))
    return walker


def test_delete_this_user_removes_everything_and_says_so(client, account_iam):
    walker = finished(client)
    iam = account_iam(walker.run.account_id)
    iam.create_access_key(UserName="olga")
    iam.create_user(UserName="stays")

    page = walker.post("finish", {"action": "delete", "confirm_name": "Olga"}, expect=400).content.decode()
    assert "Type olga exactly" in page
    assert iam.get_user(UserName="olga")

    walker.post("finish", {"action": "delete", "confirm_name": "olga"})
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["stays"]
    assert iam.list_groups()["Groups"] == []
    # Only the root user's device is left: the account's, not the user's.
    assert [d["SerialNumber"].rsplit("/", 1)[1] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]] == ["root-mfa"]
    page = walker.get("finish").content.decode()
    report = Page(page).text()  # what is read: a long operation name carries a soft break (<wbr>) on a phone
    assert "olga no longer exists in AWS" in report and "DeleteUser" in report and "DeactivateMFADevice" in report
    assert "Deactivate<wbr>MFADevice" in page
    assert "Delete this user</button>" not in page
    # Resuming later does not offer to re-create what was deleted on purpose.
    assert client.get(f"/run/{walker.run_id}/")["Location"].endswith("/finish/")


def test_summary_is_read_back_from_aws(client):
    walker = finished(client, "pete")
    summary = Run.objects.get(pk=walker.run_id).steps.get(step="finish").result["summary"]
    assert summary["groups"] == ["Olgas"] and summary["console_access"] is True
    assert summary["mfa_devices"] == [f"arn:aws:iam::{walker.run.account_id}:mfa/pete"]


def test_arrival_asks_aws_only_what_no_step_read_back_and_refresh_asks_everything(client):
    from iamwizard.wizard.models import AwsCall

    walker = finished(client, "quinn")
    arrival = list(AwsCall.objects.filter(run_id=walker.run_id, step="finish").values_list("operation", flat=True))
    # The root user's state was read by the Root user step's proof, in the click that led here.
    assert arrival == []
    assert list(AwsCall.objects.filter(run_id=walker.run_id, step="root-user").values_list("operation", flat=True))[-1:] == ["GetAccountSummary"]
    assert "GetAccountSummary" not in AwsCall.objects.filter(run_id=walker.run_id, step="mfa-sign-in").values_list("operation", flat=True)
    walker.post("finish", {"action": "refresh"})
    after = list(AwsCall.objects.filter(run_id=walker.run_id, step="finish").values_list("operation", flat=True))
    assert after == ["GetUser", "GetLoginProfile", "ListGroupsForUser", "ListAttachedUserPolicies", "ListMFADevices", "GetAccountSummary"]
    summary = Run.objects.get(pk=walker.run_id).steps.get(step="finish").result["summary"]
    assert summary["read_at_finish"] is True and summary["groups"] == ["Olgas"]
