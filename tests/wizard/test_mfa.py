"""The MFA step against the real sandbox server: diagnostics before AWS, nothing thrown away, throttling.

Codes are computed with pyotp for chosen moments; the step's clock (`steps.mfa.clock`) is
replaced so that "now" is exactly where each test wants it.
"""
import html
import re
import time

import pyotp
import pytest

from iamwizard.core.totp import otpauth_uri, qr_svg
from iamwizard.wizard.models import AwsCall, Run
from iamwizard.wizard.steps import mfa as mfa_step
from tests.pages import Page
from tests.wizard.walk import Walker

pytestmark = pytest.mark.django_db(transaction=True)


class FakeClock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    """The step's clock, frozen in the middle of the current 30 s window until a test moves it."""
    fake = FakeClock((int(time.time()) // 30) * 30 + 15)
    monkeypatch.setattr(mfa_step, "clock", fake)
    return fake


@pytest.fixture
def walker(client):
    walker = Walker(client)
    walker.to_mfa(user_name="alice")
    return walker


def run_of(walker) -> Run:
    return Run.objects.get(pk=walker.run_id)


def calls(walker, operation=None):
    rows = AwsCall.objects.filter(run_id=walker.run_id, step="mfa")
    return list(rows.filter(operation=operation) if operation else rows)


def codes_errors(page: str) -> dict:
    """Errors shown in the codes form: {"code1": [...], "code2": [...], None: [...] (form level)}."""
    form = Page(page).by_id("mfa-codes")
    return {name: form.field_errors(name) for name in (None, "code1", "code2")}


def shown_secret(page: str) -> str:
    return Page(page).text("secret-key")


def qr_code(page: str) -> list:
    """The page's QR code: every element of its <svg>, with its attributes (the path data)."""
    svg = Page(page).find("svg")
    return [(element.tag, element.attrs) for element in (svg, *svg.iter())]


def post_codes(walker, code1, code2, expect):
    return walker.post("mfa", {"action": "enable", "code1": code1, "code2": code2}, expect=expect)


# --- the device and its QR code ----------------------------------------------------


def test_device_name_defaults_to_the_user_name_with_a_reason(walker):
    page = walker.get("mfa").content.decode()
    assert Page(page).find("input", name="device_name")["value"] == "alice"
    assert "so you can tell devices apart later" in page
    assert calls(walker) == []  # nothing made in AWS before the newcomer presses Continue


def test_qr_code_and_secret_key_name_the_device_and_account(client, account_iam):
    walker = Walker(client)
    start = walker.start

    def start_in_an_account_with_an_alias():
        response = start()
        account_iam(run_of(walker).account_id).create_account_alias(AccountAlias="example-corp")
        return response

    walker.start = start_in_an_account_with_an_alias  # before Connect reads the alias
    walker.to_mfa(user_name="alice")

    seed = walker.create_device("alice-phone")
    page = walker.get("mfa").content.decode()

    uri = otpauth_uri(seed, "alice-phone", "example-corp")
    assert uri.startswith("otpauth://totp/Amazon%20Web%20Services:alice-phone@example-corp?secret=")
    assert "issuer=Amazon%20Web%20Services" in uri
    assert qr_svg(uri) in page  # the SVG on the page encodes exactly this URI
    # ...and the tap-to-add link for an app on the same phone is that same URI (an otpauth: link never reaches the server).
    assert [link["href"] for link in Page(page).find_all(id="otpauth-link")] == [uri]
    assert "alice-phone@example-corp" in page
    assert re.fullmatch(r"([A-Z2-7]{4} )*[A-Z2-7]{1,4}", shown_secret(page))
    assert shown_secret(page).replace(" ", "") == seed


# --- diagnostics, computed locally before any AWS call -------------------------------

T = pyotp.TOTP


DIAGNOSES = {
    # name: (codes from (totp, now, seed), where the message goes, words it must contain)
    "same code twice": (lambda t, n, s: (t.at(n), t.at(n)), "code2", "same code twice"),
    "reversed": (lambda t, n, s: (t.at(n), t.at(n - 30)), None, "wrong order"),
    "not consecutive": (lambda t, n, s: (t.at(n - 90), t.at(n)), None, "two codes in a row"),
    "phone 5 minutes ahead": (lambda t, n, s: (t.at(n + 270), t.at(n + 300)), None, "about 5 minutes ahead"),
    "phone 7 minutes behind": (lambda t, n, s: (t.at(n - 450), t.at(n - 420)), None, "about 7 minutes behind"),
    "secret key pasted": (lambda t, n, s: (s, t.at(n)), "code1", "looks like the secret key"),
    "grouped secret key pasted": (lambda t, n, s: (t.at(n - 30), " ".join(s[i:i + 4] for i in range(0, len(s), 4))), "code2", "looks like the secret key"),
    "five digits": (lambda t, n, s: (t.at(n - 30), t.at(n)[:5]), "code2", "must have 6 digits"),
    "eight digits": (lambda t, n, s: ("23456723", t.at(n)), "code1", "must have 6 digits (this has 8)"),
    "letters": (lambda t, n, s: ("12a456", t.at(n)), "code1", "no letters or symbols"),
    "empty": (lambda t, n, s: ("", ""), "code1", "Enter MFA code 1"),
    "typo in code 2": (lambda t, n, s: (t.at(n - 30), f"{(int(t.at(n)) + 1) % 10**6:06d}"), "code2", "MFA code 2 doesn't match"),
    "another app entry": (lambda t, n, s: (T(pyotp.random_base32()).at(n - 30), T(pyotp.random_base32()).at(n)), None, 'entry named "alice"'),
}


@pytest.mark.parametrize("case", list(DIAGNOSES))
def test_each_diagnosis_shows_on_the_right_field_and_aws_is_not_called(walker, clock, case):
    seed = walker.create_device("alice")
    serial = run_of(walker).steps.get(step="mfa").result["serial"]
    make, field, words = DIAGNOSES[case]
    code1, code2 = make(pyotp.TOTP(seed), clock.now, seed)
    if case == "typo in code 2":  # the altered code must not be valid at some nearby moment by chance
        assert code2 not in {pyotp.TOTP(seed).at(clock.now + 30 * k) for k in range(-12, 13)}

    page = post_codes(walker, code1, code2, expect=400).content.decode()

    errors = codes_errors(page)
    assert any(words in message for message in errors[field]), errors
    others = [m for key, messages in errors.items() if key != field for m in messages]
    assert others == [], errors
    assert calls(walker, "EnableMFADevice") == []
    run = run_of(walker)
    assert run.steps.get(step="mfa").status == "pending"
    assert run.steps.get(step="mfa").result["serial"] == serial
    assert shown_secret(page).replace(" ", "") == seed  # same device, same QR code
    for message in sum(errors.values(), []):
        assert seed not in message and (not code1 or code1 not in message)


def test_clock_drift_message_says_how_to_fix_the_phone(walker, clock):
    seed = walker.create_device("alice")
    totp = pyotp.TOTP(seed)
    page = post_codes(walker, totp.at(clock.now - 3 * 3600 - 30), totp.at(clock.now - 3 * 3600), expect=400).content.decode()
    message = codes_errors(page)[None][0]
    assert "3 hours" in message and "behind" in message
    assert "automatic date & time" in message and "time zone" in message


def test_codes_right_by_the_wizard_but_refused_by_aws_keep_the_device(walker, clock):
    """The step's clock 10 minutes late: the wizard accepts the pair, the sandbox (real time) refuses it."""
    seed = walker.create_device("alice")
    clock.now = time.time() - 600
    totp = pyotp.TOTP(seed)
    page = post_codes(walker, totp.at(clock.now - 30), totp.at(clock.now), expect=400).content.decode()
    assert "AWS didn't accept the MFA codes" in codes_errors(page)[None][0]
    assert [c.error_code for c in calls(walker, "EnableMFADevice")] == ["InvalidAuthenticationCode"]
    run = run_of(walker)
    assert run.mfa_failures == 1
    assert shown_secret(page).replace(" ", "") == seed
    clock.now = time.time() + 1
    walker.enable_mfa(seed)
    assert run_of(walker).steps.get(step="mfa").status == "done"


# --- nothing thrown away --------------------------------------------------------------


def test_wrong_code_and_leaving_keep_the_same_device_and_qr_code(walker, clock, account_iam):
    clock.now = time.time()  # real time: the sandbox checks the final codes against its own clock
    seed = walker.create_device("alice")
    first_page = walker.get("mfa").content.decode()
    totp = pyotp.TOTP(seed)
    post_codes(walker, totp.at(clock.now), totp.at(clock.now - 30), expect=400)

    # Leave (another page, the resume link, a fresh browser) and come back.
    walker.get("connect")
    page = walker.open_in_fresh_browser().content.decode()
    assert shown_secret(page) == shown_secret(first_page)
    assert qr_code(page) == qr_code(first_page)

    # Pressing "create" again with the same name keeps the device too.
    walker.post("mfa", {"action": "create_device", "device_name": "alice"})
    assert shown_secret(walker.get("mfa").content.decode()).replace(" ", "") == seed
    assert len(calls(walker, "CreateVirtualMFADevice")) == 1

    clock.advance(1)  # past the 1 s lock of the wrong pair
    walker.enable_mfa(seed)
    devices = account_iam(run_of(walker).account_id).list_mfa_devices(UserName="alice")["MFADevices"]
    assert [d["SerialNumber"].rsplit("/", 1)[-1] for d in devices] == ["alice"]


def test_resume_link_comes_back_to_the_same_qr_code(walker):
    seed = walker.create_device("alice")
    response = walker.open_in_fresh_browser()
    assert response.redirect_chain[-1][0].endswith("/mfa/")
    assert shown_secret(response.content.decode()).replace(" ", "") == seed


def test_renaming_replaces_the_unused_device(walker, account_iam):
    first = walker.create_device("alice")
    second = walker.create_device("alice-phone")
    assert second != first
    iam = account_iam(run_of(walker).account_id)
    names = [d["SerialNumber"].rsplit("/", 1)[-1] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]]
    assert names == ["alice-phone"]  # the first, never enabled, was removed rather than left behind
    walker.enable_mfa(second)
    assert [d["SerialNumber"].rsplit("/", 1)[-1] for d in iam.list_mfa_devices(UserName="alice")["MFADevices"]] == ["alice-phone"]


def test_orphan_unassigned_device_from_an_earlier_try_is_replaced(walker, account_iam):
    iam = account_iam(run_of(walker).account_id)
    orphan = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    orphan_seed = orphan["Base32StringSeed"].decode()

    seed = walker.create_device("alice")

    assert seed != orphan_seed
    assert [(c.operation, c.ok) for c in calls(walker)] == [
        ("CreateVirtualMFADevice", False), ("ListVirtualMFADevices", True),
        ("DeleteVirtualMFADevice", True), ("CreateVirtualMFADevice", True),
    ]
    devices = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in devices] == [orphan["SerialNumber"]]  # same name, new device
    walker.enable_mfa(seed)  # the page's seed is the one AWS holds now
    assert len(iam.list_mfa_devices(UserName="alice")["MFADevices"]) == 1


