"""The root user step on the sandbox: a practice root sign-in by e-mail, root MFA enrolled as the
console does (with the MFA step's diagnoses), the root access key deleted, GetAccountSummary as
the proof; wrong passwords, codes and bad input refused on their field with nothing changed."""
import html
import time

import pyotp
import pytest

from iamwizard.wizard.facts import in_words
from iamwizard.wizard.models import AwsCall, Refusal, Run, StepState
from tests.pages import Page
from tests.wizard.walk import Walker

pytestmark = pytest.mark.django_db(transaction=True)


def at_root_step(client, name="rita"):
    walker = Walker(client)
    walker.to_mfa(user_name=name)
    seed = walker.create_device(name)
    walker.enable_mfa(seed)
    walker.sign_in_with_mfa(seed)
    return walker


def state(walker):
    return Run.objects.get(pk=walker.run_id).steps.get(step="root-user")


def page_of(walker):
    return html.unescape(walker.get("root-user").content.decode())


def summary(account_iam, walker):
    found = account_iam(walker.run.account_id).get_account_summary()["SummaryMap"]
    return found["AccountMFAEnabled"], found["AccountAccessKeysPresent"]


def practice_password(walker):
    walker.post("root-user", {"action": "practice_password"})
    page = Page(walker.get("root-user"))
    return page.text("root-email"), page.text("root-password")


def test_the_whole_root_practice_ends_with_mfa_on_and_no_keys_as_aws_reports(client, account_iam):
    walker = at_root_step(client)
    assert client.get(f"/run/{walker.run_id}/")["Location"].endswith("/root-user/")
    page = page_of(walker)
    assert "Every AWS account has a root user" in page and "Get a practice root password" in page
    assert summary(account_iam, walker) == (0, 0)

    email, password = practice_password(walker)
    assert email == f"root@{walker.run.account_id}.sandbox.example"
    # The practice account's root user now has an access key, as many older accounts do.
    assert summary(account_iam, walker) == (0, 1)
    held = state(walker).result
    assert password not in str(held) and held["password"]  # sealed, never in the open

    walker.post("root-user", {"action": "root_signin", "email": email.upper(), "password": password})
    response = walker.get("root-user")
    page = html.unescape(response.content.decode())
    assert password not in page  # shown on the sign-in page only
    seed = Page(response).text("secret-key").replace(" ", "")
    assert "root-mfa@" in page and "Add MFA" in page
    assert "Use a different device name" not in page
    totp, now = pyotp.TOTP(seed), time.time()
    walker.post("root-user", {"action": "enable", "code1": totp.at(now - 30), "code2": totp.at(now)})
    assert summary(account_iam, walker) == (1, 1)
    assert bytes(Run.objects.get(pk=walker.run_id).mfa_seed_box) == b""
    page = page_of(walker)
    assert seed not in page and "It also has 1 access key" in page

    walker.post("root-user", {"action": "delete_keys"})
    assert summary(account_iam, walker) == (1, 0)
    done = state(walker)
    assert done.status == StepState.DONE
    assert done.result["session"] == "" and done.result["password"] == "" and done.result["root_mfa"] is True
    assert dict(in_words(done.result["verified"])) == {"Root user MFA": "on (AccountMFAEnabled = 1)", "Root user access keys": "none (AccountAccessKeysPresent = 0)"}
    operations = list(AwsCall.objects.filter(run_id=walker.run_id, step="root-user").values_list("operation", flat=True))
    # The keys are listed once, beside the device (one round), and deleted by the ids that list gave.
    assert operations == ["CreateVirtualMFADevice", "ListAccessKeys", "DeleteAccessKey", "GetAccountSummary"]
    page = page_of(walker)
    assert "The root user has MFA and no access keys." in page and seed not in page and password not in page
    # Done reads it from AWS, on arrival and again.
    assert client.get(f"/run/{walker.run_id}/")["Location"].endswith("/finish/")
    walker.post("finish", {"action": "refresh"})
    finish = Page(walker.get("finish")).text()
    assert "The root user has MFA (AWS reports AccountMFAEnabled = 1). Good." in finish
    assert "The root user has no access keys (AWS reports AccountAccessKeysPresent = 0). Good." in finish
    verified = dict(in_words(Run.objects.get(pk=walker.run_id).steps.get(step="finish").result["verified"]))
    assert verified["Root user MFA"] == "yes" and verified["Root user access keys"] == "none"


