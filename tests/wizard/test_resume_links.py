"""Resume links are keys: step URLs carry a public reference only, the browser is bound to its
run, links can be renewed (revoking the old), and links from before keys work once more."""
import hashlib
import logging
import secrets

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from iamwizard.core.redact import HideUrlKeys
from iamwizard.wizard import engine
from iamwizard.wizard.models import Run, new_sandbox_account_id
from tests.wizard.walk import Walker, resume_link_in

pytestmark = pytest.mark.django_db(transaction=True)


def key_of(link):
    return link.split("key=", 1)[1]


def test_a_new_run_binds_its_browser_and_shows_its_link_once(client):
    walker = Walker(client)
    walker.start()
    # The browser that started the run needs no link; the pages offer one.
    first = walker.get("connect").content.decode()
    assert "Save your resume link" not in first and "Get a resume link" in first
    link = walker.resume_link  # asked for: shown on the next page...
    assert link.startswith("http://testserver/resume/?key=") and walker.run_id not in link
    assert len(walker.run_id) <= 16 and len(key_of(link)) >= 32
    page = walker.get("connect").content.decode()  # ...and on no later page
    assert resume_link_in(page) is None and key_of(link) not in page
    walker.post("connect", {"action": "connect"})
    assert key_of(link) not in walker.get("user-details").content.decode()
    # Only a hash of the key is kept.
    run = Run.objects.get(pk=walker.run_id)
    assert run.resume_key_hash == hashlib.sha256(key_of(link).encode()).hexdigest()


@pytest.mark.parametrize("method, path", [
    ("get", "/run/{id}/"), ("get", "/run/{id}/connect/"), ("post", "/run/{id}/connect/"),
    ("get", "/run/{id}/user-details/"), ("get", "/run/{id}/policies.json?q=admin"),
    ("post", "/run/{id}/sign-in-details/csv"), ("post", "/run/{id}/resume-link/"), ("get", "/run/{id}/review/progress"),
])
def test_a_stolen_public_reference_opens_nothing(client, method, path):
    walker = Walker(client)
    walker.start()
    walker.post("connect", {"action": "connect"})
    before = list(Run.objects.filter(pk=walker.run_id).values())
    stranger = Client()  # another browser, with the public reference only (a log line, a screenshot)
    response = getattr(stranger, method)(path.format(id=walker.run_id), {"action": "connect"} if method == "post" else None)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Open your resume link to continue this run" in page
    assert walker.run.account_id not in page
    assert response["Cache-Control"] == "no-store"
    assert list(Run.objects.filter(pk=walker.run_id).values()) == before  # nothing changed, no new link


def test_a_new_link_revokes_the_old_one_and_its_browsers(client):
    walker = Walker(client)
    walker.start()
    old_link = walker.resume_link
    phone = Client()
    assert phone.get(old_link)["Location"] == f"/run/{walker.run_id}/"
    assert phone.get(walker.url("connect")).status_code == 200

    response = client.post(f"/run/{walker.run_id}/resume-link/", {"step": "connect"})
    assert response["Location"] == walker.url("connect")
    page = client.get(response["Location"]).content.decode()
    new_link = resume_link_in(page)
    assert new_link and new_link != old_link
    assert resume_link_in(client.get(walker.url("connect")).content.decode()) is None  # shown once

    # The old link and the browser that opened it are refused; this browser and the new link work.
    response = Client().get(old_link)
    assert response.status_code == 404 and "This resume link does not work" in response.content.decode()
    assert phone.get(walker.url("connect")).status_code == 403
    assert client.get(walker.url("connect")).status_code == 200
    assert phone.get(new_link)["Location"] == f"/run/{walker.run_id}/"
    assert phone.get(walker.url("connect")).status_code == 200


def test_a_link_from_before_keys_works_once_more_then_is_replaced(client):
    old_id = secrets.token_urlsafe(24)  # runs used to be opened by their 32-character id
    run = Run.objects.create(id=old_id, target="sandbox", account_id=new_sandbox_account_id())
    engine.load_states(run)
    # What migration 0002 does for runs that existed before it.
    migration = __import__("iamwizard.wizard.migrations.0002_resume_key", fromlist=["old_links_open_once_more"])
    Run.objects.filter(pk=old_id).update(resume_key_hash="")
    migration.old_links_open_once_more(apps, None)
    assert Run.objects.get(pk=old_id).resume_key_hash == hashlib.sha256(old_id.encode()).hexdigest()

    response = client.get(f"/run/{old_id}/")
    assert response["Location"] == f"/run/{old_id}/connect/"
    page = client.get(response["Location"]).content.decode()
    new_link = resume_link_in(page)
    assert new_link and old_id not in new_link
    # Exchanged: the old link opens nothing any more, the new one does.
    assert Client().get(f"/run/{old_id}/").status_code == 403
    other = Client()
    assert other.get(new_link).status_code == 302
    assert other.get(f"/run/{old_id}/connect/").status_code == 200


def test_bad_and_unknown_keys_are_refused_plainly(client):
    for key in ["", "short", "x" * 43, "../../etc", "%00", "a" * 5000]:
        response = client.get("/resume/", {"key": key})
        assert response.status_code == 404, key
        assert "This resume link does not work" in response.content.decode()


def test_home_offers_to_continue_the_run_of_this_browser(client):
    assert "Continue your run" not in client.get("/").content.decode()
    walker = Walker(client)
    walker.start()
    page = client.get("/").content.decode()
    assert "Continue your run" in page and f'href="/run/{walker.run_id}/"' in page and "Start a new run" in page
    assert "Continue your run" not in Client().get("/").content.decode()


def test_no_key_in_the_database_or_request_logs(client, caplog):
    walker = Walker(client)
    walker.to_mfa(user_name="kim")
    key = key_of(walker.resume_link)
    other = Client()
    other.get(walker.resume_link, follow=True)
    dump = _dump_database()
    assert walker.run_id in dump and key not in dump

    # runserver's request lines go through the filter that hides keys.
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s', (f"GET /resume/?key={key} HTTP/1.1", 302, 0), None)
    assert HideUrlKeys().filter(record) and key not in record.getMessage() and "/resume/?key=[redacted]" in record.getMessage()


def _dump_database():
    import io

    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()
