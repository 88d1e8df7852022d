"""Dispatchers racing on PostgreSQL never hand one row over twice."""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from liens.models import Notification
from liens.outbox import dispatch as dispatch_module
from liens.outbox.dispatch import dispatch_due
from tests import factories

from .fakes import Recorder, channels

pytestmark = pytest.mark.django_db(transaction=True)


def fill(count: int) -> set[int]:
    user = factories.UserFactory()
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(recipient=user, channel="email", kind="race", due_at=now, dedup_key=f"race:{i}", body_text="x")
        for i in range(count)
    )
    return set(Notification.objects.filter(kind="race").values_list("pk", flat=True))


def race(*, dispatchers: int, recorder: Recorder, batch_size: int) -> list:
    """Start the dispatchers together in threads, each with its own database connection."""
    start = threading.Barrier(dispatchers)
    errors = []

    def one():
        try:
            start.wait()
            dispatch_due(batch_size=batch_size, channels=channels(recorder))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(dispatchers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.parametrize("strategy", ["skip_locked", "conditional_update"])
def test_four_dispatchers_racing_send_every_row_exactly_once(strategy, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the race is tested on PostgreSQL (set DATABASE_URL)")
    if strategy == "conditional_update":
        # The portable path, forced on PostgreSQL so its race is exercised on a real concurrent database.
        monkeypatch.setattr(dispatch_module, "connection", type("FakeVendor", (), {"vendor": "other"})())
    expected = fill(400)
    recorder = Recorder(delay=0.001)

    errors = race(dispatchers=4, recorder=recorder, batch_size=25)

    assert errors == []
    assert len(recorder.sent) == len(set(recorder.sent)), "a row was handed over twice"
    assert set(recorder.sent) == expected
    assert Notification.objects.filter(kind="race").exclude(status="sent").count() == 0
