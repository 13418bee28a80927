"""Workshop cleanup and participant reset against the sandbox, which refuses a wrong deletion order."""
import time

import pyotp
import pytest
from django.test import Client

from iamwizard.aws.gateway import AwsError, Gateway
from iamwizard.core.errors import explain
from iamwizard.wizard.models import Run, StepState
from iamwizard.workshops.models import Participant
from tests.pages import Page
from iamwizard.wizard.cleanup import in_words
from tests.workshops.helpers import ParticipantWalker, make_workshop

pytestmark = pytest.mark.django_db(transaction=True)


def add_mfa(iam, user_name):
    """An enabled virtual MFA device, as the wizard's MFA step would leave it."""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user_name)["VirtualMFADevice"]
    totp = pyotp.TOTP(device["Base32StringSeed"].decode() if isinstance(device["Base32StringSeed"], bytes) else device["Base32StringSeed"])
    now = time.time()
    iam.enable_mfa_device(UserName=user_name, SerialNumber=device["SerialNumber"], AuthenticationCode1=totp.at(now - 30), AuthenticationCode2=totp.at(now))


def test_cleanup_removes_the_require_mfa_policy_after_its_group(trainer_client, trainer, account_iam):
    workshop = make_workshop(trainer[0], user_prefix="ws-")
    cy = ParticipantWalker(workshop, "Cy").to_created("ws-cy", group="Ops", require_mfa=True)
    iam = account_iam(cy.run.account_id)
    arn = f"arn:aws:iam::{cy.run.account_id}:policy/RequireMFA-Ops"
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1

    trainer_client.post(f"/trainer/workshops/{workshop.pk}/cleanup/")
    record = workshop.cleanups.get()
    assert record.ok, record.sections
    assert [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]] == []
    actions = [(line["action"], in_words(line["resource"])) for line in record.sections[0]["lines"]]
    assert actions.index(("DeleteGroup", "group Ops")) < actions.index(("DeletePolicy", "policy RequireMFA-Ops"))


def user_names(iam):
    return sorted(u["UserName"] for u in iam.list_users()["Users"])


def test_cleanup_removes_every_participants_user_and_reports_each_resource(trainer_client, trainer, account_iam):
    workshop = make_workshop(trainer[0], user_prefix="ws-")
    ada = ParticipantWalker(workshop, "Ada")
    ada.to_created("ws-ada")
    bob = ParticipantWalker(workshop, "Bob").to_created("ws-bob", group="Admins", policies=["arn:aws:iam::aws:policy/AdministratorAccess"])
    late = ParticipantWalker(workshop, "Late")  # joined, never got to choose a name
    late.start()
    ada_iam, bob_iam = account_iam(ada.run.account_id), account_iam(bob.run.account_id)
    ada_iam.create_access_key(UserName="ws-ada")
    add_mfa(ada_iam, "ws-ada")
    ada_iam.create_user(UserName="bystander")  # not the run's: stays
    assert ada_iam.list_mfa_devices(UserName="ws-ada")["MFADevices"]

    confirm = trainer_client.get(f"/trainer/workshops/{workshop.pk}/cleanup/")
    assert "Clean up workshop" in confirm.content.decode()
    progress_url = Page(confirm).find(data_url=True)["data-url"]
    assert trainer_client.get(progress_url).json() == {"status": "running", "calls": [], "in_flight": []}
    response = trainer_client.post(f"/trainer/workshops/{workshop.pk}/cleanup/")
    assert response.status_code == 302 and "/cleanups/" in response["Location"]
    # The confirm page, polling while the pass ran, saw each call by name and outcome.
    calls = trainer_client.get(progress_url).json()["calls"]
    assert {"call": "iam:DeleteUser", "ok": True} in [{"call": c["call"], "ok": c["ok"]} for c in calls]
    assert Client().get(progress_url).status_code in (302, 403)  # trainers only
    for bad in ("nope", "2026-01-01T00:00:00", "\x00"):
        assert trainer_client.get(progress_url.split("?")[0], {"since": bad}).status_code == 400

    assert user_names(ada_iam) == ["bystander"] and user_names(bob_iam) == []
    assert ada_iam.list_groups()["Groups"] == [] and bob_iam.list_groups()["Groups"] == []
    assert ada_iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    record = workshop.cleanups.get()
    assert record.ok, record.sections
    sections = {in_words(s["participant"]): s for s in record.sections}
    actions = [line["action"] for line in sections["Ada"]["lines"]]
    for before in ("DeleteLoginProfile", "DeleteAccessKey", "DeactivateMFADevice", "RemoveUserFromGroup"):
        assert actions.index(before) < actions.index("DeleteUser"), before
    assert sections["Late"]["lines"] == [] and "No IAM user" in in_words(sections["Late"]["note"])
    workshop.refresh_from_db()
    assert workshop.closed_at is not None  # nobody joins after cleanup
    assert Participant.objects.filter(workshop=workshop, cleaned_at__isnull=False).count() == 3

    page = trainer_client.get(response["Location"]).content.decode()
    assert "Everything was cleaned up" in page and "user ws-ada" in page and "DeleteUser" in page and "✓ Done" in page