def test_name_of_another_users_assigned_device_is_a_field_error(walker, account_iam):
    iam = account_iam(run_of(walker).account_id)
    iam.create_user(UserName="bob")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    totp = pyotp.TOTP(device["Base32StringSeed"].decode())
    now = time.time()
    iam.enable_mfa_device(UserName="bob", SerialNumber=device["SerialNumber"], AuthenticationCode1=totp.at(now - 30), AuthenticationCode2=totp.at(now))

    page = walker.post("mfa", {"action": "create_device", "device_name": "alice"}, expect=400).content.decode()

    message = " ".join(Page(page).field_errors("device_name"))
    assert "another user (bob)" in message and "Choose another name" in message
    assert calls(walker, "DeleteVirtualMFADevice") == []  # bob's device is untouched
    assert iam.list_mfa_devices(UserName="bob")["MFADevices"][0]["SerialNumber"] == device["SerialNumber"]
    walker.enable_mfa(walker.create_device("alice-phone"))


# --- throttling -------------------------------------------------------------------------


def test_lock_grows_like_django_otp_and_is_capped():
    assert [mfa_step.lock_seconds(n) for n in range(0, 6)] == [0, 1, 2, 4, 8, 16]
    assert mfa_step.lock_seconds(40) == mfa_step.THROTTLE_CAP_SECONDS == 300
    assert mfa_step.duration_words(1) == "1 second"
    assert mfa_step.duration_words(128) == "2 minutes 8 seconds"
    assert [mfa_step.wait_words(n) for n in (0, 1, 2, 59, 128)] == [
        "Wait a second before you try again.", "Wait a second before you try again.", "Try again in 2 seconds.", "Try again in 59 seconds.",
        "Try again in 2 minutes 8 seconds."]


