"""A participant never loses their run: Start, the logo and joining again lead back to it."""
import pytest
from django.test import Client

from iamwizard.workshops.models import Participant
from tests.pages import Page
from tests.workshops.helpers import join

pytestmark = pytest.mark.django_db


def test_start_takes_a_participant_back_to_their_workshop_run(client, workshop):
    run_id = join(client, workshop, "Ada")
    main = Page(client.get("/")).find("main")  # the footer's language switch has a button of its own
    assert "Continue your run" in main.text and not main.find(type="submit")  # no Start: it would leave the workshop
    response = client.post("/")
    assert response["Location"] == f"/run/{run_id}/"
    assert Participant.objects.count() == 1 and Participant.objects.get().run_id == run_id


def test_joining_again_from_the_same_browser_returns_the_same_participant(client, workshop):
    run_id = join(client, workshop, "Ada")
    assert join(client, workshop, " ada ".strip().upper()) == run_id  # same name, any case
    assert Participant.objects.filter(workshop=workshop).count() == 1
    # Another name from the same browser, or the same name from another browser, is someone else.
    assert join(client, workshop, "Grace") != run_id
    assert join(Client(), workshop, "Ada") != run_id
    assert Participant.objects.filter(workshop=workshop).count() == 3


def test_after_the_workshop_closes_start_makes_a_new_run_again(client, workshop):
    from iamwizard.workshops import services

    run_id = join(client, workshop, "Ada")
    services.close_workshop(workshop)
    response = client.post("/")
    assert response.status_code == 302 and f"/run/{run_id}/" not in response["Location"]
