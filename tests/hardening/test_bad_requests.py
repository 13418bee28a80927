"""Requests no form can read, over real HTTP (the live server, CSRF checked): a form body declared in a
charset other than UTF-8 gets the 400 page with the usual headers on every form URL, in development
(DEBUG, whose error page read the body again: a bare 500) as in production, and changes nothing.
Numbers typed in other scripts' digits (Python's int() reads ١٢ as 12) get a field-level message."""
import base64
import http.client
import time
import urllib.parse

import pyotp
import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from iamwizard.wizard.models import Run
from iamwizard.wizard.steps import STEPS
from iamwizard.workshops.models import Participant, Workshop

from tests.hardening.test_hostile_input import snapshot
from tests.wizard.walk import Walker
from tests.workshops.helpers import PASSWORD, make_trainer, make_workshop, verify_session

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED_CHARSETS = ["latin-1", "ISO-8859-1", "utf-16", "utf-8-sig", "ascii", "xyz", '"latin-1"', "", "a" * 300]
UTF8_ALIASES = ["utf-8", "UTF-8", "utf8", "UTF8", "utf_8", '"utf-8"']
BOUNDARY = "----hardening-boundary"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def urlencoded(fields: dict) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def multipart(fields: dict) -> bytes:
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n' for name, value in fields.items()]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


BODIES = {"application/x-www-form-urlencoded": urlencoded, f"multipart/form-data; boundary={BOUNDARY}": multipart}


def http_post(server_url, path, cookies: dict, content_type: str, body: bytes):
    """A POST as a browser (or a script) sends it: the session and CSRF cookies, the token in the header."""
    url = urllib.parse.urlsplit(server_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": content_type, "X-CSRFToken": cookies["csrftoken"],
            "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())})
        response = connection.getresponse()
        return response, response.read().decode()
    finally:
        connection.close()


def cookies_of(client) -> dict:
    client.get("/join/")  # sets the CSRF cookie
    return {name: morsel.value for name, morsel in client.cookies.items()}


def assert_the_400_page(response, page, where):
    assert response.status == 400, (where, response.status, page[:300])
    assert "could not understand that request" in page, (where, page[:300])  # templates/400.html
    assert "Traceback" not in page and "settings" not in page.lower(), where
    assert response.getheader("Content-Security-Policy", "").startswith("default-src 'self'"), where
    assert response.getheader("X-Frame-Options") == "DENY", where
    assert response.getheader("X-Content-Type-Options") == "nosniff", where
    assert response.getheader("Referrer-Policy") == "same-origin", where


@pytest.fixture
def everything(client, django_user_model):
    """A run at its MFA step, a trainer signed in with TOTP, an open workshop with one participant,
    and every URL that takes a POST, each with the cookies of who would post it."""
    walker = Walker(client)
    walker.to_mfa(user_name="alice")
    walker.create_device("alice")
    user, device = make_trainer(django_user_model)
    workshop = make_workshop(user)
    Client().post("/join/", {"code": workshop.join_code_display, "display_name": "Pat"})
    participant = Participant.objects.get()
    trainer = verify_session(Client(), user, device)
    learner_urls = ["/", f"/run/{walker.run_id}/", f"/run/{walker.run_id}/sign-in-details/csv", "/join/", "/trainer/login/",
                    *[walker.url(step.slug) for step in STEPS]]
    trainer_urls = ["/trainer/otp/", "/trainer/logout/", "/trainer/workshops/new/", f"/trainer/workshops/{workshop.pk}/close/",
                    f"/trainer/workshops/{workshop.pk}/cleanup/", f"/trainer/workshops/{workshop.pk}/participants/{participant.pk}/reset/",
                    "/admin/login/"]
    learner, trainer_cookies = cookies_of(client), cookies_of(trainer)
    urls = [(url, learner) for url in learner_urls] + [(url, trainer_cookies) for url in trainer_urls]
    return {"walker": walker, "workshop": workshop, "trainer": trainer, "urls": urls, "learner": learner}


def state(everything):
    workshop = Workshop.objects.get(pk=everything["workshop"].pk)
    trainer_session = everything["trainer"].session
    return {"run": snapshot(everything["walker"].run_id), "runs": Run.objects.count(), "workshops": Workshop.objects.count(),
            "closes_at": workshop.closes_at, "participants": list(Participant.objects.values_list("pk", "run_id")),
            "trainer verified": trainer_session.get(DEVICE_ID_SESSION_KEY)}


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
def test_a_form_body_in_another_charset_gets_the_400_page_on_every_form(live_server, everything, settings, debug):
    settings.DEBUG = debug
    before = state(everything)
    for url, cookies in everything["urls"]:
        fields = {"csrfmiddlewaretoken": cookies["csrftoken"], "action": "save", "code": everything["workshop"].join_code_display}
        for content_type, encode in BODIES.items():
            for charset in REFUSED_CHARSETS:
                response, page = http_post(live_server.url, url, cookies, f"{content_type}; charset={charset}", encode(fields))
                assert_the_400_page(response, page, (url, content_type, charset))
    assert state(everything) == before


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
@pytest.mark.parametrize("content_type", list(BODIES))
def test_utf8_spelled_another_way_is_read_as_utf8(live_server, everything, settings, debug, content_type):
    settings.DEBUG = debug
    cookies = everything["learner"]
    for number, charset in enumerate(UTF8_ALIASES):
        name = f"Zoë {number}"
        fields = {"csrfmiddlewaretoken": cookies["csrftoken"], "code": everything["workshop"].join_code_display, "display_name": name}
        response, page = http_post(live_server.url, "/join/", {"csrftoken": cookies["csrftoken"]}, f"{content_type}; charset={charset}",
                                   BODIES[content_type](fields))
        assert response.status == 302, (charset, response.status, page[:300])
        assert Participant.objects.filter(display_name=name).exists(), charset


def test_an_unparseable_multipart_body_gets_the_400_page(live_server, everything):
    cookies = everything["learner"]
    before = state(everything)
    for content_type, body in [("multipart/form-data", multipart({"a": "b"})),  # no boundary
                               ("multipart/form-data; boundary=\u00e9", multipart({"a": "b"}))]:
        for url in ("/join/", everything["walker"].url("mfa")):
            response, page = http_post(live_server.url, url, cookies, content_type.encode("utf-8").decode("latin-1"), body)
            assert_the_400_page(response, page, (url, content_type))
    assert state(everything) == before


# --- numbers in other scripts' digits -----------------------------------------------------------

def field_errors(response, action=None) -> dict:
    form = response.context["forms"][action] if action else response.context["form"]
    return {field: list(errors) for field, errors in form.errors.items()}


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULL_WIDTH], ids=["arabic-indic", "full-width"])
def test_mfa_codes_in_other_digits_are_refused_field_by_field(client, digits):
    walker = Walker(client)
    walker.to_mfa(user_name="alice")
    seed = walker.create_device("alice")
    totp = pyotp.TOTP(seed)
    now = time.time()
    right = (totp.at(now - 30), totp.at(now))  # the right pair, in the wrong digits
    before = snapshot(walker.run_id)
    response = client.post(walker.url("mfa"), {"action": "enable", "code1": right[0].translate(digits), "code2": right[1]})
    assert response.status_code == 400
    assert field_errors(response, "enable") == {"code1": ["Type MFA code 1 with the digits 0 to 9: AWS reads no other digits."]}
    response = client.post(walker.url("mfa"), {"action": "enable", "code1": right[0], "code2": right[1].translate(digits)})
    assert field_errors(response, "enable") == {"code2": ["Type MFA code 2 with the digits 0 to 9: AWS reads no other digits."]}
    assert snapshot(walker.run_id) == before  # no failure counted, nothing sent to AWS


