"""A deployment check: the sign-in rate limits must live in a cache every web worker shares."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def rate_limits_use_a_shared_cache(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            Warning(
                "The default cache is per process: each web worker counts failed sign-ins on its own.",
                hint="Set REDIS_URL so the rate limits live in Redis.",
                id="liens.W001",
            )
        ]
    return []
