"""Fixtures shared by every test folder: a real sandbox server process and a boto3 view into it."""
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
