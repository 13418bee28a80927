"""{% once %} (iamwizard/wizard/templatetags/once.py): a fragment kept per process under its name,
the active language and its explicit arguments; at most LIMIT kept, the oldest dropped first."""
import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils.translation import override

from iamwizard.wizard.templatetags import once


@pytest.fixture(autouse=True)
def _forget():
    once.forget()
    yield
    once.forget()


def draw(source, **context):
    return Template("{% load i18n once %}" + source).render(Context(context))


def test_same_language_draws_once_then_copies():
    source = '{% once "t-same" %}{% translate "Copy" %} {{ n }}{% endonce %}'
    with override("en"):
        assert draw(source, n=1) == "Copy 1"
        assert draw(source, n=2) == "Copy 1"  # kept: n is not an argument, so it must not matter
    assert once.kept() == 1


def test_another_language_is_another_fragment():
    source = '{% once "t-lang" %}{% translate "Copy" %}{% endonce %}'
    with override("en"):
        english = draw(source)
    with override("ja"):
        japanese = draw(source)
    with override("es"):
        spanish = draw(source)
    assert english == "Copy" and japanese != english and spanish not in (english, japanese)
    with override("en"):
        assert draw(source) == english
    assert once.kept() == 3


def test_arguments_are_part_of_the_key():
    source = '{% once "t-args" slug 2 %}[{{ slug }}]{% endonce %}'
    with override("en"):
        assert draw(source, slug="mfa") == "[mfa]"
        assert draw(source, slug="sign-in") == "[sign-in]"
        assert draw(source, slug="mfa") == "[mfa]"
    assert once.kept() == 2


def test_unless_draws_without_keeping():
    source = '{% once "t-unless" slug unless changed %}{{ words }}{% endonce %}'
    with override("en"):
        assert draw(source, slug="review", changed=True, words="about pat") == "about pat"
        assert draw(source, slug="review", changed=True, words="about sam") == "about sam"
        assert once.kept() == 0
        assert draw(source, slug="review", changed=False, words="usual") == "usual"
        assert draw(source, slug="review", changed=True, words="about kim") == "about kim"
        assert draw(source, slug="review", changed=False, words="other") == "usual"


def test_the_bound_drops_the_oldest(monkeypatch):
    monkeypatch.setattr(once, "LIMIT", 3)
    source = '{% once "t-bound" n %}{{ n }}-{{ extra }}{% endonce %}'
    with override("en"):
        for n in range(5):
            draw(source, n=n, extra="first")
        assert once.kept() == 3
        assert draw(source, n=0, extra="again") == "0-again"  # dropped, so drawn anew
        assert draw(source, n=4, extra="again") == "4-first"  # the newest, still kept
        assert once.kept() == 3
    assert once.LIMIT == 3 and len(once._fragments) <= 3


def test_default_bound_is_4096():
    assert once.LIMIT == 4096


def test_a_changed_setting_forgets(settings):
    with override("en"):
        draw('{% once "t-setting" %}x{% endonce %}')
        assert once.kept() == 1
        settings.STATIC_URL = "/elsewhere/"
        assert once.kept() == 0


def test_a_name_in_quotes_is_required():
    with pytest.raises(TemplateSyntaxError):
        draw("{% once name %}x{% endonce %}")
    with pytest.raises(TemplateSyntaxError):
        draw('{% once "t-bad" unless a b %}x{% endonce %}')


def test_the_pages_keep_no_token_secret_or_run_data():
    """Review of every use: the kept fragments of the app's templates hold no CSRF token and no
    variable of the run, the user or the request (only the step's slug and the language)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    allowed = {"step.slug", "step.stylesheets", "step.why", "step.words_changed", "paragraph", "sheet",
               "language.code", "language.name_local", "current"}
    uses = 0
    for path in root.rglob("*.html"):
        text = path.read_text()
        for block in re.findall(r"{% once (.*?)%}(.*?){% endonce %}", text, re.S):
            uses += 1
            args, body = block
            assert "csrf_token" not in body, path
            names = set(re.findall(r"{{ ?([a-z_.]+)", body)) | set(re.findall(r"[a-z_]+\.[a-z_.]+", args))
            assert names <= allowed, (path, names - allowed)
    assert uses >= 9
