"""Dispatchers racing on PostgreSQL never hand one row over twice."""

import pytest
from django.db import connection
from django.utils import timezone

from liens.models import Notification
from liens.outbox import dispatch as dispatch_module
from tests import factories

from .fakes import Recorder, channels, race

pytestmark = pytest.mark.django_db(transaction=True)


def fill(count: int) -> set[int]:
    user = factories.UserFactory()
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(recipient=user, channel="email", kind="race", due_at=now, dedup_key=f"race:{i}", body_text="x")
        for i in range(count)
    )
    return set(Notification.objects.filter(kind="race").values_list("pk", flat=True))


@pytest.mark.parametrize("strategy", ["skip_locked", "conditional_update"])
def test_four_dispatchers_racing_send_every_row_exactly_once(strategy, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the race is tested on PostgreSQL (set DATABASE_URL)")
    if strategy == "conditional_update":
        # The portable path, forced on PostgreSQL so its race is exercised on a real concurrent database.
        monkeypatch.setattr(dispatch_module, "connection", type("FakeVendor", (), {"vendor": "other"})())
    expected = fill(400)
    recorder = Recorder(delay=0.001)

    errors = race(dispatchers=4, batch_size=25, channels=channels(recorder))

    assert errors == []
    assert len(recorder.sent) == len(set(recorder.sent)), "a row was handed over twice"
    assert set(recorder.sent) == expected
    assert Notification.objects.filter(kind="race").exclude(status="sent").count() == 0
