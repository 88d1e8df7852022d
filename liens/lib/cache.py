"""The shared cache (settings.CACHES with Redis): Django's Redis backend, keeping its client.

Django builds a new redis-py client for every cache command, and each build fills a table of
about a hundred reply parsers: a cost paid by every signed-in page, whose session is read from
this cache (liens.sessions). The client holds no connection of its own (it takes one from the
pool per command), and Django gives each thread its own cache object, so one client per pool
serves as well.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
