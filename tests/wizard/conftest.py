import pytest

from iamwizard.aws.gateway import SANDBOX_ADMIN, forget_clients


@pytest.fixture(autouse=True)
def _use_sandbox(settings, sandbox_endpoint):
    """Every wizard test talks to the real sandbox server process, never to mocks."""
    settings.IAMWIZARD_SANDBOX_URL = sandbox_endpoint
    settings.IAMWIZARD_TARGET = "sandbox"


@pytest.fixture
def real_account(settings, sandbox_endpoint, monkeypatch):
    """The real-account path (IAMWIZARD_TARGET=aws): boto3's standard configuration, pointed with
    AWS_ENDPOINT_URL at the sandbox server process, exactly as an operator would (its console:
    tests/wizard/real_account.py)."""
    settings.IAMWIZARD_TARGET = "aws"
    monkeypatch.setenv("AWS_ENDPOINT_URL", sandbox_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", SANDBOX_ADMIN["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SANDBOX_ADMIN["aws_secret_access_key"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    forget_clients()
    yield
    forget_clients()