def test_the_countdown_carries_each_second_of_the_last_minute_and_every_ten_seconds_above_it():
    """The longest wait (5 minutes) must not put 300 sentences on the page, twice: above a minute the
    script shows the wait rounded up to ten seconds (never less than the truth), and the exact wait first."""
    longest = mfa_step.countdown_words(mfa_step.THROTTLE_CAP_SECONDS)
    assert len(longest) == 60 + 24
    assert longest[0] == [1, "Wait a second before you try again."] and longest[-1] == [300, "Try again in 5 minutes."]
    assert [up_to for up_to, _ in longest] == sorted(up_to for up_to, _ in longest)
    odd = mfa_step.countdown_words(128)
    assert [up_to for up_to, _ in odd][-8:] == [60, 70, 80, 90, 100, 110, 120, 128]
    assert odd[-1][1] == mfa_step.wait_words(128) and all(sentence == mfa_step.wait_words(up_to) for up_to, sentence in odd)
    assert [up_to for up_to, _ in mfa_step.countdown_words(32)] == list(range(1, 33))


def test_wrong_codes_lock_for_longer_each_time_without_calling_aws(walker, clock):
    clock.now = time.time()
    seed = walker.create_device("alice")
    totp = pyotp.TOTP(seed)

    def wrong():
        return post_codes(walker, totp.at(clock.now - 90), totp.at(clock.now), expect=400).content.decode()

    def right(expect):
        return post_codes(walker, totp.at(clock.now - 30), totp.at(clock.now), expect=expect)

    page = wrong()
    assert run_of(walker).mfa_failures == 1
    # Even the first, one-second wait is said, with the diagnosis.
    assert codes_errors(page)[None][0].endswith("two codes in a row: after typing the first, wait for the next one and type it at once. "
                                                "Wait a second before you try again.")
    page = right(400).content.decode()
    errors = codes_errors(page)
    # Refused for the wait, on the first code field and in the summary linking to it; nothing says the codes are wrong.
    assert errors[None] == [] and errors["code2"] == []
    assert errors["code1"] == ["These codes were not checked. After a wrong code, the wizard waits a little before it checks new codes "
                               "(longer after each wrong try), to keep guessers out. Wait a second before you try again."]
    assert (errors["code1"][0], "id_code1") in Page(page).error_summary()["links"]
    assert "wrong codes in a row" not in page and "Too many" not in page
    clock.advance(1)
    page = wrong()
    assert codes_errors(page)[None][0].endswith(" Try again in 2 seconds.")
    clock.advance(1)
    assert codes_errors(right(400).content.decode())["code1"][0].endswith("not checked. After a wrong code, the wizard waits a little before it "
                                                                         "checks new codes (longer after each wrong try), to keep guessers out. Wait a second before you try again.")
    clock.advance(1)
    wrong()
    run = run_of(walker)
    assert run.mfa_failures == 3
    assert run.mfa_locked_until.timestamp() == pytest.approx(clock.now + 4)
    # Typos that say nothing about the key neither count nor help while locked.
    clock.advance(4)
    post_codes(walker, totp.at(clock.now), totp.at(clock.now), expect=400)
    assert run_of(walker).mfa_failures == 3
    clock.advance(-4)
    # The page itself says when to try again, and no code reached AWS meanwhile.
    assert "Try again in 4 seconds." in html.unescape(walker.get("mfa").content.decode())
    clock.advance(3)
    assert codes_errors(right(400).content.decode())["code1"][0].endswith(" Wait a second before you try again.")
    clock.advance(-3)
    assert calls(walker, "EnableMFADevice") == []

    clock.advance(4)
    right(302)
    run = run_of(walker)
    assert run.steps.get(step="mfa").status == "done"
    assert (run.mfa_failures, run.mfa_locked_until) == (0, None)
    assert len(calls(walker, "EnableMFADevice")) == 1


