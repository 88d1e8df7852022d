"""Fixtures for the volunteer's side of missions: the same as for their profile pages (fast
password hashing, a fresh cache for allauth's rate limits), imported rather than restated."""

from tests.volunteers.conftest import _fast_passwords, _fresh_cache  # noqa: F401
