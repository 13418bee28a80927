"""Choosing a language: the browser's Accept-Language, the footer's switch (Django's set_language,
remembered in a cookie), English by default; each browser its own (a trainer and a participant
each read their own language). Rules and diagnoses are kinds turned into words at the edge: the
live password checklist decides on kinds, whatever the language."""

import pytest
from django.test import Client
from django.utils import translation

from iamwizard.core.errors import explain
from iamwizard.core.passwords import PasswordPolicy, password_breaks, policy_rule_list
from iamwizard.core.problems import Problem, label
from iamwizard.wizard.steps.user_details import rule_kind
from tests.pages import Page

pytestmark = pytest.mark.django_db


def _lang(response):
    return Page(response).find("html")["lang"]


def test_english_without_accept_language_and_for_a_language_we_do_not_have():
    assert _lang(Client().get("/")) == "en"
    page = Client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").get("/")
    assert _lang(page) == "en" and "Create your first IAM user" in page.content.decode()


@pytest.mark.parametrize("header,language,heading", [
    ("es-ES,es;q=0.9,en;q=0.5", "es", "Cree su primer usuario de IAM"),
    ("ja,en-US;q=0.8", "ja", "最初の IAM ユーザーを作成"),
])
def test_the_browsers_language_is_used(header, language, heading):
    page = Client(HTTP_ACCEPT_LANGUAGE=header).get("/")
    assert _lang(page) == language and heading in page.content.decode()
    assert page["Content-Language"] == language


def test_the_switch_is_remembered_and_wins_over_the_browser():
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/join/"})
    assert response.status_code == 302 and response["Location"] == "/join/"
    cookie = response.cookies["django_language"]
    assert cookie.value == "es" and cookie["httponly"] and cookie["max-age"] == 365 * 24 * 3600
    page = client.get("/join/")
    assert _lang(page) == "es" and "Unirse a un taller" in page.content.decode()
    # A language we do not have changes nothing.
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert _lang(client.get("/")) == "es"


def test_the_switch_is_on_every_page_and_offers_each_language_in_its_own_words():
    switch = Page(Client().get("/trainer/login/")).find("form", class_="language-switch")
    assert switch["action"] == "/i18n/setlang/" and switch.find("input", name="next")["value"] == "/trainer/login/"
    assert [option["value"] for option in switch.find_all("option", lang=True)] == ["en", "es", "ja"]
    assert "español" in switch.text and "日本語" in switch.text


def test_a_trainer_and_a_participant_each_see_their_own_language():
    trainer, participant = Client(HTTP_ACCEPT_LANGUAGE="ja"), Client(HTTP_ACCEPT_LANGUAGE="en")
    participant.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert "トレーナーのサインイン" in trainer.get("/trainer/login/").content.decode()
    assert "Unirse a un taller" in participant.get("/join/").content.decode()
    assert _lang(trainer.get("/")) == "ja" and _lang(participant.get("/")) == "es"


@pytest.mark.parametrize("language", ["en", "es", "ja"])
def test_the_password_checklist_decides_on_kinds_in_every_language(language):
    policy = PasswordPolicy.from_aws({"MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
                                      "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True})
    with translation.override(language):
        rules = [(rule_kind(rule), rule.text) for rule in policy_rule_list(policy)]
    assert [kind for kind, _words in rules] == ["min", "max", "upper", "lower", "digit", "symbol", "notname"]
    english = {"min": "At least 14 characters.", "upper": "Include an upper-case letter (A–Z)."}
    words = dict(rules)
    assert (words["min"] == english["min"]) == (language == "en") and (words["upper"] == english["upper"]) == (language == "en")


def test_rules_diagnoses_and_aws_errors_are_kinds_with_parameters_worded_at_the_edge():
    problem = password_breaks("abc", PasswordPolicy.aws_default())[0]
    assert (problem.kind, problem.params) == ("password.too_short", {"min": 8})
    clock = Problem("mfa.clock_off", {"minutes": 240, "direction": "behind"})
    denied = explain("AccessDenied", "User: x is not authorized to perform: iam:CreateUser on resource: *", "CreateUser")
    assert (denied.kind, denied.params) == ("aws.access_denied", {"permission": "iam:CreateUser", "explicit_deny": False})
    with translation.override("es"):
        assert problem.text == "Al menos 8 caracteres."
        assert "unos 240 minutos (4 horas) atrasado" in clock.text
        assert "iam:CreateUser" in denied.message and denied.message.startswith("Estas credenciales no pueden")
        assert label("mfa.clock_off", {"minutes": 1, "direction": "ahead"}) == "Reloj del teléfono desajustado 1 minuto (adelantado)"
    with translation.override("ja"):
        assert problem.text == "8 文字以上。"
        assert "約 240 分 (4 時間)遅れています" in clock.text
        assert "iam:CreateUser" in denied.message and "アクセス許可" in denied.message


def test_dates_follow_the_language_and_english_keeps_its_24_hour_forms():
    from datetime import datetime, timezone

    from django.utils import formats

    moment = datetime(2026, 12, 1, 14, 5, tzinfo=timezone.utc)
    shown = {}
    for language in ("en", "es", "ja"):
        with translation.override(language):
            shown[language] = (formats.date_format(moment, "SHORT_DATETIME_FORMAT"), formats.date_format(moment, "DATE_FORMAT"))
    assert shown["en"] == ("2026-12-01 14:05", "01 Dec 2026")
    assert shown["es"] == ("01/12/2026 14:05", "1 de diciembre de 2026")
    assert shown["ja"] == ("2026/12/01 14:05", "2026年12月1日")
