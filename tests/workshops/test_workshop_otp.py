"""Trainer pages and the admin refuse every session that has not passed the TOTP step."""
import io
import re
import time

import pyotp
import pytest
from base64 import b32encode
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from iamwizard.workshops.models import Participant, Workshop
from tests.pages import Page
from tests.workshops.helpers import PASSWORD, join, make_trainer, verify_session

pytestmark = pytest.mark.django_db


def trainer_get_urls(workshop, participant=None, record=None):
    pk = workshop.pk
    urls = [
        "/trainer/", "/trainer/workshops/new/", f"/trainer/workshops/{pk}/", f"/trainer/workshops/{pk}/live/",
        f"/trainer/workshops/{pk}/cleanup/", f"/trainer/workshops/{pk}/export.csv", f"/trainer/workshops/{pk}/summary/",
        f"/trainer/workshops/{pk}/lockouts/",
    ]
    if participant:
        urls.append(f"/trainer/workshops/{pk}/participants/{participant.pk}/reset/")
    if record:
        urls.append(f"/trainer/workshops/{pk}/cleanups/{record.pk}/")
    return urls


def trainer_post_urls(workshop, participant):
    pk = workshop.pk
    return [f"/trainer/workshops/{pk}/close/", f"/trainer/workshops/{pk}/cleanup/",
            f"/trainer/workshops/{pk}/participants/{participant.pk}/reset/", "/trainer/workshops/new/",
            f"/trainer/workshops/{pk}/lockouts/lift/"]


@pytest.fixture
def filled(client, workshop, trainer):
    """A workshop with one participant and one (empty) cleanup report."""
    from django.test import Client

    run_id = join(Client(), workshop)
    participant = Participant.objects.get(run_id=run_id)
    record = workshop.cleanups.create(scope="test", sections=[])
    return workshop, participant, record


def test_anonymous_is_sent_to_the_login(client, filled):
    workshop, participant, record = filled
    for url in trainer_get_urls(workshop, participant, record):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/trainer/login/?next="), url


def test_password_alone_is_not_enough_on_any_trainer_page(client, filled, trainer):
    workshop, participant, record = filled
    client.force_login(trainer[0])  # signed in with the password, no OTP yet
    for url in trainer_get_urls(workshop, participant, record):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/trainer/otp/?next="), url
    for url in trainer_post_urls(workshop, participant):
        response = client.post(url, {"title": "x"})
        assert response.status_code == 302 and response["Location"].startswith("/trainer/otp/?next="), url
    workshop.refresh_from_db()
    assert workshop.closed_at is None and workshop.cleanups.count() == 1 and Workshop.objects.count() == 1


def test_verified_trainer_sees_every_page(client, filled, trainer):
    workshop, participant, record = filled
    verify_session(client, *trainer)
    for url in trainer_get_urls(workshop, participant, record):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url


def test_admin_demands_a_verified_staff_session(client, django_user_model):
    user, device = make_trainer(django_user_model, "root", is_staff=True, is_superuser=True)
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert client.get("/admin/login/?next=/admin/")["Location"].startswith("/trainer/login/?next=%2Fadmin%2F")
    client.force_login(user)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/trainer/otp/?next=%2Fadmin%2F")
    assert client.get("/admin/auth/user/").status_code == 302
    verify_session(client, user, device)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/workshops/workshop/").status_code == 200


def test_admin_refuses_a_verified_trainer_who_is_not_staff(client, trainer):
    verify_session(client, *trainer)
    assert client.get("/admin/login/").status_code == 403


