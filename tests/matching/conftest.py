"""Fixtures of the matching tests."""

import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Factories hash a password per user; the real hasher takes most of a second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
