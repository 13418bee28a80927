"""The Redis database the tests use: IAMWIZARD_TEST_REDIS, by default database 15 of the local Redis.

Never database 0, where a local Redis keeps other programs' data: the several-workers test flushes
its database. When Redis does not answer, the tests that need it are skipped, saying why.
"""
import os

import pytest

TEST_REDIS = os.environ.get("IAMWIZARD_TEST_REDIS", "redis://127.0.0.1:6379/15")


def redis_database(url: str) -> int:
    import redis

    return int(redis.ConnectionPool.from_url(url).connection_kwargs.get("db") or 0)


def redis_or_skip() -> str:
    """The URL of the tests' own Redis database; skips the test when Redis is unreachable."""
    import redis

    if redis_database(TEST_REDIS) == 0:
        pytest.fail(f"IAMWIZARD_TEST_REDIS={TEST_REDIS} names database 0: give the tests a database of their own, "
                    "e.g. redis://127.0.0.1:6379/15 (they may flush it).")
    try:
        redis.Redis.from_url(TEST_REDIS, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {TEST_REDIS} ({exc}): start redis-server, or set IAMWIZARD_TEST_REDIS.")
    return TEST_REDIS