def test_first_login_enrols_an_authenticator_with_a_qr_code(client, django_user_model):
    django_user_model.objects.create_user(username="newbie", password=PASSWORD)
    response = client.post("/trainer/login/", {"username": "newbie", "password": PASSWORD, "next": "/trainer/workshops/new/"})
    assert response.status_code == 302 and response["Location"].startswith("/trainer/otp/")
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and page["Cache-Control"] == "no-store"
    device = TOTPDevice.objects.get(user__username="newbie")
    assert not device.confirmed
    seed = b32encode(device.bin_key).decode()
    shown = Page(html).text("secret-key").replace(" ", "")
    assert shown == seed.rstrip("=")
    # A reload shows the same device, so the scanned entry stays valid.
    client.get("/trainer/otp/")
    assert TOTPDevice.objects.filter(user__username="newbie").count() == 1

    wrong = client.post("/trainer/otp/", {"token": "000000" if pyotp.TOTP(seed).now() != "000000" else "111111"})
    # Wrong, and django-otp now waits a second before it checks another code: both said, on the field.
    assert wrong.status_code == 400 and Page(wrong.content.decode()).field_errors("token") == [
        "That code is not right. Type the 6-digit code your authenticator app shows now. Wait a second before you try again."]
    assert client.get("/trainer/").status_code == 302
    throttled = client.post("/trainer/otp/", {"token": pyotp.TOTP(seed).now()})
    # The right code, sent during that second: not checked, and the words say so rather than "wrong".
    assert throttled.status_code == 400 and Page(throttled.content.decode()).field_errors("token") == [
        "That code was not checked: after a wrong code, the sign-in waits a little before it checks the next one "
        "(longer after each wrong try), to keep guessers out. Wait a second before you try again."]
    assert "not right" not in throttled.content.decode() and "Too many" not in throttled.content.decode()
    assert Page(throttled.content.decode()).countdown() == (1, [[1, "Wait a second before you try again."]], "You can try again now.", True)
    time.sleep(2.1)

    done = client.post("/trainer/otp/", {"token": pyotp.TOTP(seed).now(), "next": "/trainer/workshops/new/"})
    assert done.status_code == 302 and done["Location"] == "/trainer/workshops/new/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/trainer/").status_code == 200


def test_later_login_asks_for_the_code_without_showing_the_secret(client, trainer):
    user, device = trainer
    client.post("/trainer/login/", {"username": user.username, "password": PASSWORD})
    page = client.get("/trainer/otp/").content.decode()
    assert "<svg" not in page and b32encode(device.bin_key).decode().rstrip("=") not in page
    code = pyotp.TOTP(b32encode(device.bin_key).decode()).at(time.time())
    response = client.post("/trainer/otp/", {"token": code, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/trainer/"  # no open redirect
    assert client.get("/trainer/").status_code == 200


def test_a_longer_wait_says_how_many_seconds_and_the_summary_links_to_the_code(client, trainer):
    """After several wrong codes django-otp waits 2^(n-1) seconds: the page says how long, on the code field."""
    from django.utils import timezone
    user, device = trainer
    client.post("/trainer/login/", {"username": user.username, "password": PASSWORD})
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=4, throttling_failure_timestamp=timezone.now())
    code = pyotp.TOTP(b32encode(device.bin_key).decode()).at(time.time())
    page = Page(client.post("/trainer/otp/", {"token": code}).content.decode())
    [error] = page.field_errors("token")
    assert re.search(r"not checked: .* Try again in [78] seconds\.$", error), error
    assert page.error_summary()["links"] == [(error, "id_token")]
    # A wrong code now (the wait over) says it is wrong, and the longer wait that follows (16 s).
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timezone.timedelta(seconds=60))
    wrong = "000000" if code != "000000" else "111111"
    [error] = Page(client.post("/trainer/otp/", {"token": wrong}).content.decode()).field_errors("token")
    assert re.search(r"^That code is not right\. .* Try again in 1[56] seconds\.$", error), error


def _sign_in(client, password, username="trina"):
    return client.post("/trainer/login/", {"username": username, "password": password})


def test_failed_sign_ins_are_limited_per_user_name(client, trainer, settings, django_user_model):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "trainer-login-user": (3, 600)}
    for _ in range(3):
        assert _sign_in(client, "nope").status_code == 400
    blocked = _sign_in(client, PASSWORD)
    text = blocked.content.decode()
    assert blocked.status_code == 429 and "You were not signed in" in text and "Try again after" in text
    assert "3 wrong passwords were tried for this user name" in text and 0 < int(blocked["Retry-After"]) <= 600
    assert "_auth_user_id" not in client.session
    # From another address too: the lock is on the user name.
    assert _sign_in(Client(REMOTE_ADDR="203.0.113.50"), PASSWORD).status_code == 429
    # Another trainer's name is not locked.
    make_trainer(django_user_model, username="tom")
    assert _sign_in(client, PASSWORD, username="tom").status_code == 302


