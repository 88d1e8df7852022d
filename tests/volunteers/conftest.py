"""Fixtures for the volunteer pages."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The real hasher costs ~0.3 s per password on a shared 2-core machine; the flows under
    # test do not depend on which hasher stores the password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth keeps its rate limits (one verification mail per address every few minutes) in
    # the cache, which is Redis in CI: without this, one test's sign-up throttles the next.
    cache.clear()
    yield
    cache.clear()
