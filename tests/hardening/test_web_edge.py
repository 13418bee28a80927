"""Django's own idioms at the web edge: the <run_id:…> path converter, and the views that take
secrets marked never_cache and sensitive_post_parameters (so Django's error reports, mailed to
admins or shown with DEBUG, print their POST values as stars)."""
import pytest
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.views.debug import SafeExceptionReporterFilter

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-Value-9"


def _reported(request):
    return SafeExceptionReporterFilter().get_post_parameters(request)


def test_run_ids_in_addresses_go_through_one_converter():
    assert resolve("/run/Ab_c-9/connect/").kwargs == {"run_id": "Ab_c-9", "slug": "connect"}
    assert resolve("/join/help/Ab_c-9/").kwargs == {"run_id": "Ab_c-9"}
    for bad in ("/run/a.b/connect/", "/run/" + "A" * 41 + "/", "/run/a\x00b/", "/join/room/%3Cx%3E/"):
        with pytest.raises(Resolver404):
            resolve(bad)
    with pytest.raises(NoReverseMatch):
        reverse("wizard:resume", args=["../etc"])


def test_a_step_post_is_starred_in_error_reports_and_never_cached(client):
    start = client.post("/", follow=True)
    step_url = start.redirect_chain[-1][0]
    answer = client.post(step_url, {"secret_access_key": SECRET, "access_key_id": "AKIAEXAMPLE"})
    assert answer.status_code in (200, 302)
    reported = _reported(answer.wsgi_request)
    assert reported["secret_access_key"] != SECRET and reported["access_key_id"] != "AKIAEXAMPLE"
    assert "no-store" in answer["Cache-Control"] and "Expires" in answer


def test_trainer_sign_in_and_code_are_starred(client):
    answer = client.post("/trainer/login/", {"username": "trainer", "password": SECRET})
    assert _reported(answer.wsgi_request)["password"] != SECRET
    assert answer["Cache-Control"] == "no-store"  # as the trainer pages' own test wants it
    answer = client.post("/trainer/otp/", {"token": "123456"})
    assert _reported(answer.wsgi_request)["token"] != "123456"


def test_join_code_is_starred_and_the_name_is_not(client):
    answer = client.post("/join/", {"code": "ABCD-EF23", "display_name": "Ana"})
    reported = _reported(answer.wsgi_request)
    assert reported["code"] != "ABCD-EF23" and reported["display_name"] == "Ana"
    assert "no-store" in answer["Cache-Control"]
