"""The Redis cache (wizard/cache.py) keeps one client per connection pool, shared by threads, and
still counts and stores like Django's own: rate limits counted from many threads at once add up."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from iamwizard.wizard.cache import RedisCache
from tests.redis_support import redis_or_skip


@pytest.fixture
def cache():
    url = redis_or_skip()
    redis.Redis.from_url(url).flushdb()
    backend = RedisCache(url, {"KEY_PREFIX": "cachetest"})
    yield backend
    redis.Redis.from_url(url).flushdb()


def test_one_client_per_pool_reused_across_operations(cache):
    client = cache._cache.get_client(write=True)
    cache.set("k", {"a": 1}, 60)
    assert cache.get("k") == {"a": 1}
    assert cache._cache.get_client() is client and cache._cache.get_client(write=True) is client


def test_counts_from_many_threads_add_up(cache):
    cache.add("count", 0, 60)
    start = threading.Barrier(8)

    def count(_):
        start.wait()
        for _ in range(50):
            cache.incr("count")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(count, range(8)))
    assert cache.get("count") == 400
    assert cache.get_many(["count", "missing"]) == {"count": 400}
    cache.delete("count")
    assert cache.get("count") is None
