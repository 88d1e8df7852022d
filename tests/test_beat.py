"""Beat on several machines: every beat may run, the one holding the Redis lock schedules.

Real Redis (the test's own db) for the lock and as the broker the schedulers publish to; the
messages each scheduler really sent are counted in its test queue.
"""

import datetime
import uuid

import pytest
import redis
from celery import Celery
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from liens.beat import LockedScheduler
from tests.worker import redis_or_skip


@pytest.fixture
def beat_setup(tmp_path):
    """A fresh lock key and queue; builds schedulers sharing them, each with its own file."""
    url = redis_or_skip()
    client = redis.Redis.from_url(url)
    key, queue = f"liens:test:beat:{uuid.uuid4().hex}", f"liens-test-beat-{uuid.uuid4().hex[:8]}"
    app = Celery("beat-test", set_as_current=False)
    app.conf.update(
        broker_url=url,
        timezone=settings.TIME_ZONE,
        beat_schedule={
            "often": {
                "task": "liens.tests.often",
                "schedule": datetime.timedelta(seconds=5),
                "options": {"queue": queue},
            },
            # 03:00 Paris: long past at the suite's instant (10:00), due at once for a stale file.
            "nightly": {
                "task": "liens.tests.nightly",
                "schedule": crontab(hour=3, minute=0),
                "options": {"queue": queue},
            },
        },
    )
    scheduler_cls = type("TestLockedScheduler", (LockedScheduler,), {"lock_key": key})
    made = []

    def make(name):
        scheduler = scheduler_cls(app=app, schedule_filename=str(tmp_path / name))
        made.append(scheduler)
        return scheduler

    def sent() -> int:
        return client.llen(queue)

    yield make, sent, client, key
    for scheduler in made:
        scheduler.close()
    client.delete(key, queue)


def test_only_the_beat_holding_the_lock_sends(beat_setup, fixed_clock):
    make, sent, client, key = beat_setup
    first, second = make("first"), make("second")
    first.tick()
    second.tick()
    assert first.holding and not second.holding
    fixed_clock.shift(6)
    for _ in range(3):
        first.tick()
        second.tick()
    assert sent() == 1  # "often" once, by the holder only
    assert client.get(key).decode() == first.token
    assert 0 < client.pttl(key) <= first.lock_ttl * 1000


def test_a_beat_that_stops_hands_over_at_once(beat_setup, fixed_clock):
    make, sent, client, key = beat_setup
    first, second = make("first"), make("second")
    first.tick()
    second.tick()
    first.close()
    assert client.get(key) is None
    second.tick()
    assert second.holding
    fixed_clock.shift(6)
    second.tick()
    assert sent() == 1


def test_a_beat_whose_lease_ran_out_stops_sending(beat_setup, fixed_clock):
    make, sent, client, key = beat_setup
    first, second = make("first"), make("second")
    first.tick()
    client.delete(key)  # what the lease's time to live does when its holder stalls
    second.tick()
    assert second.holding
    fixed_clock.shift(6)
    first.tick()
    assert not first.holding
    assert sent() == 0
    second.tick()
    assert sent() == 1
    assert client.get(key).decode() == second.token


def test_a_beat_taking_over_does_not_replay_its_stale_schedule(beat_setup, fixed_clock):
    make, sent, client, key = beat_setup
    first = make("first")
    # Its schedule file says nothing ran for three days: a plain beat would send "nightly" now.
    for entry in first.schedule.values():
        entry.last_run_at = timezone.now() - datetime.timedelta(days=3)
    assert first.schedule["nightly"].is_due().is_due
    first.tick()
    first.tick()
    assert first.holding
    assert sent() == 0
    fixed_clock.shift(6)
    first.tick()
    first.tick()
    assert sent() == 1  # only "often", an interval after the takeover


def test_a_beat_that_cannot_reach_redis_stands_by_instead_of_crashing(beat_setup):
    make, sent, client, key = beat_setup
    beat = make("first")
    beat.lock.redis = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    assert beat.tick() == beat.renew_every
    assert not beat.holding


def test_settings_use_the_locked_scheduler_with_redis():
    redis_or_skip()
    from liens.celery import app

    assert app.conf.beat_scheduler == "liens.beat:LockedScheduler"
    assert LockedScheduler(app=app, lazy=True).max_interval <= LockedScheduler.renew_every
