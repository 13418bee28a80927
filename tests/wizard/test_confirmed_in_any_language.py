"""'Confirmed by AWS' speaks the reader's language, not the one the step was verified in: a step's
facts are kept as message ids plus data (iamwizard/wizard/facts.py) and worded when the page is
shown. Labels and words are translated; data (names, ARNs, times) never is."""
import pytest
from django.utils import translation

from iamwizard.wizard.facts import as_is, in_words, said
from iamwizard.wizard.models import StepState
from tests.pages import Page
from tests.wizard.walk import Walker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _english_afterwards():
    """The test client leaves the last request's language active in this thread."""
    yield
    translation.activate("en")


def confirmed(walker, slug) -> dict:
    """The step page's 'Confirmed by AWS' panel, as {label: value}."""
    panel = Page(walker.get(slug)).by_id("verified")
    return {dt.text: dd.text for dt, dd in zip(panel.find_all("dt"), panel.find_all("dd"))}


def test_a_run_verified_in_english_reads_in_spanish_and_japanese(client):
    walker = Walker(client)
    walker.to_mfa(user_name="alice", group="Admins")  # every step up to the sign-in verified in English
    english = {slug: confirmed(walker, slug) for slug in ("connect", "user-details", "permissions", "sign-in")}
    assert english["user-details"] == {"User name": "alice", "Console access": "yes"}
    assert english["permissions"] == {"Group": "Admins (new)", "Policy": "AdministratorAccess"}
    assert english["sign-in"]["Password"] == "changed by the user; no reset pending"

    client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    spanish = {slug: confirmed(walker, slug) for slug in english}
    assert spanish["user-details"] == {"Nombre de usuario": "alice", "Acceso a la consola": "sí"}
    assert spanish["permissions"] == {"Grupo": "Admins (nuevo)", "Política": "AdministratorAccess"}
    assert spanish["sign-in"] == {"Último inicio de sesión": english["sign-in"]["Last sign-in"],  # a time: as it was
                                  "Contraseña": "cambiada por el usuario; no hay restablecimiento pendiente"}
    assert spanish["connect"]["Cuenta"] == english["connect"]["Account"] == walker.run.account_id
    assert spanish["connect"]["Identidad que llama"] == english["connect"]["Calling identity"]  # an ARN: as it was

    client.post("/i18n/setlang/", {"language": "ja", "next": "/"})
    japanese = confirmed(walker, "user-details")
    assert "alice" in japanese.values() and "User name" not in japanese and "yes" not in japanese.values()


def test_data_is_never_translated_and_old_results_show_as_they_were(client):
    facts = [as_is("User name", "yes"), said("Group", "%(group)s (new)", group="no"), said("Console access", "yes")]
    with translation.override("es"):
        assert in_words(facts) == [("Nombre de usuario", "yes"), ("Grupo", "no (nuevo)"), ("Acceso a la consola", "sí")]
    # A result verified before facts were message ids: (label, value) pairs already in words.
    walker = Walker(client)
    walker.start()
    walker.post("connect", {"action": "connect"})
    state = StepState.objects.get(run_id=walker.run_id, step="connect")
    state.result = {**state.result, "verified": [["Account", "123456789012"], ["Account alias", "none (the sign-in URL uses the account number)"]]}
    state.save(update_fields=["result"])
    client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert confirmed(walker, "connect") == {"Account": "123456789012", "Account alias": "none (the sign-in URL uses the account number)"}
