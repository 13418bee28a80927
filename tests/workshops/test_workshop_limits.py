"""A room behind one address: joins with typos are never refused; the trainer sees and lifts the
limits that do refuse someone of the workshop."""
import html as htmllib
from datetime import datetime

import pytest
from django.test import Client

from iamwizard.wizard import ratelimit
from iamwizard.workshops import codes
from iamwizard.workshops.models import Participant
from tests.pages import Page
from tests.workshops.helpers import make_trainer, make_workshop, verify_session

pytestmark = pytest.mark.django_db

ROOM = "203.0.113.10"  # the classroom's one public address (a NAT)


def mistyped(code: str, i: int) -> str:
    """The real code with one character typed wrong: the most likely typo in a room."""
    wrong = [c for c in codes.ALPHABET if c != code[i % 8]][i % 30]
    typed = code[:i % 8] + wrong + code[i % 8 + 1:]
    return codes.display(typed)


def post_join(browser, code, name):
    return browser.post("/join/", {"code": code, "display_name": name})


def test_a_room_behind_one_address_all_joins_with_typos_mixed_in(workshop):
    """45 people join from one address; 30 mistyped codes come in between. Nobody is refused."""
    statuses, typos = [], 0
    for i in range(45):
        browser = Client(REMOTE_ADDR=ROOM)
        if i % 3 != 2:  # two of every three people mistype first
            wrong = post_join(browser, mistyped(workshop.join_code, i), f"Person {i}")
            assert wrong.status_code == 400 and "No workshop has that code" in wrong.content.decode()
            typos += 1
        statuses.append(post_join(browser, workshop.join_code_display, f"Person {i}").status_code)
    assert typos == 30 and statuses == [302] * 45
    assert Participant.objects.filter(workshop=workshop).count() == 45
    assert ratelimit.status("join-wrong-code", ROOM).count == 30


def test_a_join_is_refused_only_once_the_address_is_locked(workshop, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "join-wrong-code": (5, 600)}
    for i in range(4):
        post_join(Client(REMOTE_ADDR=ROOM), mistyped(workshop.join_code, i), "Mallory")
    assert post_join(Client(REMOTE_ADDR=ROOM), workshop.join_code_display, "Ada").status_code == 302  # 4 of 5: still fine
    post_join(Client(REMOTE_ADDR=ROOM), mistyped(workshop.join_code, 5), "Mallory")
    assert post_join(Client(REMOTE_ADDR=ROOM), workshop.join_code_display, "Bea").status_code == 429


# --- the trainer's view of the limits --------------------------------------------------------------

def lockout_section(response):
    """The dashboard's rate limits panel (<section id="lockouts">)."""
    return Page(response).by_id("lockouts")


def lift(client, workshop, limit, target):
    return client.post(f"/trainer/workshops/{workshop.pk}/lockouts/lift/", {"limit": limit, "target": target})


def test_trainer_sees_and_lifts_the_join_lock_of_the_rooms_address(trainer_client, workshop, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "join-wrong-code": (5, 600)}
    dashboard = f"/trainer/workshops/{workshop.pk}/"
    assert "No limit refuses anyone" in lockout_section(trainer_client.get(dashboard)).text
    for i in range(5):
        post_join(Client(REMOTE_ADDR=ROOM), mistyped(workshop.join_code, i), "Mallory")
    refused = post_join(Client(REMOTE_ADDR=ROOM), workshop.join_code_display, "Ada")
    assert refused.status_code == 429  # nobody of the room has joined yet: the address is known from this try

    section = lockout_section(trainer_client.get(dashboard))
    assert f"Joining from {ROOM} is paused: wrong join codes (5 in 10 minutes, the limit is 5)" in section.text
    until = section.text.split(", until ", 1)[1]
    assert datetime.strptime(until[:5], "%H:%M") and until[5:].startswith(" UTC.")
    assert section.find("input", name="limit", value="join-wrong-code") and section.find("input", name="target", value=ROOM)
    assert section.find("input", name="csrfmiddlewaretoken")

    response = lift(trainer_client, workshop, "join-wrong-code", ROOM)
    assert response.status_code == 302 and response["Location"] == f"{dashboard}#lockouts"
    page = htmllib.unescape(trainer_client.get(dashboard).content.decode())
    assert f'<p class="notice" role="status">Lifted: people at {ROOM} can join again.</p>' in page
    assert "No limit refuses anyone" in lockout_section(trainer_client.get(dashboard)).text
    assert post_join(Client(REMOTE_ADDR=ROOM), workshop.join_code_display, "Ada").status_code == 302
    # Lifting again finds nothing to lift.
    lift(trainer_client, workshop, "join-wrong-code", ROOM)
    assert "nothing to lift" in trainer_client.get(dashboard).content.decode()
    # The panel alone, as the dashboard's script fetches it.
    fragment = trainer_client.get(f"/trainer/workshops/{workshop.pk}/lockouts/")
    assert fragment["X-Dashboard-Fragment"] == "1" and "No limit refuses anyone" in fragment.content.decode()


