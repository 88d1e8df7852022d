"""PostgreSQL specifics: the backend (base.py), and queries planned for their own values."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def planned_each_time() -> Iterator[None]:
    """Send the block's queries unprepared, so that PostgreSQL plans each for its values.

    The connection prepares a query it has run five times (settings.DATABASES), and PostgreSQL
    then settles on a generic plan, one for any value. Right for a page's queries, whose best
    plan is the same whatever the ids; wrong where the values choose the plan: a mission's facts
    are read for its candidates, a handful for one mission and hundreds for another, and the
    one plan for both took 31 ms where a plan for the mission's own candidates takes 4, making
    the slowest suggestions three times slower (benchmark matching, 100,000 volunteers: 95th
    percentile 14.7 ms planned each time, 43 ms prepared)."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    driver = connection.connection
    threshold = driver.prepare_threshold
    driver.prepare_threshold = None  # psycopg: neither prepare nor use a prepared statement
    try:
        yield
    finally:
        driver.prepare_threshold = threshold
