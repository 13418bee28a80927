"""In Chromium: a participant's network is locked out of joining, the trainer's dashboard shows it
without a reload, the trainer lifts it with the Lift button, the participant joins. axe scans every page of it, the 429 page included."""
import base64
import time

import pyotp
import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.workshops.helpers import make_workshop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
PASSWORD = "correct horse battery staple 42"


def test_trainer_lifts_a_join_lockout_with_the_lift_button(live_server, browser, audit, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "join-wrong-code": (3, 600), "run-start": (1, 600)}
    trainer = get_user_model().objects.create_user(username="trina", password=PASSWORD)
    device = TOTPDevice.objects.create(user=trainer, name="phone", confirmed=True)
    workshop = make_workshop(trainer, title="Friday IAM")

    trainers = browser.new_context()
    page = trainers.new_page()
    page.set_default_timeout(15_000)
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.goto(f"{live_server.url}/trainer/login/")
    page.get_by_label("Username").fill("trina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(base64.b32encode(device.bin_key).decode()).at(time.time()))
    page.get_by_role("button", name="Verify").click()
    page.goto(f"{live_server.url}/trainer/workshops/{workshop.pk}/")
    page.get_by_text("No limit refuses anyone").wait_for()
    page.evaluate("window.notReloaded = true")

    people = browser.new_context()
    participant = people.new_page()
    participant.set_default_timeout(15_000)
    participant.goto(f"{live_server.url}/join/")
    for wrong in ("AAAA-AAAB", "AAAA-AAAC", "AAAA-AAAD"):
        participant.get_by_label("Join code").fill(wrong)
        participant.get_by_label("Your name").fill("Ada")
        participant.get_by_role("button", name="Join").click()
        expect(participant.locator("#id_code_error").get_by_text("No workshop has that code")).to_be_visible()
    participant.get_by_label("Join code").fill(workshop.join_code_display)
    participant.get_by_label("Your name").fill("Ada")
    participant.get_by_role("button", name="Join").click()
    expect(participant.locator("[data-error-summary]").get_by_text("You did not join: joining from your network")).to_be_visible()
    audit(participant, "join: address locked")

    # The same network's second Start is refused by the (here tiny) new-run ceiling: the 429 page.
    participant.goto(live_server.url)
    participant.get_by_role("button", name="Start").click()
    participant.goto(live_server.url)
    participant.get_by_role("button", name="Start").click()
    expect(participant.get_by_role("heading", name="Slow down a little")).to_be_visible()
    expect(participant.get_by_text("No new run was started.")).to_be_visible()
    audit(participant, "429: new runs")

    # The panel shows both lockouts by itself, without a reload.
    lockouts = page.locator("#lockouts")
    expect(lockouts.get_by_text("Joining from 127.0.0.1 is paused")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    audit(page, "dashboard: a lockout")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"/tmp/shot-lockouts-{width}.png", full_page=True)

    expect(lockouts.get_by_text("New runs from 127.0.0.1 are refused")).to_be_visible()
    lockouts.get_by_role("button", name="Lift the join pause for 127.0.0.1").click()
    expect(page.get_by_text("Lifted: people at 127.0.0.1 can join again.")).to_be_visible()
    expect(lockouts.get_by_text("Joining from 127.0.0.1 is paused")).to_have_count(0)
    expect(lockouts.get_by_text("New runs from 127.0.0.1 are refused")).to_be_visible()  # the other one stays
    audit(page, "dashboard: lifted")

    participant.goto(f"{live_server.url}/join/")
    participant.get_by_label("Join code").fill(workshop.join_code_display)
    participant.get_by_label("Your name").fill("Ada")
    participant.get_by_role("button", name="Join").click()
    expect(participant.get_by_role("heading", name="Welcome, Ada")).to_be_visible()
    assert console_errors == []  # no CSP violations, no failed polls
    people.close()
    trainers.close()
    assert audit.findings == [], "axe found serious/critical problems:\n" + audit.report()
