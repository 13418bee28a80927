"""The tests that need Redis use a database of their own and skip, saying why, when Redis is not there."""
import os
import socket

import pytest

from tests import redis_support


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_an_unreachable_redis_skips_with_its_address(monkeypatch):
    url = f"redis://127.0.0.1:{closed_port()}/15"
    monkeypatch.setattr(redis_support, "TEST_REDIS", url)
    with pytest.raises(pytest.skip.Exception) as skipped:
        redis_support.redis_or_skip()
    assert f"Redis is not reachable at {url}" in str(skipped.value)
    assert "IAMWIZARD_TEST_REDIS" in str(skipped.value)


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379", "redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379?db=0"])
def test_database_0_is_never_used(monkeypatch, url):
    monkeypatch.setattr(redis_support, "TEST_REDIS", url)
    with pytest.raises(pytest.fail.Exception, match="names database 0"):
        redis_support.redis_or_skip()


def test_the_default_is_a_database_of_its_own():
    assert redis_support.redis_database("redis://127.0.0.1:6379/15") == 15
    assert redis_support.redis_database("redis://127.0.0.1:6379?db=14") == 14
    if "IAMWIZARD_TEST_REDIS" not in os.environ:
        assert redis_support.redis_database(redis_support.TEST_REDIS) == 15