def test_partial_failure_is_reported_and_the_rest_is_cleaned(trainer_client, trainer, account_iam, monkeypatch):
    workshop = make_workshop(trainer[0], user_prefix="ws-")
    walkers = {}
    for name in ("ada", "amy", "bob"):
        walkers[name] = ParticipantWalker(workshop, name.title()).to_created(f"ws-{name}")
    # The trainer narrows the prefix afterwards: ws-bob no longer has it, so cleanup must not touch it.
    workshop.user_prefix = "ws-a"
    workshop.save()
    # And AWS fails one call for ws-amy: the sandbox then refuses DeleteUser (DeleteConflict), like AWS.
    real_call = Gateway.call

    def flaky(self, service, operation, **params):
        if operation == "RemoveUserFromGroup" and params.get("UserName") == "ws-amy":
            raise AwsError(explain("ServiceFailure", "simulated outage", operation, service), operation)
        return real_call(self, service, operation, **params)

    monkeypatch.setattr(Gateway, "call", flaky)
    response = trainer_client.post(f"/trainer/workshops/{workshop.pk}/cleanup/")
    monkeypatch.undo()

    record = workshop.cleanups.get()
    assert not record.ok
    sections = {in_words(s["participant"]): s for s in record.sections}
    assert sections["Ada"]["ok"]
    assert user_names(account_iam(walkers["ada"].run.account_id)) == []

    amy = {line["action"]: line for line in sections["Amy"]["lines"]}
    assert not sections["Amy"]["ok"]
    assert not amy["RemoveUserFromGroup"]["ok"] and "ServiceFailure" in in_words(amy["RemoveUserFromGroup"]["detail"])
    assert not amy["DeleteUser"]["ok"] and "DeleteConflict" in in_words(amy["DeleteUser"]["detail"])
    assert amy["DeleteLoginProfile"]["ok"]  # everything before the failure still happened
    amy_iam = account_iam(walkers["amy"].run.account_id)
    assert user_names(amy_iam) == ["ws-amy"] and amy_iam.list_groups()["Groups"]  # the group is kept: amy is still in it

    bob = sections["Bob"]
    assert not bob["ok"] and [line["action"] for line in bob["lines"]] == ["skipped"]
    assert "does not start with the workshop prefix “ws-a”" in in_words(bob["lines"][0]["detail"])
    assert user_names(account_iam(walkers["bob"].run.account_id)) == ["ws-bob"]

    page = trainer_client.get(response["Location"]).content.decode()
    assert "Some resources were not cleaned up" in page and "✗ Failed" in page and "⚠ Skipped" in page and "DeleteConflict" in page

    # Once AWS works again, running cleanup again finishes the job for Amy.
    trainer_client.post(f"/trainer/workshops/{workshop.pk}/cleanup/")
    assert user_names(amy_iam) == [] and amy_iam.list_groups()["Groups"] == []


def test_reset_cleans_up_and_restarts_the_participants_run(trainer_client, trainer, account_iam):
    workshop = make_workshop(trainer[0], user_prefix="ws-")
    walker = ParticipantWalker(workshop, "Ada").to_created("ws-ada")
    iam = account_iam(walker.run.account_id)
    assert user_names(iam) == ["ws-ada"]
    participant = walker.participant

    assert "Reset Ada?" in trainer_client.get(f"/trainer/workshops/{workshop.pk}/participants/{participant.pk}/reset/").content.decode()
    response = trainer_client.post(f"/trainer/workshops/{workshop.pk}/participants/{participant.pk}/reset/", {"from_step": "connect"})
    page = trainer_client.get(response["Location"]).content.decode()
    assert "reset to the first step" in page

    assert user_names(iam) == [] and iam.list_groups()["Groups"] == []
    run = Run.objects.get(pk=walker.run_id)
    assert run.current_step == "connect" and run.answers == {} and run.password_box in (b"", memoryview(b""))
    assert set(StepState.objects.filter(run=run).values_list("status", flat=True)) == {StepState.PENDING}
    # The same resume link carries on from the start, and the same name can be used again.
    assert walker.client.get(f"/run/{walker.run_id}/")["Location"].endswith("/connect/")
    walker.post("connect", {"action": "connect"})
    walker.post("user-details", {"action": "save", "user_name": "ws-ada", "console_access": "on", "password_type": "autogenerated", "must_reset": "on"})
    row = Page(trainer_client.get(f"/trainer/workshops/{workshop.pk}/live/")).text()
    assert "3. Permissions" in row


def test_failed_reset_leaves_the_run_alone(trainer_client, trainer, account_iam):
    workshop = make_workshop(trainer[0], user_prefix="ws-")
    walker = ParticipantWalker(workshop, "Bob").to_created("ws-bob")
    workshop.user_prefix = "other-"
    workshop.save()
    participant = walker.participant
    response = trainer_client.post(f"/trainer/workshops/{workshop.pk}/participants/{participant.pk}/reset/", {"from_step": "connect"})
    assert "NOT reset" in trainer_client.get(response["Location"]).content.decode()
    assert Run.objects.get(pk=walker.run_id).current_step != "connect"
    assert user_names(account_iam(walker.run.account_id)) == ["ws-bob"]


def test_a_large_cleanup_goes_on_in_passes_and_says_who_is_left(trainer_client, trainer, account_iam, settings):
    settings.WORKSHOP_CLEANUP_SECONDS = 0  # each pass handles one participant, then reports the rest
    workshop = make_workshop(trainer[0], user_prefix="ws-")
    walkers = [ParticipantWalker(workshop, name).to_created(f"ws-{name.lower()}") for name in ("Ann", "Ben", "Cy")]
    url = f"/trainer/workshops/{workshop.pk}/cleanup/"

    trainer_client.post(url)
    first = workshop.cleanups.order_by("pk").last()
    assert not first.ok and "2 participants not reached yet" in [in_words(s["participant"]) for s in first.sections]
    assert "press Clean up workshop again" in trainer_client.get(f"/trainer/workshops/{workshop.pk}/cleanups/{first.pk}/").content.decode()
    trainer_client.post(url)
    trainer_client.post(url)
    for walker in walkers:
        assert user_names(account_iam(walker.run.account_id)) == []
    trainer_client.post(url)
    last = workshop.cleanups.order_by("pk").last()
    assert last.ok and in_words(last.sections[0]["note"]) == "Nothing left to clean up."
