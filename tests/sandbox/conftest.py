"""Fixtures: the sandbox as a separate process (`python -m iamwizard.sandbox`), clients into fresh accounts."""
import pytest
from sandbox_support import clients_for, new_account_id, start_sandbox, stop_sandbox


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """Endpoint of one sandbox process shared by the session."""
    proc, endpoint = start_sandbox(tmp_path_factory.mktemp("sandbox-data"))
    yield endpoint
    stop_sandbox(proc)

@pytest.fixture
def account(sandbox):
    """(account id, IAM client acting in a brand-new account)."""
    account_id = new_account_id()
    return account_id, clients_for(sandbox, account_id)


@pytest.fixture
def iam(account):
    return account[1]
