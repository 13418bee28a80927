"""No secret survives anywhere it should not: database, logs (every logger at DEBUG, and the
sandbox process's own output) and every later page.

A whole run: one-time password, the password the user chose, the MFA seed and two MFA codes.
Then every table (every column, as text; sessions decoded), every captured log line and every
page a person can still open are searched for each of them.
"""
import html
import logging
import re
import subprocess
from pathlib import Path
import sys
import time

import pyotp
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from iamwizard.aws import gateway
from iamwizard.core.totp import group_secret
from iamwizard.wizard.models import Run, StepState
from iamwizard.wizard.steps import STEPS

ROOT = Path(__file__).resolve().parents[2]
from tests.hardening.test_faults import Scenario
from tests.pages import Page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def logged_sandbox(tmp_path, settings):
    """A sandbox process of our own whose whole output goes to a file we can search afterwards."""
    log = tmp_path / "sandbox.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "manage.py", "sandbox", "--port", "0", "--data-dir", str(tmp_path / "data")],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (found := re.search(r"listening on (http://\S+)", log.read_text())):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        settings.IAMWIZARD_SANDBOX_URL = found.group(1)
        gateway.forget_clients()
        yield log
    finally:
        proc.terminate()
        proc.wait(10)
        gateway.forget_clients()


def everything_in_the_database() -> str:
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview, bytearray)):
                        raw = bytes(value)
                        parts += [raw.decode("latin-1"), raw.hex()]
                    else:
                        parts.append(str(value))
        cursor.execute("SELECT session_data FROM django_session")
        for (data,) in cursor.fetchall():
            parts.append(repr(SessionStore().decode(data)))
    return "\n".join(parts)


def hits(text: str, secrets: dict) -> list:
    found = []
    for name, secret in secrets.items():
        if name.startswith("code"):  # six digits: only as a number of its own
            if re.search(rf"(?<!\d){secret}(?!\d)", text):
                found.append(name)
        elif secret in text or html.escape(secret) in text:
            found.append(name)
    return found


def test_no_secret_in_database_logs_or_later_pages(client, caplog, logged_sandbox):
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)  # botocore, urllib3, django.db.backends... all of them

    scenario = Scenario(client, "EnableMFADevice")
    scenario.prepare()
    seed = scenario.seed
    totp, now = pyotp.TOTP(seed), time.time()
    code1, code2 = totp.at(now - 30), totp.at(now)
    scenario.walker.post("mfa", {"action": "enable", "code1": code1, "code2": code2})
    code3 = totp.at(now + 30)
    scenario.walker.post("mfa-sign-in", {"action": "signin", "account": scenario.walker.run.account_id, "user_name": "alice", "password": scenario.new_password})
    scenario.walker.post("mfa-sign-in", {"action": "code", "mfa_code": code3})
    # The root user: its practice password, its device's seed and codes (tests/wizard/walk.py reads them off the pages).
    walker = scenario.walker
    walker.post("root-user", {"action": "practice_password"})
    root_password = Page(walker.get("root-user")).text("root-password")
    walker.post("root-user", {"action": "root_signin", "email": f"root@{walker.run.account_id}.sandbox.example", "password": root_password})
    root_seed = Page(walker.get("root-user")).text("secret-key").replace(" ", "")
    root_totp = pyotp.TOTP(root_seed)
    root1, root2 = root_totp.at(now - 30), root_totp.at(now)
    walker.post("root-user", {"action": "enable", "code1": root1, "code2": root2})
    walker.post("root-user", {"action": "delete_keys"})
    run = Run.objects.get(pk=scenario.walker.run_id)
    assert {s.status for s in run.steps.all()} == {StepState.DONE}
    assert len(caplog.records) > 50, "DEBUG logging really was captured"

    secrets = {
        "one-time password": scenario.password, "new password": scenario.new_password, "seed": seed,
        "seed as shown": " ".join(group_secret(seed)) if not isinstance(group_secret(seed), str) else group_secret(seed),
        "code1": code1, "code2": code2, "sign-in code": code3,
        "root password": root_password, "root seed": root_seed, "root seed as shown": group_secret(root_seed),
        "code root 1": root1, "code root 2": root2,
    }
    assert len(scenario.password) >= 8 and len(seed) >= 16

    assert hits(everything_in_the_database(), secrets) == [], "database"
    log_text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert hits(log_text, secrets) == [], "captured logs"
    assert hits(logged_sandbox.read_text(), secrets) == [], "sandbox process output"

    # Every page a person can still open, and the resume link.
    pages = [client.get(f"/run/{run.id}/{step.slug}/") for step in STEPS]
    pages.append(client.get(f"/run/{run.id}/", follow=True))
    pages.append(client.post(f"/run/{run.id}/sign-in-details/csv", follow=True))
    for response in pages:
        assert response.status_code == 200
        assert hits(response.content.decode(), secrets) == [], response.request["PATH_INFO"]
        assert all(s not in response.request["PATH_INFO"] for s in (scenario.password, seed, root_password, root_seed))
