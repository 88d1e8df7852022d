"""Fixtures of the outbox tests."""

import pytest

from .fakes import Recorder


@pytest.fixture
def recorder():
    return Recorder()
