"""Fixtures shared by every test folder: a real sandbox server process and a boto3 view into it."""
import time
from pathlib import Path

import boto3
import pytest

from tests.sandbox.sandbox_support import start_sandbox


def start_sandbox_process(data_dir):
    """Start `manage.py sandbox --port 0`, the command the README documents; return (process, endpoint)."""
    return start_sandbox(data_dir, command=("manage.py", "sandbox"))


@pytest.fixture(scope="session")
def sandbox_endpoint(tmp_path_factory):
    proc, endpoint = start_sandbox_process(tmp_path_factory.mktemp("sandbox"))
    yield endpoint
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def account_iam(sandbox_endpoint):
    """boto3 IAM client in a given emulated account, to check what AWS really holds."""
    from iamwizard.aws.gateway import SANDBOX_ADMIN

    def make(account_id):
        sts = boto3.client("sts", endpoint_url=sandbox_endpoint, region_name="us-east-1", **SANDBOX_ADMIN)
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/test", RoleSessionName="tests")["Credentials"]
        return boto3.client(
            "iam", endpoint_url=sandbox_endpoint, region_name="us-east-1",
            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
        )

    return make


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters (their own cache) start empty in every test: the suite starts far more
    runs from 127.0.0.1 than a real network would in ten minutes."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
    yield


def other_database_sessions():
    """The sessions connected to the test database other than this thread's (PostgreSQL), as
    (pid, state, query): any left when the run ends keeps pytest-django from dropping the database
    ("is being accessed by other users"), which then stays on the server."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, state, left(query, 120) FROM pg_stat_activity"
                       " WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return cursor.fetchall()


@pytest.fixture
def leaves_no_database_session(django_db_blocker):
    """After the test, on PostgreSQL: once the threads it used are done (the app's lease renewer,
    its pool making AWS calls at once, the test's own), none keeps a connection to the test
    database. A thread that touches the database closes its connection when done; a pool's
    thread lives on, and would hold its connection until the process exits. Only sessions opened
    during the test count (one an earlier test left is that test's failure)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield  # SQLite: a file, no server sessions
        return
    with django_db_blocker.unblock():
        before = {pid for pid, *_ in other_database_sessions()}
    yield
    with django_db_blocker.unblock():
        deadline = time.monotonic() + 10  # a renewal under way closes its connection as it ends
        while (left := [s for s in other_database_sessions() if s[0] not in before]) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert not left, f"threads left sessions on the test database: {left}"


# Browser tests (tests/browser, tests/a11y): Debian's Chromium driven by Playwright for Python.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (apt-get install chromium); `python3 dev.py test` installs it when run as root.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()
