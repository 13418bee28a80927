"""The shared error summary on the workshop pages: trainer sign-in and second factor, new workshop, join."""
import pytest

from tests.wizard.test_error_summary import no_summary, summary_of, title_of
from tests.workshops.helpers import PASSWORD

pytestmark = pytest.mark.django_db


def test_trainer_sign_in_refused_clears_the_password_and_says_so(client, trainer):
    assert no_summary(client.get("/trainer/login/").content.decode())
    page = client.post("/trainer/login/", {"username": "trina", "password": "wrong-SECRET-9"}).content.decode()
    summary = summary_of(page)
    assert [target for _, target in summary["links"]] == ["id_username"]  # a form-level error: the first field
    assert summary["cleared"] == "For your security, Password was cleared: type it again."
    assert "wrong-SECRET-9" not in page and 'value="trina"' in page
    assert title_of(page).startswith("Error: Trainer sign-in")


def test_trainer_sign_in_throttled_is_in_the_summary(client, trainer, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "trainer-login-user": (1, 600)}
    client.post("/trainer/login/", {"username": "trina", "password": "wrong"})
    response = client.post("/trainer/login/", {"username": "trina", "password": PASSWORD})
    assert response.status_code == 429
    summary = summary_of(response.content.decode())
    assert summary["links"][0][0].startswith("You were not signed in: sign-in is paused") and summary["links"][0][1] == "id_username"


def test_wrong_second_factor_code_is_cleared(client, trainer):
    client.force_login(trainer[0])
    response = client.post("/trainer/otp/", {"token": "123456"})
    page = response.content.decode()
    assert response.status_code == 400
    summary = summary_of(page)
    assert [target for _, target in summary["links"]] == ["id_token"]
    assert summary["cleared"] == "For your security, Code from your authenticator app was cleared: type it again."
    assert "123456" not in page


def test_new_workshop_refused_links_every_field_and_keeps_the_rest(trainer_client):
    page = trainer_client.post("/trainer/workshops/new/", {"title": "Friday IAM", "target": "sandbox", "role_arn": "arn:aws:iam::123456789012:role/X",
                                                           "user_prefix": "bad prefix!", "opens_at": "2030-01-01T10:00", "closes_at": "2030-01-01T09:00"}).content.decode()
    summary = summary_of(page)
    assert [target for _, target in summary["links"]] == ["id_role_arn", "id_user_prefix", "id_closes_at"]
    assert 'value="Friday IAM"' in page and title_of(page).startswith("Error: New workshop")
    page = trainer_client.post("/trainer/workshops/new/", {"title": "Friday IAM", "user_prefix": "fri-", "opens_at": "2030-01-01T10:00", "closes_at": "2030-01-01T12:00"}).content.decode()
    assert [target for _, target in summary_of(page)["links"]] == ["id_target_0"]  # radios: the first one


def test_join_with_a_wrong_code_keeps_both_fields(client, workshop):
    page = client.post("/join/", {"code": "ABCD-EFGH", "display_name": "Ada"}).content.decode()
    summary = summary_of(page)
    assert [target for _, target in summary["links"]] == ["id_code"]
    assert 'value="ABCD-EFGH"' in page and 'value="Ada"' in page and summary["cleared"] == ""
    assert title_of(page).startswith("Error: Join a workshop")


def test_pages_without_errors_log_no_failed_lookup_of_the_summary(client, workshop, caplog):
    """base.html asks every page for `error_summary`: a page whose view does not set it must not make
    Django log a failed lookup, whose message holds the whole context (here the resume link)."""
    import logging

    from django.urls import reverse

    from tests.workshops.helpers import join

    from tests.wizard.walk import resume_link_in

    join(client, workshop)
    caplog.set_level(logging.DEBUG, logger="django.template")
    response = client.get(reverse("workshops:welcome"))
    link = resume_link_in(response.content.decode())
    assert response.status_code == 200 and link
    assert "error_summary" not in caplog.text and link.split("key=")[1] not in caplog.text
