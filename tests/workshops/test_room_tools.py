"""Room tools: help requests, a broadcast, resets from one step on, the end of a workshop, removing
a duplicate row, seeing what a participant sees, and the projector view."""
import csv
import datetime
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from iamwizard.wizard.models import AwsCall, Run
from iamwizard.workshops.models import Participant, Workshop
from tests.pages import Page
from tests.wizard.walk import Walker
from tests.workshops.helpers import ParticipantWalker, join

pytestmark = pytest.mark.django_db(transaction=True)
SCRIPT = '<script>alert("x")</script>'


def dashboard(trainer_client, workshop):
    return trainer_client.get(f"/trainer/workshops/{workshop.pk}/").content.decode()


def mfa_devices(iam, user):
    return iam.list_mfa_devices(UserName=user)["MFADevices"]


def test_a_participant_asks_for_help_and_the_trainer_clears_it(trainer_client, workshop):
    ada = ParticipantWalker(workshop, "Ada")
    ada.start()
    page = ada.get("connect").content.decode()
    assert "I need help" in page

    # Too long a note: refused plainly, nothing flagged.
    response = ada.client.post(f"/join/help/{ada.run_id}/", {"action": "ask", "note": "x" * 201, "step": "connect"})
    assert response.status_code == 400 and Participant.objects.get(run_id=ada.run_id).help_requested_at is None
    # Another browser with the public reference cannot raise (or lower) Ada's hand.
    assert Client().post(f"/join/help/{ada.run_id}/", {"action": "ask", "note": "hi"}).status_code == 403

    response = ada.client.post(f"/join/help/{ada.run_id}/", {"action": "ask", "note": f"stuck {SCRIPT}", "step": "connect"})
    assert response["Location"] == ada.url("connect")
    assert "You asked your trainer for help" in ada.get("connect").content.decode()
    board = dashboard(trainer_client, workshop)
    assert "Asks for help" in board and "&lt;script&gt;" in board and SCRIPT not in board
    assert "1 asked for help" in board
    # Help first, even before the stuck: Ada's row leads.
    row_ids = [row["id"] for row in Page(board).find_all("tr", id=True) if row["id"].startswith("participant-")]
    assert row_ids[0] == f"participant-{ada.participant.pk}"

    rows = list(csv.DictReader(io.StringIO(trainer_client.get(f"/trainer/workshops/{workshop.pk}/export.csv").content.decode())))
    assert rows[0]["help_note"] == f"stuck {SCRIPT}" and rows[0]["asked_for_help_at_utc"]
    # A note that a spreadsheet would run as a formula is defused in the CSV.
    ada.client.post(f"/join/help/{ada.run_id}/", {"action": "ask", "note": "=HYPERLINK(\"http://x\")"})
    rows = list(csv.DictReader(io.StringIO(trainer_client.get(f"/trainer/workshops/{workshop.pk}/export.csv").content.decode())))
    assert rows[0]["help_note"] == "'=HYPERLINK(\"http://x\")"

    trainer_client.post(f"/trainer/workshops/{workshop.pk}/participants/{ada.participant.pk}/helped/")
    assert Participant.objects.get(run_id=ada.run_id).help_requested_at is None
    assert "Asks for help" not in dashboard(trainer_client, workshop)


def test_a_broadcast_reaches_every_participant_escaped(trainer_client, workshop):
    ada = ParticipantWalker(workshop, "Ada")
    ada.start()
    response = trainer_client.post(f"/trainer/workshops/{workshop.pk}/broadcast/", {"message": "x" * 281})
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    assert Workshop.objects.get(pk=workshop.pk).broadcast == ""

    trainer_client.post(f"/trainer/workshops/{workshop.pk}/broadcast/", {"message": f"Break until 11 {SCRIPT}"})
    page = ada.get("connect").content.decode()
    assert "Message from your trainer:" in page and "Break until 11 &lt;script&gt;" in page and SCRIPT not in page
    live = ada.client.get(f"/join/room/{ada.run_id}/").json()
    assert live["broadcast"] == f"Break until 11 {SCRIPT}" and live["ended"] is False  # JSON: the page sets it as text
    assert Client().get(f"/join/room/{ada.run_id}/").status_code == 403

    trainer_client.post(f"/trainer/workshops/{workshop.pk}/broadcast/", {"message": "  "})
    assert ada.client.get(f"/join/room/{ada.run_id}/").json()["broadcast"] == ""


