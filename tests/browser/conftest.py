"""Browser tests: Debian's Chromium driven by Playwright for Python (fixtures in tests/conftest.py),
against Django's live server."""
import pytest


@pytest.fixture(autouse=True)
def _use_sandbox(settings, sandbox_endpoint):
    """Browser tests, like the wizard tests, talk to the real sandbox server process."""
    settings.IAMWIZARD_SANDBOX_URL = sandbox_endpoint
    settings.IAMWIZARD_TARGET = "sandbox"