def test_failed_sign_ins_are_limited_per_address_far_above_a_room(client, trainer, settings):
    limit, _ = settings.RATE_LIMITS["trainer-login-address"]
    assert limit >= 50  # a room sharing the trainer's address mistypes far less than this
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "trainer-login-address": (5, 600)}
    for i in range(5):  # a script trying a different name each time
        assert _sign_in(client, "nope", username=f"user{i}").status_code == 400
    blocked = _sign_in(client, PASSWORD)
    assert blocked.status_code == 429 and "5 wrong passwords were tried from your network" in blocked.content.decode()
    assert _sign_in(Client(REMOTE_ADDR="203.0.113.50"), PASSWORD).status_code == 302


def test_the_room_cannot_lock_the_trainer_out_of_their_own_browser(trainer, settings, django_user_model):
    """Mischief from the room (same address, the trainer's user name) does not refuse the browser
    where the trainer signed in before; that browser's own failures still count."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "trainer-login-user": (3, 600), "trainer-login-address": (5, 600)}
    trainers_browser = Client()
    assert _sign_in(trainers_browser, PASSWORD).status_code == 302
    cookie = trainers_browser.cookies["trainer_browser"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and "trina" not in cookie.value
    trainers_browser.post("/trainer/logout/")
    mischief = Client()
    for _ in range(3):
        assert _sign_in(mischief, "nope").status_code == 400
    assert _sign_in(mischief, PASSWORD).status_code == 429  # a new browser is refused...
    assert _sign_in(trainers_browser, PASSWORD).status_code == 302  # ...the trainer's own is not
    trainers_browser.post("/trainer/logout/")
    for i in range(2):  # the room's address reaches its ceiling as well
        assert _sign_in(mischief, "nope", username=f"user{i}").status_code == 400
    assert _sign_in(mischief, PASSWORD, username="user9").status_code == 429
    assert _sign_in(trainers_browser, PASSWORD).status_code == 302
    # A forged or foreign cookie is worth nothing.
    forged = Client()
    forged.cookies["trainer_browser"] = cookie.value.replace(cookie.value[-4:], "AAAA")
    assert _sign_in(forged, PASSWORD).status_code == 429
    make_trainer(django_user_model, username="tom")
    toms_browser = Client(REMOTE_ADDR="203.0.113.60")
    assert _sign_in(toms_browser, PASSWORD, username="tom").status_code == 302
    assert _sign_in(toms_browser, PASSWORD).status_code == 429  # it is Tom's browser, not Trina's
    # The trainer's own browser has a count of its own.
    trainers_browser.post("/trainer/logout/")
    for _ in range(3):
        assert _sign_in(trainers_browser, "nope").status_code == 400
    assert _sign_in(trainers_browser, PASSWORD).status_code == 429


def test_logout_ends_the_verified_session(trainer_client):
    assert trainer_client.get("/trainer/").status_code == 200
    trainer_client.post("/trainer/logout/")
    assert trainer_client.get("/trainer/")["Location"].startswith("/trainer/login/")


def test_create_trainer_generates_a_password_once(django_user_model):
    out = io.StringIO()
    call_command("create_trainer", "tom", "--generate-password", stdout=out)
    password = re.search(r"Password \(shown once, store it now\): (\S+)", out.getvalue()).group(1)
    user = django_user_model.objects.get(username="tom")
    assert user.check_password(password) and not user.is_staff
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_create_trainer_can_reset_a_lost_authenticator(trainer):
    out = io.StringIO()
    call_command("create_trainer", "trina", "--reset-mfa", stdout=out)
    assert not TOTPDevice.objects.filter(user=trainer[0]).exists()


def test_creating_a_workshop(trainer_client):
    response = trainer_client.post("/trainer/workshops/new/", {
        "title": "Friday IAM", "target": "sandbox", "role_arn": "", "user_prefix": "fri-",
        "opens_at": "2020-01-01T09:00", "closes_at": "2099-01-01T12:00",
    })
    assert response.status_code == 302, response.content.decode()
    workshop = Workshop.objects.get(title="Friday IAM")
    assert re.fullmatch(r"[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}", workshop.join_code)
    page = trainer_client.get(response["Location"]).content.decode()
    assert workshop.join_code_display in page


def test_workshop_form_refuses_bad_input(trainer_client):
    response = trainer_client.post("/trainer/workshops/new/", {
        "title": "x", "target": "sandbox", "role_arn": "arn:aws:iam::123456789012:role/R", "user_prefix": "bad prefix",
        "opens_at": "2099-01-01T12:00", "closes_at": "2099-01-01T09:00",
    })
    html = response.content.decode()
    assert response.status_code == 400
    assert "only used with a real AWS account" in html and "must close after it opens" in html and "no spaces" in html