def test_reset_from_mfa_removes_only_the_device_and_tells_the_participant(trainer_client, workshop, account_iam):
    ada = ParticipantWalker(workshop, "Ada")
    ada.to_mfa(user_name="ws-ada")
    seed = ada.create_device("ws-ada")
    ada.enable_mfa(seed)
    iam = account_iam(ada.run.account_id)
    assert len(mfa_devices(iam, "ws-ada")) == 1

    response = trainer_client.post(f"/trainer/workshops/{workshop.pk}/participants/{ada.participant.pk}/reset/", {"from_step": "mfa"})
    assert "The run was reset to “MFA”" in trainer_client.get(response["Location"]).content.decode()
    assert mfa_devices(iam, "ws-ada") == [] and iam.get_user(UserName="ws-ada")["User"]["UserName"] == "ws-ada"

    response = ada.client.get(f"/run/{ada.run_id}/", follow=True)
    assert response.redirect_chain[-1][0] == ada.url("mfa")
    page = response.content.decode()
    assert "Your trainer reset your run from “MFA”" in page
    assert "Calls made so far" not in page  # a fresh calls table
    assert AwsCall.objects.filter(run_id=ada.run_id, step="mfa").exists()  # the record is kept, only not shown
    assert "Your trainer reset your run" not in ada.get("mfa").content.decode()  # said once
    # The device can be enrolled again.
    ada.enable_mfa(ada.create_device("ws-ada"), at=None)
    assert len(mfa_devices(iam, "ws-ada")) == 1


def test_reset_from_review_deletes_the_user_and_keeps_the_choices(trainer_client, workshop, account_iam):
    ada = ParticipantWalker(workshop, "Ada").to_created("ws-ada")
    trainer_client.post(f"/trainer/workshops/{workshop.pk}/participants/{ada.participant.pk}/reset/", {"from_step": "review"})
    iam = account_iam(ada.run.account_id)
    assert [u["UserName"] for u in iam.list_users()["Users"]] == []
    run = Run.objects.get(pk=ada.run_id)
    assert run.answers["user-details"]["user_name"] == "ws-ada" and run.answers["permissions"]["group_name"] == "Readers"
    page = ada.client.get(f"/run/{ada.run_id}/", follow=True).content.decode()
    assert "Your trainer reset your run" in page


def test_a_refused_reset_choice_changes_nothing(trainer_client, workshop):
    ada = ParticipantWalker(workshop, "Ada")
    ada.start()
    response = trainer_client.post(f"/trainer/workshops/{workshop.pk}/participants/{ada.participant.pk}/reset/", {"from_step": "sign-in"})
    assert response.status_code == 400 and "Choose what to reset." in response.content.decode()
    assert not workshop.cleanups.exists()


def test_closing_the_workshop_ends_it_for_participants_and_cleans_up(trainer_client, workshop, account_iam):
    ada = ParticipantWalker(workshop, "Ada").to_created("ws-ada")
    response = trainer_client.post(f"/trainer/workshops/{workshop.pk}/close/")
    report = trainer_client.get(response["Location"]).content.decode()
    assert "ws-ada" in report
    assert account_iam(ada.run.account_id).list_users()["Users"] == []

    for response in (ada.get("sign-in-details"), ada.client.post(ada.url("user-details"), {"action": "save", "user_name": "ws-again"})):
        page = response.content.decode()
        assert response.status_code == 200 and "has ended" in page and "was removed" in page
        assert "needs doing again" not in page and "error-summary" not in page
    assert account_iam(ada.run.account_id).list_users()["Users"] == []  # nothing new was made
    board = dashboard(trainer_client, workshop)
    assert "nobody stuck" in board and "Stuck:" not in board
    # Start now begins a run of one's own, outside the ended workshop.
    response = ada.client.post("/")
    assert response.status_code == 302 and ada.run_id not in response["Location"]


