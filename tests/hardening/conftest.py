"""Hardening tests: the real sandbox server process (never mocks)."""
import pytest


@pytest.fixture(autouse=True)
def _use_sandbox(settings, sandbox_endpoint):
    """Every hardening test talks to the real sandbox server process, never to mocks."""
    settings.IAMWIZARD_SANDBOX_URL = sandbox_endpoint
    settings.IAMWIZARD_TARGET = "sandbox"