# --- after success ------------------------------------------------------------------------


def test_success_is_read_back_seed_erased_and_second_device_suggested(walker, account_iam):
    seed = walker.create_device("alice")
    walker.enable_mfa(seed)

    run = run_of(walker)
    assert bytes(run.mfa_seed_box) == b""
    assert [c.operation for c in calls(walker)][-2:] == ["EnableMFADevice", "ListMFADevices"]
    enable = calls(walker, "EnableMFADevice")[0]
    assert enable.parameters["AuthenticationCode1"] == enable.parameters["AuthenticationCode2"] == "[redacted]"
    for call in calls(walker):
        assert seed not in str(call.parameters)
    page = html.unescape(walker.get("mfa").content.decode())
    # The ARN may wrap at its colons and slashes (<wbr>, the soft_breaks filter), and reads whole.
    assert f"arn:<wbr>aws:<wbr>iam::<wbr>{run.account_id}:<wbr>mfa/<wbr>alice" in page
    assert "Confirmed by AWS" in page and f"arn:aws:iam::{run.account_id}:mfa/alice" in Page(page).by_id("verified").text
    assert "up to 8 MFA devices per user" in page and "second one" in page
    assert "1 of at most 8" in page
    assert seed not in page and 'id="secret-key"' not in page and "<svg" not in page
    # Frozen: posting again changes nothing and calls nothing.
    before = len(calls(walker))
    walker.post("mfa", {"action": "create_device", "device_name": "other"})
    assert len(calls(walker)) == before
    assert account_iam(run.account_id).list_mfa_devices(UserName="alice")["MFADevices"][0]["SerialNumber"].endswith("/alice")


def test_finish_page_explains_root_mfa_and_reports_it(walker):
    walker.enable_mfa_and_sign_in(walker.create_device("alice"))
    page = Page(walker.client.get(f"/run/{walker.run_id}/finish/"))
    summary_calls = AwsCall.objects.filter(run_id=walker.run_id, step="root-user", operation="GetAccountSummary")  # the proof, read for this page too
    assert summary_calls.exists()
    assert not AwsCall.objects.filter(run_id=walker.run_id, step="finish").exists()
    # The root user step gave the sandbox's root user MFA and deleted its key: Done reads it from AWS.
    assert "The root user has MFA (AWS reports AccountMFAEnabled = 1). Good." in page.text()
    assert page.definition("Root user MFA") == "yes" and page.definition("Root user access keys") == "none"
    # (Without root MFA, Done gives the console's steps: tests/wizard/test_real_account.py.)
