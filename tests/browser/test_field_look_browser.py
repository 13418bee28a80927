"""Every text-like field looks like the others, whatever its type: the root user's e-mail address
(type=email), the workshop's opening and closing times (datetime-local) and its numbers, the review's
tags (textarea) were once the browser's own small, unpadded boxes beside the wizard's fields, and an
e-mail address refused kept a thin grey border."""
import base64
import time

import pyotp
import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.wizard.walk import Walker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

LOOK = """(selectors) => selectors.map((selector) => {
  const style = getComputedStyle(document.querySelector(selector));
  return { selector, fontSize: style.fontSize, paddingLeft: style.paddingLeft, borderRadius: style.borderRadius,
           borderWidth: style.borderTopWidth, width: document.querySelector(selector).getBoundingClientRect().width };
})"""


def looks(page, *selectors):
    return page.evaluate(LOOK, list(selectors))


def assert_same_look(reference, others):
    for other in others:
        for key in ("fontSize", "paddingLeft", "borderRadius"):
            assert other[key] == reference[key], (other["selector"], key, other[key], reference[key])


def test_root_user_email_field_looks_like_the_password_field_and_shows_its_error(client, live_server, browser):
    walker = Walker(client)
    walker.to_mfa(user_name="erin")
    seed = walker.create_device("erin")
    walker.enable_mfa(seed)
    walker.sign_in_with_mfa(seed)  # the run is at the root user step
    url = live_server.url + walker.resume_link.removeprefix("http://testserver")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(url)
        page.get_by_role("button", name="Get a practice root password").click()
        page.get_by_label("Root user e-mail address").fill("nobody@example.com")
        page.get_by_label("Password").fill(page.locator("#root-password").inner_text())
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("[data-error-summary]")).to_be_visible()
        email, password = looks(page, "#id_email", "#id_password")
        assert_same_look(password, [email])
        assert email["width"] > 300, email  # the width of the phone's column, not the browser's default box
        if page.locator("#id_email").get_attribute("aria-invalid") == "true":
            assert email["borderWidth"] == "2px", email  # a refused e-mail address is outlined like any refused field
    finally:
        context.close()


def test_review_tags_and_workshop_times_and_numbers_look_like_text_fields(client, live_server, browser):
    walker = Walker(client)
    walker.start()
    walker.connect()
    walker._submit("user-details", walker.details_form("erin"))
    walker._submit("permissions", walker.group_form("Admins"))
    url = live_server.url + walker.resume_link.removeprefix("http://testserver")

    user = get_user_model().objects.create_user(username="trina", password="correct horse battery staple 42")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(url)
        expect(page.get_by_role("button", name="Create user")).to_be_visible()
        tags = page.locator("main textarea").first.get_attribute("id")
        language, textarea = looks(page, "footer select", f"#{tags}")  # the language choice: a field styled as the rest
        assert textarea["fontSize"] == page.evaluate("getComputedStyle(document.querySelector('main')).fontSize")
        assert (textarea["paddingLeft"], textarea["borderRadius"]) == (language["paddingLeft"], language["borderRadius"])

        page.goto(f"{live_server.url}/trainer/login/")
        page.get_by_label("Username").fill("trina")
        page.get_by_label("Password").fill("correct horse battery staple 42")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(base64.b32encode(device.bin_key).decode()).at(time.time()))
        page.get_by_role("button", name="Verify").click()
        page.get_by_role("link", name="New workshop").first.click()
        title, *others = looks(page, "#id_title", "#id_opens_at", "#id_closes_at", "#id_stuck_attempts", "#id_stuck_idle_minutes")
        assert_same_look(title, others)
    finally:
        context.close()
