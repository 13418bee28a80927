"""A trainer signs in with TOTP, creates a workshop and watches a participant progress live, without reloading."""
import base64
import re
import time

import pyotp
import pytest
from playwright.sync_api import expect
from django.contrib.auth import get_user_model

from iamwizard.wizard.models import StepState
from iamwizard.workshops.models import Participant

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
PASSWORD = "correct horse battery staple 42"


def test_trainer_watches_a_participant_progress_live(live_server, page, browser):
    get_user_model().objects.create_user(username="trina", password=PASSWORD)
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))

    # Sign in: password, then enrol the authenticator app from the QR page's secret key.
    page.goto(f"{live_server.url}/trainer/")
    assert "/trainer/login/" in page.url
    page.get_by_label("Username").fill("trina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.locator(".qr-code svg")).to_be_visible()
    page.get_by_text("Can't scan? Show the secret key").click()
    seed = page.locator("#secret-key").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(seed).now())
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", name="Your workshops")).to_be_visible()

    # Create a workshop.
    page.get_by_role("link", name="New workshop").first.click()
    page.get_by_label("Title").fill("Friday IAM")
    page.get_by_label("Sandbox (emulated AWS)").check()
    page.get_by_label("User-name prefix").fill("fri-")
    page.get_by_role("button", name="Create workshop").click()
    expect(page.get_by_role("heading", name="Friday IAM")).to_be_visible()
    code = page.locator("#join-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    page.get_by_text("Nobody has joined yet").wait_for()
    page.evaluate("window.notReloaded = true")

    # A participant joins in another browser and starts the wizard.
    other = browser.new_context()
    participant = other.new_page()
    participant.set_default_timeout(15_000)
    participant.goto(f"{live_server.url}/join/")
    participant.get_by_label("Join code").fill(code.lower().replace("-", ""))
    participant.get_by_label("Your name").fill("Ada")
    participant.get_by_role("button", name="Join").click()
    expect(participant.get_by_role("heading", name="Welcome, Ada")).to_be_visible()
    assert f"{live_server.url}/resume/?key=" in participant.locator("#resume-link").inner_text()
    participant.get_by_role("link", name="Start the wizard").click()

    row = page.locator("tr", has_text="Ada")
    row.wait_for()
    assert "1. Connect" in row.inner_text()

    participant.get_by_role("button", name="Connect").click()
    participant.get_by_role("link", name="Next: User details").click()
    participant.get_by_label("User name").fill("ada")
    participant.get_by_role("button", name="Continue").click()
    expect(participant.locator("#id_user_name_error").get_by_text("must start with “fri-”")).to_be_visible()
    participant.get_by_label("User name").fill("fri-ada")
    participant.get_by_role("button", name="Continue").click()

    page.locator("tr", has_text="3. Permissions").wait_for()
    assert "2 of" in row.inner_text() and "Stuck" not in row.inner_text()

    # The participant's next step fails: the dashboard flags them without a reload.
    run = Participant.objects.get(display_name="Ada").run
    StepState.objects.filter(run=run, step="permissions").update(status=StepState.FAILED, error_code="AccessDenied", error_message="Not allowed.")
    page.locator("tr.stuck", has_text="Ada").wait_for()
    assert "⚠ Stuck: last attempt failed" in row.inner_text() and "AccessDenied" in row.inner_text()
    expect(page.get_by_text("1 stuck")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path="/tmp/shot-workshop-dashboard.png", full_page=True)
    assert console_errors == []  # no CSP violations, no failed polls
    other.close()


def test_dashboard_works_with_javascript_off(live_server, browser):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.create_user(username="trina", password=PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/trainer/login/")
    page.get_by_label("Username").fill("trina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(base64.b32encode(device.bin_key).decode()).at(time.time()))
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("link", name="New workshop").first.click()
    page.get_by_label("Title").fill("No JS")
    page.get_by_label("Sandbox (emulated AWS)").check()
    page.get_by_role("button", name="Create workshop").click()
    expect(page.get_by_text("refresh to update it")).to_be_visible()
    context.close()
