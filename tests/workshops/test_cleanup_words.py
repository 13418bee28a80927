"""A cleanup's report is worded in the reader's language: a reset made while the request was in
Spanish reads in English to an English trainer (names unchanged), and reports stored before, as
plain words, still show as they were stored."""
import pytest
from django.utils import timezone, translation

from iamwizard.workshops import services
from iamwizard.workshops.models import CleanupRecord
from tests.pages import Page
from tests.workshops.helpers import ParticipantWalker, make_workshop

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reset_made_in_spanish_reads_in_english_to_an_english_trainer(trainer_client, trainer, account_iam):
    workshop = make_workshop(trainer[0], user_prefix="ws-")
    walker = ParticipantWalker(workshop, "Ana").to_created("ws-ana")
    with translation.override("es"):
        record = services.reset_participant(walker.participant, trainer[0], "connect")
    assert record.ok and record.scope == "Restablecimiento de Ana a el primer paso"  # the column keeps the request's words

    page = Page(trainer_client.get(f"/trainer/workshops/{workshop.pk}/cleanups/{record.pk}/")).text()
    assert "Cleanup report: Reset of Ana to the first step" in page
    assert "user ws-ana: console password" in page and "user ws-ana: membership of Readers" in page
    assert "The run was reset to the first step." in page
    for spanish in ("usuario", "contraseña", "Restablecimiento", "primer paso"):
        assert spanish not in page
    dashboard = Page(trainer_client.get(f"/trainer/workshops/{workshop.pk}/")).text()
    assert "Reset of Ana to the first step" in dashboard and "Restablecimiento" not in dashboard


def test_a_report_stored_as_plain_words_shows_as_it_was_stored(trainer_client, trainer):
    workshop = make_workshop(trainer[0], user_prefix="ws-")
    record = CleanupRecord.objects.create(
        workshop=workshop, created_by=trainer[0], created_at=timezone.now(), scope="Restablecimiento de Bea a el primer paso", ok=False,
        sections=[{"participant": "Bea", "user": "ws-bea", "ok": False, "note": "La ejecución NO se restableció.",
                   "lines": [{"resource": "usuario ws-bea: contraseña de la consola", "action": "DeleteLoginProfile", "ok": True, "detail": "ya no existe"},
                             {"resource": "usuario ws-bea", "action": "DeleteUser", "ok": False, "detail": "DeleteConflict: must delete keys first"}]}],
    )
    page = Page(trainer_client.get(f"/trainer/workshops/{workshop.pk}/cleanups/{record.pk}/")).text()
    for stored in ("Restablecimiento de Bea a el primer paso", "La ejecución NO se restableció.", "usuario ws-bea: contraseña de la consola",
                   "ya no existe", "DeleteConflict: must delete keys first"):
        assert stored in page
    assert "Restablecimiento de Bea" in Page(trainer_client.get(f"/trainer/workshops/{workshop.pk}/")).text()
