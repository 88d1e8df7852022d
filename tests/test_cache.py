"""The shared cache (liens.lib.cache): Django's Redis backend, one client per connection pool."""

import pytest
from django.conf import settings
from django.core.cache import caches

from liens.lib.cache import RedisCache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="the shared cache is Redis (set REDIS_URL)")


def test_the_shared_cache_keeps_its_client_and_still_answers():
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    client = cache._cache.get_client("liens-test", write=True)
    assert cache._cache.get_client("liens-test") is client
    cache.set("liens-test", {"kept": [1, 2]}, 30)
    assert cache.get("liens-test") == {"kept": [1, 2]}
    cache.delete("liens-test")
    assert cache.get("liens-test") is None