def test_wrong_root_password_and_another_accounts_address_are_refused_on_their_field(client, account_iam):
    walker = at_root_step(client, "rob")
    email, password = practice_password(walker)
    page = html.unescape(walker.post("root-user", {"action": "root_signin", "email": email, "password": password + "x"}, expect=400).content.decode())
    assert '<a href="#id_password">Your authentication information is incorrect. Check the e-mail address and the password.</a>' in page
    assert 'name="password"' in page and password + "x" not in page
    other = "root@000000000000.sandbox.example"
    page = html.unescape(walker.post("root-user", {"action": "root_signin", "email": other, "password": password}, expect=400).content.decode())
    assert f'<a href="#id_email">Sign in with this account\'s root e-mail address, {email}.</a>' in page
    page = html.unescape(walker.post("root-user", {"action": "root_signin", "email": "", "password": ""}, expect=400).content.decode())
    assert "This field is required." in page
    page = html.unescape(walker.post("root-user", {"action": "root_signin", "email": "x" * 400, "password": password}, expect=400).content.decode())
    assert "at most 320 characters" in page
    # Nothing changed: still at the sign-in, no device made, and the refusals are recorded without the input.
    assert state(walker).status == StepState.PENDING and not state(walker).result.get("session")
    assert account_iam(walker.run.account_id).list_virtual_mfa_devices()["VirtualMFADevices"] == [] or all(
        "root" not in d["SerialNumber"] for d in account_iam(walker.run.account_id).list_virtual_mfa_devices()["VirtualMFADevices"])
    kinds = set(Refusal.objects.filter(run_id=walker.run_id, step="root-user").values_list("kind", flat=True))
    assert {"signin.rejected", "signin.other_account"} <= kinds
    # The right password still works afterwards.
    walker.post("root-user", {"action": "root_signin", "email": email, "password": password})
    assert 'id="secret-key"' in page_of(walker)


def test_wrong_root_codes_get_the_mfa_steps_diagnoses_and_change_nothing(client, account_iam):
    walker = at_root_step(client, "rhea")
    seed = walker.root_sign_in()
    totp, now = pyotp.TOTP(seed), time.time()

    def unlock():
        Run.objects.filter(pk=walker.run_id).update(mfa_failures=0, mfa_locked_until=None)

    def codes(c1, c2, expect=400):
        page = html.unescape(walker.post("root-user", {"action": "enable", "code1": c1, "code2": c2}, expect=expect).content.decode())
        unlock()
        return page

    page = codes(totp.at(now), totp.at(now))
    assert "You typed the same code twice" in page
    page = html.unescape(walker.post("root-user", {"action": "enable", "code1": totp.at(now), "code2": totp.at(now - 30)}, expect=400).content.decode())
    assert "The codes are in the wrong order" in page and "Wait a second before you try again." in page
    # A wrong guess counts as on the MFA step: the next try waits.
    page = html.unescape(walker.post("root-user", {"action": "enable", "code1": totp.at(now - 30), "code2": totp.at(now)}, expect=400).content.decode())
    # ...on the first code field, saying that the codes were not checked, and for how long.
    assert Page(page).field_errors("code1") == [
        "These codes were not checked. After a wrong code, the wizard waits a little before it checks new codes "
        "(longer after each wrong try), to keep guessers out. Wait a second before you try again."]
    assert Page(page).error_summary()["links"][0][1] == "id_code1"
    assert "Too many" not in page
    assert summary(account_iam, walker) == (0, 1)
    unlock()
    # Code 2 exactly 14 steps (7 minutes) behind the step the server is in: timed from the clock now,
    # not from the start of the test, which a loaded machine may have left a step behind (15: "8 minutes").
    later = time.time()
    page = codes(totp.at(later - 450), totp.at(later - 420))
    assert "about 7 minutes behind" in page
    page = codes("12345", totp.at(now))
    assert "MFA code 1 must have 6 digits (this has 5)" in page
    page = codes(seed, "")
    assert "That looks like the secret key" in page
    page = codes("", "")
    assert "Enter MFA code 1" in page
    assert summary(account_iam, walker) == (0, 1)
    assert state(walker).status == StepState.PENDING
    # The page still offers the same device and its codes form; nothing was sent to the sandbox.
    assert seed == Page(walker.get("root-user")).text("secret-key").replace(" ", "")
    walker.post("root-user", {"action": "enable", "code1": totp.at(now - 30), "code2": totp.at(now)})
    assert summary(account_iam, walker) == (1, 1)


