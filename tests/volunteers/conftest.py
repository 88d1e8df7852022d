"""Fixtures for the volunteer pages."""

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The real hasher costs ~0.3 s per password on a shared 2-core machine; the flows under
    # test do not depend on which hasher stores the password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
