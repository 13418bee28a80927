"""Joining with a code: typing it loosely, the time window, rate-limited guessing, the user-name prefix."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from iamwizard.workshops import codes
from iamwizard.workshops.models import Participant
from iamwizard.wizard.models import Run
from tests.wizard.walk import Walker, resume_link_in
from tests.workshops.helpers import join, make_workshop

pytestmark = pytest.mark.django_db


def test_codes_are_typed_loosely_but_drawn_strictly():
    code = codes.new_join_code()
    assert len(code) == 8 and set(code) <= set(codes.ALPHABET)
    assert not set("01ILO") & set(codes.ALPHABET)
    assert codes.normalize(f" {code[:4].lower()} - {code[4:]} ") == code
    assert codes.normalize(code.lower()) == code
    assert codes.display(code) == f"{code[:4]}-{code[4:]}"
    assert codes.normalize("ABCD-EF0H") is None and codes.normalize("ABCD") is None
    assert len({codes.new_join_code() for _ in range(200)}) == 200


def test_participant_joins_and_gets_an_own_run_and_resume_link(client, workshop):
    run_id = join(client, workshop, "Ada Lovelace", code=workshop.join_code.lower())  # no dash, lower case
    participant = Participant.objects.get(run_id=run_id)
    assert participant.display_name == "Ada Lovelace" and participant.workshop == workshop
    assert participant.run.target == "sandbox" and len(participant.run.account_id) == 12
    page = client.get("/join/welcome/").content.decode()
    link = resume_link_in(page)
    assert link.startswith("http://testserver/resume/?key=") and run_id not in link and "ws-" in page
    # Shown once: the welcome page again has no link, and the browser needs none.
    again = client.get("/join/welcome/").content.decode()
    assert "/resume/?key=" not in again and "Save your resume link" not in again
    assert client.get(f"/run/{run_id}/")["Location"] == f"/run/{run_id}/connect/"
    # The resume link works from another device (a fresh client with no cookies); the id alone does not.
    other_device = Client()
    assert other_device.get(f"/run/{run_id}/").status_code == 403
    assert other_device.get(link)["Location"] == f"/run/{run_id}/"
    assert other_device.get(f"/run/{run_id}/")["Location"] == f"/run/{run_id}/connect/"

    second = join(Client(), workshop, "Grace")
    runs = Run.objects.filter(pk__in=[run_id, second])
    assert runs.count() == 2 and len({r.account_id for r in runs}) == 2  # one emulated account each


@pytest.mark.parametrize("when, message", [
    ("early", "This workshop opens at"),
    ("late", "This workshop closed at"),
    ("closed", "closed by the trainer"),
])
def test_joining_outside_the_window_is_refused(client, trainer, when, message):
    now = timezone.now()
    window = {"early": (now + timedelta(hours=1), now + timedelta(hours=2)),
              "late": (now - timedelta(hours=2), now - timedelta(minutes=1)),
              "closed": (now - timedelta(hours=1), now + timedelta(hours=1))}[when]
    workshop = make_workshop(trainer[0], opens_at=window[0], closes_at=window[1])
    if when == "closed":
        workshop.closed_at = now
        workshop.save()
    response = client.post("/join/", {"code": workshop.join_code_display, "display_name": "Ada"})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Participant.objects.exists() and not Run.objects.exists()


def test_wrong_codes_are_capped_per_client_address(client, workshop, settings):
    limit, window = settings.RATE_LIMITS["join-wrong-code"]
    assert 100 <= limit <= 1000 and window == 600  # a few hundred: far above a room's typos, hopeless for guessing
    wrong = "AAAA-AAAA" if workshop.join_code != "AAAAAAAA" else "BBBB-BBBB"
    for _ in range(limit):
        response = client.post("/join/", {"code": wrong, "display_name": "Mallory"})
        assert response.status_code == 400 and "No workshop has that code" in response.content.decode()
    blocked = client.post("/join/", {"code": workshop.join_code_display, "display_name": "Mallory"})
    text = blocked.content.decode()
    assert blocked.status_code == 429 and "You did not join" in text and "wrong join codes" in text
    assert "Try again after" in text and "UTC" in text and "Your trainer can lift this" in text
    assert 0 < int(blocked["Retry-After"]) <= window
    assert not Participant.objects.exists()
    # Another network is not affected.
    other = Client(REMOTE_ADDR="10.0.0.7")
    assert other.post("/join/", {"code": workshop.join_code_display, "display_name": "Ada"}).status_code == 302


def test_malformed_codes_get_a_hint_and_do_not_count_as_guesses(client, workshop, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "join-wrong-code": (2, 600)}
    for _ in range(3):
        response = client.post("/join/", {"code": "0000", "display_name": "Ada"})
        assert response.status_code == 400 and "there is no 0, 1, I, L or O" in response.content.decode()
    assert join(client, workshop) 


@pytest.mark.django_db(transaction=True)
def test_user_names_must_start_with_the_workshop_prefix(client, trainer):
    workshop = make_workshop(trainer[0], user_prefix="ws7-")
    walker = Walker(client)
    walker.run_id = join(client, workshop)
    walker.post("connect", {"action": "connect"})
    details = {"action": "save", "console_access": "on", "password_type": "autogenerated", "must_reset": "on"}
    with CaptureQueriesContext(connection) as captured:
        refused = walker.post("user-details", {**details, "user_name": "alice"}, expect=400)
    assert "must start with “ws7-”" in refused.content.decode()
    # The rule asks the participant read along with the run: the participant table is read once.
    assert sum("workshops_participant" in q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")) == 1
    walker.post("user-details", {**details, "user_name": "ws7-alice"})


@pytest.mark.django_db(transaction=True)
def test_runs_outside_workshops_have_no_prefix_rule(client):
    walker = Walker(client)
    walker.start()
    walker.post("connect", {"action": "connect"})
    walker.post("user-details", {"action": "save", "user_name": "alice", "console_access": "on", "password_type": "autogenerated", "must_reset": "on"})


def test_display_names_lose_control_characters(client, workshop):
    run_id = join(client, workshop, "Bob\x07\u202e by\tthe\nway")
    assert Participant.objects.get(run_id=run_id).display_name == "Bob by the way"


def test_a_full_workshop_refuses_more_participants(client, workshop, settings):
    settings.WORKSHOP_MAX_PARTICIPANTS = 2
    join(Client(), workshop, "One")
    join(Client(), workshop, "Two")
    response = Client().post("/join/", {"code": workshop.join_code, "display_name": "Three"})
    assert response.status_code == 400 and "This workshop is full (2 participants)" in response.content.decode()
    assert Participant.objects.filter(workshop=workshop).count() == 2


def test_the_room_bars_fixed_words_are_drawn_once_per_language(client, workshop):
    """The room bar is on every page of every participant: its script link and its help form's
    words are kept per language ({% once %}); what is the participant's own stays drawn each time."""
    from iamwizard.wizard.templatetags import once

    once.forget()
    run_id = join(client, workshop, "Ada")
    client.get(f"/run/{run_id}/connect/")
    assert {key[0] for key in once._fragments} >= {"room-script", "room-help-ask"}
    second = client.get(f"/run/{run_id}/connect/").content.decode()
    assert 'class="help-ask"' in second and f"/join/help/{run_id}/" in second
