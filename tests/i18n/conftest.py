import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_afterwards():
    """Django's test client runs requests in the test's own thread, and LocaleMiddleware leaves the
    request's language active there: tests that come later must meet the default (English) again."""
    yield
    translation.activate("en")
