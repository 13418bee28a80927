"""Workshop test fixtures."""
import pytest
from django.core.cache import cache

from tests.workshops.helpers import make_trainer, make_workshop, verify_session


@pytest.fixture(autouse=True)
def _use_sandbox(settings, sandbox_endpoint):
    """Every workshop test talks to the real sandbox server process, never to mocks."""
    settings.IAMWIZARD_SANDBOX_URL = sandbox_endpoint
    settings.IAMWIZARD_TARGET = "sandbox"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def trainer(django_user_model):
    return make_trainer(django_user_model)


@pytest.fixture
def trainer_client(client, trainer):
    return verify_session(client, *trainer)


@pytest.fixture
def workshop(trainer):
    return make_workshop(trainer[0])
