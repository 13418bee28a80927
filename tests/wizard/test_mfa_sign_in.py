"""The last practice sign-in: the password, then the code of the enabled device, checked by the sandbox."""
import html
import time

import pyotp
import pytest

from iamwizard.wizard.facts import in_words
from iamwizard.wizard.models import AwsCall, Run, StepState
from iamwizard.wizard.models import Refusal
from tests.pages import Page
from tests.wizard.walk import Walker

pytestmark = pytest.mark.django_db(transaction=True)


def enrolled(client, name="mona"):
    walker = Walker(client)
    walker.to_mfa(user_name=name)
    seed = walker.create_device(name)
    now = time.time()
    walker.enable_mfa(seed, at=now)
    walker.enrolled_at = now
    return walker, seed


def state(walker):
    return Run.objects.get(pk=walker.run_id).steps.get(step="mfa-sign-in")


def password_page(walker):
    return walker.post("mfa-sign-in", {"action": "signin", "account": walker.run.account_id, "user_name": walker.user_name(), "password": walker.new_password})


def code(walker, value, expect=302):
    return html.unescape(walker.post("mfa-sign-in", {"action": "code", "mfa_code": value}, expect=expect).content.decode())


def test_enabling_mfa_leads_to_the_mfa_sign_in_which_asks_for_a_code_after_the_password(client, account_iam):
    walker, seed = enrolled(client)
    assert client.get(f"/run/{walker.run_id}/")["Location"].endswith("/mfa-sign-in/")
    assert state(walker).status == StepState.PENDING
    password_page(walker)
    page = walker.get("mfa-sign-in").content.decode()
    assert 'name="mfa_code"' in page and 'name="password"' not in page
    # The challenge the console gave is held sealed, never in the open.
    held = state(walker).result["challenge"]
    assert held and "challenge" not in page.lower().split("mfa_code")[0][-50:]
    code(walker, pyotp.TOTP(seed).at(walker.enrolled_at + 30))

    done = state(walker)
    assert done.status == StepState.DONE and done.result["challenge"] == "" and done.result["mfa_authenticated"] is True
    labels = dict(in_words(done.result["verified"]))
    assert labels["Signed in with"] == "the password and an MFA code"
    # The read-back: PasswordLastUsed after the device's EnableDate (the root user's state is the
    # next step's business: it reads it after its own work, for Done too).
    operations = list(AwsCall.objects.filter(run_id=walker.run_id, step="mfa-sign-in").values_list("operation", flat=True))
    assert operations == ["GetUser", "ListMFADevices"]
    iam = account_iam(walker.run.account_id)
    device = iam.list_mfa_devices(UserName="mona")["MFADevices"][0]
    assert iam.get_user(UserName="mona")["User"]["PasswordLastUsed"] >= device["EnableDate"].replace(microsecond=0)
    # Next: the root user, then Done.
    assert client.get(f"/run/{walker.run_id}/")["Location"].endswith("/root-user/")
    assert "Secure the root user" in walker.get("root-user").content.decode()


def test_the_code_just_used_to_enable_the_device_is_refused(client):
    walker, seed = enrolled(client)
    password_page(walker)
    page = code(walker, pyotp.TOTP(seed).at(walker.enrolled_at), expect=400)
    assert "That code was already used" in page
    assert state(walker).status == StepState.PENDING
    # The person waits for the next code: accepted; it is then spent too.
    code(walker, pyotp.TOTP(seed).at(walker.enrolled_at + 30))
    assert state(walker).status == StepState.DONE
    kinds = list(Refusal.objects.filter(run_id=walker.run_id, step="mfa-sign-in").values_list("kind", flat=True))
    assert kinds == ["mfa.code_reused"]


def test_a_phone_clock_that_is_off_and_a_wrong_code_get_the_enrolment_diagnoses(client):
    walker, seed = enrolled(client)
    password_page(walker)
    page = code(walker, pyotp.TOTP(seed).at(time.time() + 4 * 60), expect=400)
    assert "your phone's clock is about 4 minutes ahead" in page
    # A counted wrong code: the one-second wait that follows is said on the code field too.
    assert Page(page).field_errors("mfa_code")[0].endswith(" Wait a second before you try again.")
    totp = pyotp.TOTP(seed)
    near = {totp.at(time.time() + 30 * k) for k in range(-2880, 2881)}
    wrong = next(c for c in (f"{n:06d}" for n in range(1000000)) if c not in near)
    raw = walker.post("mfa-sign-in", {"action": "code", "mfa_code": wrong}, expect=400).content.decode()
    page = html.unescape(raw)
    # One wrong code: a second's wait. The refusal says so on the code field (and in the summary,
    # linking to it), and does not call the code wrong: it was not checked.
    assert Page(page).field_errors("mfa_code") == [
        "This code was not checked. After a wrong code, the wizard waits a little before it checks new codes "
        "(longer after each wrong try), to keep guessers out. Wait a second before you try again."]
    assert Page(page).field_errors(None) == []
    # The wait counts down on the page (the browser test: tests/browser/test_narrow_screen_browser.py).
    assert Page(raw).countdown() == (1, [[1, "Wait a second before you try again."]], "You can try again now.", True)
    assert Page(page).error_summary()["links"][0] == (Page(page).field_errors("mfa_code")[0], "id_mfa_code")
    assert "Too many" not in page and "doesn't match" not in page
    Run.objects.filter(pk=walker.run_id).update(mfa_locked_until=None)
    page = code(walker, wrong, expect=400)
    assert "That code doesn't match the user's MFA device" in page and 'the entry named "mona"' in page
    Run.objects.filter(pk=walker.run_id).update(mfa_locked_until=None)
    page = code(walker, "12345", expect=400)
    assert "MFA code must have 6 digits (this has 5)" in page
    kinds = list(Refusal.objects.filter(run_id=walker.run_id, step="mfa-sign-in").order_by("id").values_list("kind", flat=True))
    assert kinds == ["mfa.clock_off", "mfa.locked", "mfa.sign_in_invalid", "mfa.code_length"]
    # Two counted wrong codes: the second made the next try wait, as on the MFA step.
    assert Run.objects.get(pk=walker.run_id).mfa_failures == 2


def test_wrong_password_and_an_expired_challenge(client):
    walker, seed = enrolled(client)
    page = walker.post("mfa-sign-in", {"action": "signin", "account": walker.run.account_id, "user_name": "mona", "password": "not-it"}, expect=400).content.decode()
    assert "Your authentication information is incorrect" in page
    password_page(walker)
    # The sandbox forgot the challenge (restarted, or five minutes went by): the password again.
    s = state(walker)
    from iamwizard.wizard import vault
    s.result = {**s.result, "challenge": vault.seal("not-a-challenge-the-sandbox-gave").decode()}
    s.save()
    page = code(walker, pyotp.TOTP(seed).at(walker.enrolled_at + 30), expect=400)
    assert "Sign in again with the password" in page
    assert 'name="password"' in walker.get("mfa-sign-in").content.decode()
    password_page(walker)
    code(walker, pyotp.TOTP(seed).at(walker.enrolled_at + 30))
    assert state(walker).status == StepState.DONE