def test_an_account_id_in_other_digits_is_refused_on_the_practice_sign_in(client):
    walker = Walker(client)
    walker.start()
    walker.post("connect", {"action": "connect"})
    walker.post("user-details", {"action": "save", "user_name": "alice", "console_access": "on", "password_type": "autogenerated", "must_reset": "on"})
    walker.post("permissions", {"action": "save", "mode": "group", "group_name": "Admins", "policies": ["arn:aws:iam::aws:policy/AdministratorAccess"]})
    walker.post("review", {"action": "create"})
    walker.post("sign-in-details", {"action": "continue"})
    before = snapshot(walker.run_id)
    for digits in (ARABIC_INDIC, FULL_WIDTH):
        response = client.post(walker.url("sign-in"), {"action": "signin", "account": walker.run.account_id.translate(digits),
                                                         "user_name": "alice", "password": "x"})
        assert response.status_code == 400
        assert field_errors(response, "signin") == {"account": ["Type the account ID with the digits 0 to 9."]}
    assert snapshot(walker.run_id) == before


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULL_WIDTH], ids=["arabic-indic", "full-width"])
def test_a_trainer_code_in_other_digits_is_refused(client, django_user_model, digits):
    user, device = make_trainer(django_user_model)
    assert client.post("/trainer/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    right = pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()
    response = client.post("/trainer/otp/", {"token": right.translate(digits)})  # django-otp alone would read it as the right code
    assert response.status_code == 400
    assert field_errors(response) == {"token": ["Type the code with the digits 0 to 9."]}
    assert client.get("/trainer/").status_code == 302  # not verified
    assert DEVICE_ID_SESSION_KEY not in client.session


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULL_WIDTH], ids=["arabic-indic", "full-width"])
def test_workshop_times_in_other_digits_are_refused(django_user_model, digits):
    user, device = make_trainer(django_user_model)
    trainer = verify_session(Client(), user, device)
    base = {"title": "T", "target": "sandbox", "role_arn": "", "user_prefix": "ws-", "opens_at": "2030-01-01T10:00", "closes_at": "2030-01-01T12:00"}
    for field in ("opens_at", "closes_at"):
        response = trainer.post("/trainer/workshops/new/", {**base, field: base[field].translate(digits)})
        assert response.status_code == 400, field
        assert field_errors(response) == {field: ["Type the date and time with the digits 0 to 9."]}
    assert Workshop.objects.count() == 0
    assert trainer.post("/trainer/workshops/new/", base).status_code == 302  # the same times in 0-9 are fine