def test_trainer_sees_and_lifts_the_run_ceiling_of_an_address_participants_joined_from(trainer_client, workshop, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "run-start": (3, 600)}
    assert post_join(Client(REMOTE_ADDR=ROOM), workshop.join_code_display, "Ada").status_code == 302
    starter = Client(REMOTE_ADDR=ROOM)
    assert [starter.post("/").status_code for _ in range(4)] == [302, 302, 302, 429]
    section = lockout_section(trainer_client.get(f"/trainer/workshops/{workshop.pk}/"))
    assert f"New runs from {ROOM} are refused (4 in 10 minutes, the limit is 3)" in section.text
    lift(trainer_client, workshop, "run-start", ROOM)
    assert starter.post("/").status_code == 302


def test_trainer_sees_and_lifts_a_participants_submit_limit_without_showing_the_run_id(trainer_client, workshop, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "run-post": (2, 600)}
    ada = Client(REMOTE_ADDR=ROOM)
    assert post_join(ada, workshop.join_code_display, "Ada").status_code == 302
    participant = Participant.objects.get(display_name="Ada")
    url = f"/run/{participant.run_id}/connect/"
    assert [ada.post(url, {"action": "connect"}).status_code for _ in range(3)] == [302, 302, 429]
    section = lockout_section(trainer_client.get(f"/trainer/workshops/{workshop.pk}/"))
    assert "Ada's submits are refused (3 in 10 minutes, the limit is 2)" in section.text
    assert not section.contains(participant.run_id) and section.find("input", name="target", value=str(participant.pk))
    assert lift(trainer_client, workshop, "run-post", participant.run_id).status_code == 302  # a run id names nothing
    assert ratelimit.locked("run-post", participant.run_id)
    lift(trainer_client, workshop, "run-post", str(participant.pk))
    assert ratelimit.status("run-post", participant.run_id) is None
    assert ada.post(url, {"action": "connect"}).status_code == 302


def test_lift_is_for_the_trainers_own_workshops_by_post_with_csrf(trainer_client, workshop, settings, django_user_model):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "join-wrong-code": (1, 600)}
    post_join(Client(REMOTE_ADDR=ROOM), workshop.join_code_display, "Ada")
    post_join(Client(REMOTE_ADDR=ROOM), mistyped(workshop.join_code, 0), "Mallory")
    assert ratelimit.locked("join-wrong-code", ROOM)
    url = f"/trainer/workshops/{workshop.pk}/lockouts/lift/"

    other = verify_session(Client(), *make_trainer(django_user_model, "otto"))
    assert other.post(url, {"limit": "join-wrong-code", "target": ROOM}).status_code == 404
    own = make_workshop(django_user_model.objects.get(username="otto"))  # the address never touched it
    other.post(f"/trainer/workshops/{own.pk}/lockouts/lift/", {"limit": "join-wrong-code", "target": ROOM})
    assert trainer_client.get(url).status_code == 405
    strict = verify_session(Client(enforce_csrf_checks=True), *make_trainer(django_user_model, "cara"))
    strict_workshop = make_workshop(django_user_model.objects.get(username="cara"))
    assert strict.post(f"/trainer/workshops/{strict_workshop.pk}/lockouts/lift/", {"limit": "join-wrong-code", "target": ROOM}).status_code == 403
    assert Client().post(url, {"limit": "join-wrong-code", "target": ROOM})["Location"].startswith("/trainer/login/")
    for limit, target in (("trainer-login-address", ROOM), ("join-wrong-code", "198.51.100.1"), ("", ""), ("x" * 5000, "\u2028")):
        assert lift(trainer_client, workshop, limit, target).status_code == 302
    assert ratelimit.locked("join-wrong-code", ROOM)  # none of that lifted anything
    lift(trainer_client, workshop, "join-wrong-code", ROOM)
    assert not ratelimit.locked("join-wrong-code", ROOM)
