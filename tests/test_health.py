"""/healthz reports the database, the broker and the job loop."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from liens.celery import app as celery_app
from liens.services import heartbeat_record

pytestmark = pytest.mark.django_db


def test_it_is_healthy_when_the_heartbeat_is_fresh(client):
    heartbeat_record()
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["ok"] is True
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert body["checks"]["heartbeat"]["last_beat_at"] is not None


def test_it_answers_503_before_any_heartbeat(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["heartbeat"] == {"ok": False, "last_beat_at": None}


def test_it_answers_503_when_the_heartbeat_is_stale(client):
    with time_machine.travel(timezone.now() - datetime.timedelta(minutes=10)):
        heartbeat_record()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["heartbeat"]["ok"] is False


def test_it_answers_503_when_the_broker_is_down(client, monkeypatch):
    heartbeat_record()
    # Nothing listens on port 1: the broker check must fail fast and say so, not raise.
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(celery_app.conf, "broker_write_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_the_heartbeat_is_idempotent():
    first = heartbeat_record()
    second = heartbeat_record()
    assert first.pk == second.pk
    assert second.beat_at >= first.beat_at


def test_it_answers_503_not_500_when_the_heartbeat_cannot_be_read(client, monkeypatch):
    """A release deployed before its migrations ran has no heartbeat table: the probe says so."""
    from django.db import ProgrammingError

    from liens import selectors

    class Unmigrated:
        class objects:  # noqa: N801 (stands in for the model's manager)
            @staticmethod
            def filter(**kwargs):
                raise ProgrammingError('relation "liens_jobheartbeat" does not exist')

    monkeypatch.setattr(selectors, "JobHeartbeat", Unmigrated)
    response = client.get("/healthz")
    assert response.status_code == 503
    heartbeat = response.json()["checks"]["heartbeat"]
    assert heartbeat["ok"] is False and "does not exist" in heartbeat["error"]
