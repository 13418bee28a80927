"""Nobody reaches what is not theirs: participants only their own run, trainers only their own workshops."""
import pytest
from django.test import Client

from iamwizard.workshops.models import Participant
from tests.workshops.helpers import join, make_trainer, make_workshop, verify_session

pytestmark = pytest.mark.django_db


def test_participants_cannot_reach_each_other_or_trainer_pages(workshop):
    alice, bob = Client(), Client()
    alice_run = join(alice, workshop, "Alice")
    bob_run = join(bob, workshop, "Bob")
    bob_participant = Participant.objects.get(run_id=bob_run)

    # Nothing Alice is shown points at Bob's run.
    for url in ("/join/welcome/", f"/run/{alice_run}/connect/"):
        assert bob_run not in alice.get(url).content.decode()
    # Bob's run id is a public reference: knowing it opens nothing.
    for url in (f"/run/{bob_run}/", f"/run/{bob_run}/connect/", f"/run/{bob_run}/policies.json?q=a"):
        assert alice.get(url).status_code == 403, url
    assert alice.post(f"/run/{bob_run}/connect/", {"action": "connect"}).status_code == 403
    # Guessing: near misses and small numbers find nothing.
    for guess in (alice_run[:-1] + ("A" if alice_run[-1] != "A" else "B"), "1", str(bob_participant.pk), bob_run[:8], "x" * 41):
        assert alice.get(f"/run/{guess}/").status_code == 404, guess
        assert alice.get(f"/run/{guess}/connect/").status_code == 404, guess
    # Trainer pages, and the actions on Bob, need a verified trainer.
    for url in (f"/trainer/workshops/{workshop.pk}/", f"/trainer/workshops/{workshop.pk}/live/"):
        assert alice.get(url)["Location"].startswith("/trainer/login/")
    response = alice.post(f"/trainer/workshops/{workshop.pk}/participants/{bob_participant.pk}/reset/")
    assert response["Location"].startswith("/trainer/login/")
    assert not workshop.cleanups.exists()


def test_a_trainer_cannot_see_or_act_on_another_trainers_workshop(django_user_model, workshop):
    participant = Participant.objects.get(run_id=join(Client(), workshop))
    record = workshop.cleanups.create(scope="test", sections=[])
    other, device = make_trainer(django_user_model, "otto")
    client = verify_session(Client(), other, device)
    pk = workshop.pk
    for url in (f"/trainer/workshops/{pk}/", f"/trainer/workshops/{pk}/live/", f"/trainer/workshops/{pk}/summary/",
                f"/trainer/workshops/{pk}/export.csv", f"/trainer/workshops/{pk}/cleanup/",
                f"/trainer/workshops/{pk}/cleanups/{record.pk}/", f"/trainer/workshops/{pk}/participants/{participant.pk}/reset/"):
        assert client.get(url).status_code == 404, url
    for url in (f"/trainer/workshops/{pk}/close/", f"/trainer/workshops/{pk}/cleanup/",
                f"/trainer/workshops/{pk}/participants/{participant.pk}/reset/"):
        assert client.post(url).status_code == 404, url
    workshop.refresh_from_db()
    assert workshop.closed_at is None and workshop.cleanups.count() == 1
    assert workshop.title not in client.get("/trainer/").content.decode()
    # A participant of Otto's own workshop can't be reset through Trina's workshop id either.
    own = make_workshop(other, title="Otto's")
    own_participant = Participant.objects.get(run_id=join(Client(), own, "Pat"))
    assert client.post(f"/trainer/workshops/{pk}/participants/{own_participant.pk}/reset/").status_code == 404


def test_the_dashboard_does_not_show_resume_links(trainer_client, workshop):
    run_id = join(Client(), workshop, "Alice")
    for url in (f"/trainer/workshops/{workshop.pk}/", f"/trainer/workshops/{workshop.pk}/live/",
                f"/trainer/workshops/{workshop.pk}/export.csv", f"/trainer/workshops/{workshop.pk}/summary/"):
        body = trainer_client.get(url).content.decode()
        assert run_id not in body, url
        assert "Alice" in body or url.endswith("/summary/"), url
