"""A phone is a first-class device: a full walk at 390x844 (an iPhone's screen) and at 1280x800.

At 390 px (with JavaScript and without) every page has its action on the first screen (or, where the page's own form or the choices
to review are longer than a screen, starts that form on the first screen with no teaching text above it),
nothing scrolls sideways, and the calls made are blocks. On the MFA step the secret key and a
tap-to-add otpauth:// link come first, the QR code is one tap away, and the link carries exactly
what the QR code encodes. Set IAMWIZARD_SCREENSHOTS=<folder> to keep a screenshot of every page.
"""
import os
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from playwright.sync_api import expect

from iamwizard.core.totp import otpauth_uri, qr_svg
from iamwizard.wizard.models import Run

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCREENS = {"phone": (390, 844), "phone-no-js": (390, 844), "desktop": (1280, 800)}
# Pages whose action cannot fit one phone screen, and why; the page's own content (the selector) is on the
# first screen instead, with no teaching text above it.
LONGER_THAN_A_SCREEN = {
    "permissions": ("#field-mode", "the options and the policy list are the form itself"),
    "review": ("#review-h", "the choices to review come before Create user, as they should"),
    "review: created": ("#review-h", "what was created, then Next"),
    "sign-in: change password": ("#id_old_password", "three password fields and the account's rules"),
    "finish": ("#root-h", "the last page: its findings and next steps are the content, Read AWS again comes after"),
}

LAYOUT = """() => {
  const shown = (e) => !!e && getComputedStyle(e).display !== "none" && e.getClientRects().length > 0;
  const wide = [...document.querySelectorAll("main *")].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + "." + e.className);
  const why = document.querySelector("details.why-narrow");
  return {
    scrollWidth: document.scrollingElement.scrollWidth, innerWidth, innerHeight, wide,
    whySection: shown(document.querySelector("section.why")),
    whyDetails: shown(why), whyOpen: !!why && why.open,
    rows: [...document.querySelectorAll("table.calls-made tbody tr")].map(tr => ({
      display: getComputedStyle(tr).display,
      right: tr.getBoundingClientRect().right,
      labels: [...tr.querySelectorAll("td[data-label]")].map(td => getComputedStyle(td, "::before").content),
    })),
  };
}"""


@pytest.fixture(params=list(SCREENS), ids=list(SCREENS))
def screen(request, browser):
    width, height = SCREENS[request.param]
    phone = request.param.startswith("phone")
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone,
                                  java_script_enabled=request.param != "phone-no-js")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield request.param, page
    context.close()


class Checker:
    def __init__(self, kind, page):
        self.kind, self.page = kind, page
        self.folder = os.environ.get("IAMWIZARD_SCREENSHOTS")
        self.count = 0
        self.seen = []

    def __call__(self, label, action, first_step=False):
        """`action`: the locator of what the newcomer presses next on this page."""
        page = self.page
        page.wait_for_load_state("load")
        self.count += 1
        self.seen.append(label)
        if self.folder:
            Path(self.folder).mkdir(parents=True, exist_ok=True)
            name = f"{self.kind}-{self.count:02d}-{label.replace(':', '').replace(' ', '-')}"
            page.screenshot(path=f"{self.folder}/{name}.png")
            page.screenshot(path=f"{self.folder}/{name}-full.png", full_page=True)
        layout = page.evaluate(LAYOUT)
        assert layout["scrollWidth"] <= layout["innerWidth"], (label, layout["wide"])  # never scrolls sideways
        assert not layout["wide"], (label, layout["wide"])
        expect(action).to_be_visible()
        box = action.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= layout["innerWidth"], (label, box)
        if not self.kind.startswith("phone"):
            # Desktop keeps the teaching text open above the form, and the calls made as a table.
            assert layout["whySection"] and not layout["whyDetails"], label
            assert all(row["display"] == "table-row" for row in layout["rows"]), label
            return
        # Phone: "Why this step" is one line, open only on the first step until it is done.
        assert not layout["whySection"] and layout["whyDetails"], label
        assert layout["whyOpen"] == first_step, label
        if label in LONGER_THAN_A_SCREEN:
            start = page.locator(LONGER_THAN_A_SCREEN[label][0]).bounding_box()
            assert start["y"] + start["height"] <= layout["innerHeight"], (label, start)
        else:
            assert box["y"] + box["height"] <= layout["innerHeight"], (label, box)  # on the first screen
        # Calls made so far: a block per call, each value labelled, inside the screen.
        for row in layout["rows"]:
            assert row["display"] == "block" and row["right"] <= layout["innerWidth"], (label, row)
            assert row["labels"] == ['"Outcome: "', '"Time: "', '"Request id: "'], (label, row)