def test_closing_time_closes_and_cleans_up_by_itself(trainer, workshop, account_iam):
    ada = ParticipantWalker(workshop, "Ada").to_created("ws-ada")
    Workshop.objects.filter(pk=workshop.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    page = ada.get("review").content.decode()
    assert "has ended" in page and "removed when your trainer cleans up" in page  # true before the cleanup ran
    out = io.StringIO()
    call_command("close_workshops", stdout=out)
    assert "closed and cleaned up, complete" in out.getvalue()
    assert account_iam(ada.run.account_id).list_users()["Users"] == []
    assert "was removed" in ada.get("review").content.decode()


def test_cleanup_on_close_can_be_turned_off(trainer_client, workshop, account_iam):
    Workshop.objects.filter(pk=workshop.pk).update(cleanup_on_close=False)
    ada = ParticipantWalker(workshop, "Ada").to_created("ws-ada")
    response = trainer_client.post(f"/trainer/workshops/{workshop.pk}/close/")
    assert response["Location"] == f"/trainer/workshops/{workshop.pk}/"
    assert [u["UserName"] for u in account_iam(ada.run.account_id).list_users()["Users"]] == ["ws-ada"]
    assert "removed when your trainer cleans up" in ada.get("review").content.decode()


def test_removing_a_duplicate_row_cleans_it_up_first(trainer_client, workshop, account_iam):
    twice = ParticipantWalker(workshop, "Ada").to_created("ws-ada2")
    keep = ParticipantWalker(workshop, "Ada")
    keep.start()
    account = twice.run.account_id
    response = trainer_client.post(f"/trainer/workshops/{workshop.pk}/participants/{twice.participant.pk}/remove/")
    assert "Removed from the workshop" in trainer_client.get(response["Location"]).content.decode()
    assert account_iam(account).list_users()["Users"] == []
    assert list(Participant.objects.values_list("run_id", flat=True)) == [keep.run_id]
    assert not Run.objects.filter(pk=twice.run_id).exists()
    assert twice.get("review").status_code == 404


def test_the_trainer_sees_what_they_see_without_secrets(trainer_client, workshop, django_user_model):
    ada = ParticipantWalker(workshop, "Ada").to_created("ws-ada")
    password = Page(ada.get("sign-in-details")).text("signin-password")
    url = f"/trainer/workshops/{workshop.pk}/participants/{ada.participant.pk}/view/"
    response = trainer_client.get(url)
    page = response.content.decode()
    assert "What Ada sees now" in page and "Sign-in details" in page
    assert not Page(response).contains(password) and "hidden-from-the-trainer" in page
    assert "<fieldset class=\"observed\" disabled>" in page and "Get a resume link" not in page
    assert trainer_client.post(url).status_code == 405
    # The participant's run is untouched, and a participant cannot use the trainer's view.
    assert Page(ada.get("sign-in-details")).contains(password)
    assert ada.client.get(url)["Location"].startswith("/trainer/login/")


def test_the_trainer_sees_the_root_user_step_without_its_secrets(trainer_client, workshop):
    """The root user's practice password and its device's secret key are placeholders for the trainer too."""
    ada = ParticipantWalker(workshop, "Ada")
    ada.to_mfa(user_name="ws-ada")
    seed = ada.create_device("ws-ada")
    ada.enable_mfa(seed)
    ada.sign_in_with_mfa(seed)
    ada.post("root-user", {"action": "practice_password"})
    root_password = Page(ada.get("root-user")).text("root-password")
    url = f"/trainer/workshops/{workshop.pk}/participants/{ada.participant.pk}/view/"
    response = trainer_client.get(url)
    page = response.content.decode()
    assert "Secure the root user" in page and not Page(response).contains(root_password) and "hidden-from-the-trainer" in page
    ada.post("root-user", {"action": "root_signin", "email": f"root@{ada.run.account_id}.sandbox.example", "password": root_password})
    root_seed = Page(ada.get("root-user")).text("secret-key")
    response = trainer_client.get(url)
    page = response.content.decode()
    assert 'id="secret-key"' in page and root_seed not in page and not Page(response).contains(root_password)
    assert root_seed in ada.get("root-user").content.decode()  # the participant's own page is untouched


def test_projector_shows_the_code_and_a_qr_code_with_the_code_only(trainer_client, workshop):
    from iamwizard.core.totp import qr_svg

    page = trainer_client.get(f"/trainer/workshops/{workshop.pk}/projector/").content.decode()
    text = Page(page).text()
    assert workshop.join_code_display in text and "0 joined" in text
    # The QR code holds the join page's address with the code, and nothing else.
    assert qr_svg(f"http://testserver/join/?code={workshop.join_code_display}") in page
    join_page = Client().get(f"/join/?code={workshop.join_code_display}").content.decode()
    assert f'value="{workshop.join_code_display}"' in join_page
    assert Client().get(f"/trainer/workshops/{workshop.pk}/projector/")["Location"].startswith("/trainer/login/")
    join(Client(), workshop, "Ada")
    assert "1 joined" in Page(trainer_client.get(f"/trainer/workshops/{workshop.pk}/projector/live/")).text()


def test_a_run_outside_workshops_has_no_room_bar(client):
    walker = Walker(client)
    walker.start()
    assert "I need help" not in walker.get("connect").content.decode()


def test_the_csv_keeps_times_in_utc(trainer_client, workshop, settings):
    settings.TIME_ZONE = "Asia/Tokyo"  # a server elsewhere: the CSV still says UTC
    ada = ParticipantWalker(workshop, "Ada")
    ada.start()
    rows = list(csv.reader(io.StringIO(trainer_client.get(f"/trainer/workshops/{workshop.pk}/export.csv").content.decode())))
    joined_at = ada.participant.joined_at.astimezone(datetime.timezone.utc)
    assert rows[1][rows[0].index("joined_at_utc")] == f"{joined_at:%Y-%m-%d %H:%M:%S}"


def test_no_page_logs_a_failed_template_lookup(trainer_client, workshop, caplog):
    """Django logs a failed variable lookup at DEBUG with the whole context, which on these pages can
    hold a one-time password or an MFA key: every name a template asks for must be defined."""
    import logging

    caplog.set_level(logging.DEBUG, logger="django.template")
    ada = ParticipantWalker(workshop, "Ada")
    ada.to_mfa(user_name="ws-ada")
    ada.create_device("ws-ada")
    ada.client.post(f"/join/help/{ada.run_id}/", {"action": "ask", "note": "hi", "step": "mfa"})
    trainer_client.post(f"/trainer/workshops/{workshop.pk}/broadcast/", {"message": "hello"})
    trainer_client.get(f"/trainer/workshops/{workshop.pk}/participants/{ada.participant.pk}/view/")  # MFA, observed
    ada.post("mfa", {"action": "enable", "code1": "123456", "code2": "123456"}, expect=400)  # refused, with its summary
    ada.enable_mfa_and_sign_in(ada.create_device("ws-ada"))
    for url in ["/", "/join/welcome/"] + [ada.url(step) for step in
                                          ("connect", "user-details", "permissions", "review", "sign-in-details", "sign-in", "mfa", "mfa-sign-in", "root-user", "finish")]:
        assert ada.client.get(url).status_code == 200, url
    Client().get(ada.url("mfa"))  # the page that says how to resume
    for url in ("", "projector/", "live/", f"participants/{ada.participant.pk}/view/", f"participants/{ada.participant.pk}/reset/"):
        assert trainer_client.get(f"/trainer/workshops/{workshop.pk}/{url}").status_code == 200, url
    trainer_client.post(f"/trainer/workshops/{workshop.pk}/close/")
    ada.client.get(ada.url("mfa"))  # the workshop has ended
    failed = [r.getMessage().split(".")[0] for r in caplog.records if "Exception while resolving variable" in r.getMessage()]
    assert not failed, failed
