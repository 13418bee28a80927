"""Django's Redis cache, with one Redis client per connection pool instead of one per operation.

Every page reads its session from Redis (sessions are `cached_db`) and every submit counts a rate
limit there: several cache operations a request. Django's RedisCacheClient builds a new
`redis.Redis` object for each of them, and each one copies redis-py's table of about 180
response callbacks: about 0.2 ms of CPU each, half a millisecond or more per page, on top of the
round trip itself. Django keeps a cache object per thread; each now keeps one `redis.Redis` per
connection pool (a client bound to a pool is also safe to share between threads: each command
takes a connection from the pool). Same keys, same values, same pools: only the client objects
are reused.
"""
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # pool index -> redis.Redis on that pool

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
