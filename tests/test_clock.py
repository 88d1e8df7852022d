"""The suite's clock: each test starts at one instant that TEST_NOW moves (tests/clock.py)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from tests.clock import CHILD_CLOCK_ENV, child_clock_env, suite_instant, travel_from_env


def test_each_test_starts_at_the_suite_instant_and_the_clock_ticks():
    started = timezone.now()
    assert datetime.timedelta(0) <= started - suite_instant() < datetime.timedelta(seconds=30)
    assert timezone.now() >= started


def test_test_now_moves_the_instant_and_must_carry_an_offset(monkeypatch):
    monkeypatch.setenv("TEST_NOW", "2026-12-08T06:30:00+01:00")
    assert suite_instant() == datetime.datetime(2026, 12, 8, 5, 30, tzinfo=datetime.UTC)
    monkeypatch.setenv("TEST_NOW", "2026-12-08T06:30:00")
    with pytest.raises(SystemExit, match="needs an offset"):
        suite_instant()
    monkeypatch.setenv("TEST_NOW", "next tuesday")
    with pytest.raises(SystemExit, match="not an ISO 8601 instant"):
        suite_instant()


def test_a_child_process_clock_agrees_with_the_parent(monkeypatch):
    with time_machine.travel(datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC), tick=False):
        env = child_clock_env()
    monkeypatch.setenv(CHILD_CLOCK_ENV, env[CHILD_CLOCK_ENV])
    # What a worker does at start-up; stopped here so the rest of the test keeps its own clock.
    traveller = travel_from_env()
    child_now = timezone.now()
    traveller.stop()
    assert abs(child_now - datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)) < datetime.timedelta(seconds=5)
