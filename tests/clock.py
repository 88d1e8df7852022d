"""The suite's clock: every test runs at one fixed instant unless it travels elsewhere.

Tests that built "today" from the real clock passed or failed with the day of the week (a
weekly Tuesday 15:00 mission materialised today's visit before the test made its own). So the
whole suite, browser tests and Celery worker processes included, starts each test at the same
instant: `DEFAULT_TEST_NOW`, or `TEST_NOW` from the environment to replay the suite at a hard
moment (`TEST_NOW=2026-03-29T02:30:00+02:00 make test`). The clock ticks from there, so code
that waits or measures durations behaves as it does for real.
"""

import datetime
import os
import time

import time_machine

# A plain Wednesday morning in Paris: no DST change, month or year end nearby. Hard instants are
# replayed by CI through TEST_NOW (see .ci/run).
DEFAULT_TEST_NOW = "2026-11-18T10:00:00+01:00"

# Set for a child process (a Celery worker) so its clock reads what the parent's reads.
CHILD_CLOCK_ENV = "LIENS_TEST_CLOCK"


def suite_instant() -> datetime.datetime:
    """The instant each test starts at: TEST_NOW (ISO 8601 with an offset) or the default."""
    raw = os.environ.get("TEST_NOW") or DEFAULT_TEST_NOW
    try:
        instant = datetime.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise SystemExit(f"TEST_NOW={raw!r} is not an ISO 8601 instant: {exc}") from exc
    if instant.tzinfo is None:
        raise SystemExit(f"TEST_NOW={raw!r} needs an offset, e.g. 2026-12-08T06:30:00+01:00")
    return instant


def _real_time() -> float:
    # The escape hatch reads the real clock only while some travel is active (outside one it
    # crashes the interpreter), and outside one time.time() is the real clock anyway.
    return time_machine.escape_hatch.time.time() if time_machine.escape_hatch.is_travelling() else time.time()


def child_clock_env() -> dict[str, str]:
    """Environment that makes a child process's clock agree with this process's travelled one.

    Passes this process's current (travelled) time and the real time it was read at; the child
    adds the real time elapsed since, so process start-up does not put it behind.
    """
    travelled = time.time()
    real = _real_time()
    return {CHILD_CLOCK_ENV: f"{travelled!r} {real!r}"}


def travel_from_env() -> time_machine.travel | None:
    """In a child process: travel (ticking, for good) to the parent's clock, if it passed one.

    Returns the started traveller (None when the parent passed no clock).
    """
    value = os.environ.get(CHILD_CLOCK_ENV)
    if not value:
        return None
    travelled, real_then = (float(part) for part in value.split())
    destination = travelled + (_real_time() - real_then)
    traveller = time_machine.travel(destination, tick=True)
    traveller.start()
    return traveller
