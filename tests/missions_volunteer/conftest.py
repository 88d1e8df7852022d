"""Fixtures for the volunteer's side of missions: the same fast password hashing as for their
profile pages, imported rather than restated (every test's fresh cache is tests/conftest.py's)."""

from tests.volunteers.conftest import _fast_passwords  # noqa: F401
