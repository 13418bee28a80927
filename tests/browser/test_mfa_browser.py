"""The MFA step in headless Chromium: enrol with codes computed from the page's secret key, a diagnosis, a phone-sized screen.

The run is brought to the MFA step with Django's test client (same database as the live
server); from there on everything happens in the browser.
"""
import time

import pyotp
import pytest
from playwright.sync_api import expect

from iamwizard.wizard.models import AwsCall, Run
from tests.wizard.walk import Walker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def mfa_url(client, live_server):
    walker = Walker(client)
    walker.to_mfa(user_name="erin")
    # The browser opens the run with its resume link, which leads to the first open step: MFA.
    return walker, live_server.url + walker.resume_link.removeprefix("http://testserver")


def _read_secret(page) -> str:
    secret = page.locator("#secret-key")
    secret.wait_for(state="visible")  # shown at once, no tap needed
    return secret.inner_text().replace(" ", "")


def test_enrol_authenticator_with_codes_from_the_secret_key(page, mfa_url, account_iam):
    walker, url = mfa_url
    page.goto(url)
    assert page.get_by_label("Device name").input_value() == "erin"
    page.get_by_role("button", name="Continue").click()

    page.get_by_text("Show QR code").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    seed = _read_secret(page)
    totp = pyotp.TOTP(seed)
    now = time.time()
    page.get_by_label("MFA code 1").fill(totp.at(now - 30))
    page.get_by_label("MFA code 2").fill(totp.at(now))
    page.get_by_role("button", name="Add MFA").click()

    expect(page.get_by_text("MFA is on for this user.")).to_be_visible()
    expect(page.get_by_text("AWS allows up to 8 MFA devices per user")).to_be_visible()
    expect(page.get_by_role("heading", name="Confirmed by AWS")).to_be_visible()
    assert seed not in page.content()
    run = Run.objects.get(pk=walker.run_id)
    assert bytes(run.mfa_seed_box) == b""
    devices = account_iam(run.account_id).list_mfa_devices(UserName="erin")["MFADevices"]
    assert [d["SerialNumber"] for d in devices] == [f"arn:aws:iam::{run.account_id}:mfa/erin"]


def test_same_code_twice_is_explained_at_code_2(page, mfa_url):
    walker, url = mfa_url
    page.goto(url)
    page.get_by_role("button", name="Continue").click()
    seed = _read_secret(page)
    code = pyotp.TOTP(seed).now()
    page.get_by_label("MFA code 1").fill(code)
    page.get_by_label("MFA code 2").fill(code)
    page.get_by_role("button", name="Add MFA").click()

    error = page.locator("#field-code2 .field-error")
    assert "You typed the same code twice" in error.inner_text()
    assert page.locator("#field-code1 .field-error").count() == 0
    assert not AwsCall.objects.filter(run_id=walker.run_id, operation="EnableMFADevice").exists()
    assert _read_secret(page) == seed  # same device, same key after the mistake


def test_mfa_step_fits_a_phone_screen(browser, mfa_url):
    walker, url = mfa_url
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(url)
        page.get_by_role("button", name="Continue").click()
        page.get_by_text("Show QR code").click()
        widths = page.evaluate("""() => {
            const box = (sel) => document.querySelector(sel).getBoundingClientRect();
            return {
                page: document.documentElement.scrollWidth,
                qr: box('.qr-code svg').width, qrRight: box('.qr-code svg').right,
                secretRight: box('#secret-key').right,
                code1: box('#id_code1').width, code1Right: box('#id_code1').right,
                button: box('#mfa-codes button[type=submit]').right,
            };
        }""")
        assert widths["page"] <= 375, widths  # nothing scrolls sideways
        assert 200 <= widths["qr"] and widths["qrRight"] <= 375, widths
        assert widths["secretRight"] <= 375 and widths["code1Right"] <= 375 and widths["button"] <= 375, widths
        assert widths["code1"] >= 120, widths  # big enough to tap and read six digits
        expect(page.get_by_text("A phone can't scan its own screen")).to_be_visible()
    finally:
        context.close()
