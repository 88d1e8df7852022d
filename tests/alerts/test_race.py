"""Two sweeps at the same time on PostgreSQL: each due person is claimed by exactly one."""

import threading

import pytest
from django.db import connection, connections, transaction

from missions.alerts.sweep import isolation_sweep
from missions.models import AlertEvent, IsolationAlert
from tests.alerts.conftest import followed

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED are PostgreSQL's; SQLite has a single writer")


def _in_thread(target, *args):
    """Run `target` in a thread with its own database connection; return (thread, results)."""
    results: dict = {}

    def run():
        try:
            results["value"] = target(*args)
        except Exception as exc:  # surfaced by the test, not swallowed
            results["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, results


def test_a_sweep_skips_the_rows_another_sweep_holds_and_only_one_alert_is_raised(association_a):
    beneficiary = followed(association_a, days_silent=12)
    holding = threading.Event()
    release = threading.Event()

    def first_sweep():
        # The first sweep claims and writes, but has not committed yet when the second runs.
        with transaction.atomic():
            result = isolation_sweep()
            holding.set()
            release.wait(timeout=30)
        return result

    first, first_result = _in_thread(first_sweep)
    assert holding.wait(timeout=30)
    second, second_result = _in_thread(isolation_sweep)
    second.join(timeout=30)
    assert not second.is_alive(), "the second sweep waited on the first one's lock instead of skipping it"
    release.set()
    first.join(timeout=30)

    assert "error" not in first_result and "error" not in second_result
    assert first_result["value"].raised == 1
    assert second_result["value"].claimed == 0
    # And once the first has committed, a third finds nothing due either.
    assert isolation_sweep().claimed == 0
    assert IsolationAlert.objects.filter(beneficiary=beneficiary).count() == 1
    assert not AlertEvent.objects.exists()  # raising writes the alert row only


def test_two_sweeps_racing_over_many_rows_raise_exactly_one_alert_each(association_a):
    people = [followed(association_a, days_silent=10 + i % 12) for i in range(120)]
    start = threading.Barrier(2)

    def sweep():
        start.wait(timeout=30)
        return isolation_sweep(batch_size=7)

    runs = [_in_thread(sweep) for _ in range(2)]
    for thread, _ in runs:
        thread.join(timeout=60)
    results = [result for _, result in runs]
    assert all("error" not in result for result in results), results
    assert sum(result["value"].raised for result in results) == len(people)
    assert sum(result["value"].failed for result in results) == 0
    assert IsolationAlert.objects.count() == len(people)
    assert not AlertEvent.objects.exists()  # raising writes the alert row only
