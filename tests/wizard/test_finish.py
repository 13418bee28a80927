"""The finish page: the read-back summary, and Delete this user in AWS's required order."""
import pytest

from iamwizard.wizard.models import Run
from tests.wizard.walk import Walker

pytestmark = pytest.mark.django_db(transaction=True)


def finished(client, name="olga"):
    walker = Walker(client)
    walker.to_mfa(user_name=name, group="Olgas")
    walker.enable_mfa(walker.create_device(name))
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
    assert iam.list_groups()["Groups"] == [] and iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    page = walker.get("finish").content.decode()
    assert "olga no longer exists in AWS" in page and "DeleteUser" in page and "DeactivateMFADevice" in page
    assert "Delete this user</button>" not in page
    # Resuming later does not offer to re-create what was deleted on purpose.
    assert client.get(f"/run/{walker.run_id}/")["Location"].endswith("/finish/")


def test_summary_is_read_back_from_aws(client):
    walker = finished(client, "pete")
    summary = Run.objects.get(pk=walker.run_id).steps.get(step="finish").result["summary"]
    assert summary["groups"] == ["Olgas"] and summary["console_access"] is True
    assert summary["mfa_devices"] == [f"arn:aws:iam::{walker.run.account_id}:mfa/pete"]
