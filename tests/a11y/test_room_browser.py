"""The room in real browsers: the projector view with its QR code and live counts, a participant's
"I need help" seen live on the dashboard, and a broadcast appearing on a participant's page
without a reload. axe stays clean on each."""
import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.workshops.helpers import make_trainer, make_workshop, verify_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def room(live_server, browser, django_user_model, settings):
    settings.WORKSHOP_ROOM_POLL_SECONDS = 1
    user, device = make_trainer(django_user_model)
    workshop = make_workshop(user, title="Friday IAM", user_prefix="fri-")
    session = verify_session(Client(), user, device).cookies["sessionid"].value
    trainer_context = browser.new_context(viewport={"width": 1280, "height": 800})
    trainer_context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    participant_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    trainer, participant = trainer_context.new_page(), participant_context.new_page()
    for page in (trainer, participant):
        page.set_default_timeout(20_000)
    yield workshop, trainer, participant
    trainer_context.close()
    participant_context.close()


def test_projector_help_and_broadcast(live_server, room, audit):
    workshop, trainer, participant = room
    base = live_server.url

    trainer.goto(f"{base}/trainer/workshops/{workshop.pk}/")
    trainer.get_by_role("link", name="Projector view").click()
    expect(trainer.locator("#join-code")).to_have_text(workshop.join_code_display)
    expect(trainer.get_by_role("img", name="QR code that opens the join page with the code filled in")).to_be_visible()
    expect(trainer.locator(".projector-counts")).to_contain_text("0 joined")
    audit(trainer, "projector")

    # The participant follows the QR code's link: the code is filled in.
    participant.goto(f"{base}/join/?code={workshop.join_code_display}")
    expect(participant.get_by_label("Join code")).to_have_value(workshop.join_code_display)
    participant.get_by_label("Your name").fill("Ada")
    participant.get_by_role("button", name="Join").click()
    expect(trainer.locator(".projector-counts")).to_contain_text("1 joined")  # live, no reload

    participant.get_by_role("link", name="Start the wizard").click()
    expect(participant.get_by_role("heading", name="Connect to your AWS account")).to_be_visible()
    participant.get_by_text("I need help").click()
    participant.get_by_label("What is the matter?").fill("Which region do I pick?")
    participant.get_by_role("button", name="Ask my trainer for help").click()
    expect(participant.get_by_text("You asked your trainer for help")).to_be_visible()
    audit(participant, "participant: help asked (390 px)")

    trainer.goto(f"{base}/trainer/workshops/{workshop.pk}/")
    expect(trainer.get_by_text("Asks for help: “Which region do I pick?”")).to_be_visible()
    trainer.get_by_label("Message to every participant").fill("Break until 11:00 <b>sharp</b>")
    trainer.get_by_role("button", name="Send to every participant").click()
    expect(trainer.get_by_text("Shown to everyone now")).to_be_visible()
    audit(trainer, "dashboard: help asked, broadcast sent")

    # The participant's page shows the message by itself, as text.
    expect(participant.locator("#room-broadcast")).to_contain_text("Break until 11:00 <b>sharp</b>")
    assert participant.locator("#room-broadcast b").count() == 0

    trainer.get_by_role("button", name="Helped").click()
    expect(trainer.get_by_text("Asks for help")).to_have_count(0)
    participant.reload()
    expect(participant.get_by_text("I need help")).to_be_visible()
    audit(participant, "participant: broadcast shown (390 px)")
    assert not audit.findings, audit.report()


def test_dashboard_keeps_its_table_while_nothing_changed_and_shows_changes_live(live_server, room):
    """static/js/dashboard.js sends the ETag of what it shows: an unchanged room answers 304 and the
    table stays as it is (updates go on); a change arrives without a reload."""
    from tests.workshops.test_workshop_dashboard import SLUGS, add_participant

    workshop, trainer, _ = room
    add_participant(workshop, "Finished Fay", done=len(SLUGS))  # finished: nothing on the row moves with time
    trainer.goto(f"{live_server.url}/trainer/workshops/{workshop.pk}/")
    expect(trainer.locator("#live-note")).to_have_text("Updates by itself every few seconds.")
    with trainer.expect_response(lambda r: "/live/" in r.url and r.status == 304, timeout=15_000) as unchanged:
        pass
    assert unchanged.value.request.headers.get("if-none-match")
    expect(trainer.locator("#live-note")).to_have_text("Updates by itself every few seconds.")
    expect(trainer.get_by_role("row", name="Finished Fay")).to_be_visible()
    add_participant(workshop, "Late Lou", done=1)
    expect(trainer.get_by_role("row", name="Late Lou")).to_be_visible(timeout=15_000)  # live, no reload
    expect(trainer.locator("#live-note")).to_have_text("Updates by itself every few seconds.")