def test_full_walk_fits_the_screen(live_server, screen, account_iam):
    kind, page = screen
    check = Checker(kind, page)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    button = lambda name: page.get_by_role("button", name=name, exact=True)
    link = lambda name: page.get_by_role("link", name=name)

    page.goto(live_server.url)
    page.get_by_role("button", name="Start").click()
    check("connect", button("Connect"), first_step=True)
    button("Connect").click()
    check("connect: done", link("Next: User details"))
    if kind != "desktop":
        assert page.locator("table.calls-made tbody tr").count() == 3  # the three reads, as blocks
    link("Next: User details").click()

    check("user details", button("Continue"))
    # A custom password's field and rules show only once chosen; no password choice without console access.
    custom, rules = page.locator("#id_custom_password"), page.locator("#password-rules")
    expect(custom).to_be_hidden()
    expect(rules).to_be_hidden()
    page.get_by_role("radio", name="Custom password").check()
    expect(custom).to_be_visible()
    expect(rules).to_be_visible()
    page.get_by_label("Provide user access to the AWS Management Console").uncheck()
    expect(custom).to_be_hidden()
    expect(page.get_by_role("radio", name="Autogenerated password", include_hidden=True)).to_be_hidden()
    page.get_by_label("Provide user access to the AWS Management Console").check()
    page.get_by_label("User name").fill("erin")
    page.get_by_label("Autogenerated password").check()
    button("Continue").click()

    check("permissions", button("Continue"))
    page.get_by_label("Add user to group").check()
    page.get_by_label("Group name").fill("Admins")
    page.get_by_label("Administrator — AdministratorAccess", exact=False).check()
    button("Continue").click()

    check("review", button("Create user"))
    button("Create user").click()
    expect(page.get_by_role("heading", name="Confirmed by AWS")).to_be_visible()
    check("review: created", link("Next: Sign-in details"))
    link("Next: Sign-in details").click()

    password = page.locator("#signin-password").inner_text()
    check("sign-in details", button("I have saved it — continue"))
    button("I have saved it — continue").click()

    run = Run.objects.get(pk=page.url.split("/")[4])
    check("sign-in", button("Sign in"))
    page.get_by_label("Account ID or account alias").fill(run.account_id)
    page.get_by_label("IAM user name").fill("erin")
    page.get_by_label("Password").fill(password)
    button("Sign in").click()
    check("sign-in: change password", button("Confirm password change"))
    page.get_by_label("Old password").fill(password)
    page.get_by_label("New password", exact=True).fill("Brand-new-Pass-77")
    page.get_by_label("Retype new password").fill("Brand-new-Pass-77")
    button("Confirm password change").click()
    check("sign-in: done", link("Next: MFA"))
    link("Next: MFA").click()

    check("mfa: device name", button("Continue"))
    button("Continue").click()
    check("mfa: codes", button("Add MFA"))

    # The secret key and the tap-to-add link come before the QR code, which is one tap away.
    key, add, qr = page.locator("#secret-key"), page.locator("a#otpauth-link"), page.locator(".qr-code svg")
    expect(key).to_be_visible()
    expect(add).to_be_visible()
    expect(qr).to_be_hidden()
    assert add.bounding_box()["y"] < page.get_by_text("Show QR code").bounding_box()["y"]
    if kind != "desktop":
        assert add.bounding_box()["y"] + add.bounding_box()["height"] <= 844 and key.bounding_box()["y"] < 844
    page.get_by_text("Show QR code").click()
    expect(qr).to_be_visible()
    qr_box = qr.bounding_box()
    assert qr_box["width"] >= 200 and qr_box["x"] + qr_box["width"] <= SCREENS[kind][0], qr_box

    # The link is exactly what the QR code encodes: issuer, account name and the secret key shown.
    href = add.get_attribute("href")
    secret = key.inner_text().replace(" ", "")
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == f"/Amazon Web Services:erin@{run.account_id}"
    assert parts.path == f"/Amazon%20Web%20Services:erin@{run.account_id}"  # percent-encoded, no raw space
    assert parse_qs(parts.query) == {"secret": [secret], "issuer": ["Amazon Web Services"]}
    assert href == otpauth_uri(secret, "erin", run.account_id)
    raw = page.request.get(page.url).text()  # the page as the server sent it (same session)
    assert qr_svg(href) in raw

    # Codes computed from the link's own secret are the ones AWS accepts.
    totp = pyotp.TOTP(parse_qs(parts.query)["secret"][0])
    now = time.time()
    page.get_by_label("MFA code 1").fill(totp.at(now - 30))
    page.get_by_label("MFA code 2").fill(totp.at(now))
    button("Add MFA").click()
    expect(page.get_by_text("MFA is on for this user.")).to_be_visible()
    check("mfa: done", link("Next: MFA sign-in"))
    link("Next: MFA sign-in").click()

    check("mfa sign-in", button("Sign in"))
    page.get_by_label("Account ID or account alias").fill(run.account_id)
    page.get_by_label("IAM user name").fill("erin")
    page.get_by_label("Password").fill("Brand-new-Pass-77")
    button("Sign in").click()
    check("mfa sign-in: code", button("Submit"))
    page.get_by_label("MFA code", exact=True).fill(totp.at(now + 30))
    button("Submit").click()
    expect(page.get_by_text("Signed in with MFA.")).to_be_visible()
    check("mfa sign-in: done", link("Next: Root user"))
    link("Next: Root user").click()

    check("root user", button("Get a practice root password"))
    button("Get a practice root password").click()
    check("root user: sign-in", button("Sign in"))
    page.get_by_label("Root user e-mail address").fill(page.locator("#root-email").inner_text())
    page.get_by_label("Password").fill(page.locator("#root-password").inner_text())
    button("Sign in").click()
    check("root user: codes", button("Add MFA"))
    root_totp = pyotp.TOTP(page.locator("#secret-key").inner_text().replace(" ", ""))
    page.get_by_label("MFA code 1").fill(root_totp.at(now - 30))
    page.get_by_label("MFA code 2").fill(root_totp.at(now))
    button("Add MFA").click()
    check("root user: access keys", button("Delete the root user's access keys"))
    button("Delete the root user's access keys").click()
    check("root user: done", link("Next: Done"))
    link("Next: Done").click()
    check("finish", page.get_by_role("button", name="Read AWS again"))

    devices = account_iam(run.account_id).list_mfa_devices(UserName="erin")["MFADevices"]
    assert [d["SerialNumber"] for d in devices] == [f"arn:aws:iam::{run.account_id}:mfa/erin"]
    # The secret never travelled in a URL the server saw.
    assert not [url for url in requested if secret in url or secret.lower() in url.lower()]
    assert len(check.seen) == 22