def test_a_code_the_enrolment_used_is_refused_at_the_root_sign_in(client, account_iam):
    """Signing in as root again once it has MFA (a step started over) asks for a code, and refuses
    one already accepted in its window, as AWS does."""
    walker = at_root_step(client, "remy")
    seed = walker.root_sign_in()
    totp, now = pyotp.TOTP(seed), time.time()
    walker.post("root-user", {"action": "enable", "code1": totp.at(now - 30), "code2": totp.at(now)})
    # The root sign-in is lost (as after a trainer's reset of the step): sign in again.
    walker.run.steps.filter(step="root-user").update(result={})
    email, password = practice_password(walker)
    walker.post("root-user", {"action": "root_signin", "email": email, "password": password})
    page = page_of(walker)
    assert 'name="mfa_code"' in page and "root-mfa@" in page
    page = html.unescape(walker.post("root-user", {"action": "root_code", "mfa_code": totp.at(now)}, expect=400).content.decode())
    assert "That code was already used" in page
    # A wrong code counts: the code sent at once after it is refused unchecked, on the code field.
    near = {totp.at(now + 30 * k) for k in range(-2880, 2881)}
    wrong = next(c for c in (f"{n:06d}" for n in range(1000000)) if c not in near)
    page = html.unescape(walker.post("root-user", {"action": "root_code", "mfa_code": wrong}, expect=400).content.decode())
    assert Page(page).field_errors("mfa_code")[0].endswith(" Wait a second before you try again.")
    raw = walker.post("root-user", {"action": "root_code", "mfa_code": totp.at(now + 30)}, expect=400).content.decode()
    page = html.unescape(raw)
    assert Page(page).field_errors("mfa_code") == [
        "This code was not checked. After a wrong code, the wizard waits a little before it checks new codes "
        "(longer after each wrong try), to keep guessers out. Wait a second before you try again."]
    assert Page(page).error_summary()["links"][0][1] == "id_mfa_code"
    assert Page(raw).countdown() == (1, [[1, "Wait a second before you try again."]], "You can try again now.", True)
    Run.objects.filter(pk=walker.run_id).update(mfa_locked_until=None)
    walker.post("root-user", {"action": "root_code", "mfa_code": totp.at(now + 30)})
    page = page_of(walker)
    assert "It also has 1 access key" in page
    walker.post("root-user", {"action": "delete_keys"})
    assert summary(account_iam, walker) == (1, 0) and state(walker).status == StepState.DONE


def test_a_stale_or_foreign_action_is_answered_by_the_current_stage_never_a_500(client):
    walker = at_root_step(client, "ravi")
    # Codes before any sign-in: the page's current form (the practice password) answers.
    response = client.post(walker.url("root-user"), {"action": "enable", "code1": "123456", "code2": "654321"})
    assert response.status_code in (302, 200, 400)
    response = client.post(walker.url("root-user"), {"action": "delete_keys"})
    assert response.status_code in (302, 200, 400)
    assert state(walker).status != StepState.DONE


def test_once_done_the_step_offers_nothing_and_a_stray_submit_changes_nothing(client, account_iam):
    walker = at_root_step(client, "rory")
    walker.secure_root()
    assert state(walker).status == StepState.DONE
    page = page_of(walker)
    assert 'name="action"' not in page.split("Confirmed by AWS")[0]
    for action in ("practice_password", "delete_keys", "enable", ""):
        assert client.post(walker.url("root-user"), {"action": action}).status_code in (302, 200)
    assert state(walker).status == StepState.DONE and summary(account_iam, walker) == (1, 0)
    assert not state(walker).result.get("password")  # no new practice password was made
