"""A real Celery worker on Redis runs a task end to end."""

import datetime

import pytest
from django.utils import timezone

from liens.models import JobHeartbeat
from liens.tasks import heartbeat
from tests.worker import celery_worker, redis_or_skip, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_on_redis_runs_the_heartbeat_and_the_database_sees_it():
    redis_or_skip()
    assert not JobHeartbeat.objects.exists()
    with celery_worker() as (queue, proc):
        heartbeat.apply_async(queue=queue)
        try:
            beat = wait_for(lambda: JobHeartbeat.objects.filter(name="celery").first(), timeout=60)
        except AssertionError:
            proc.terminate()
            output = proc.communicate(timeout=15)[0]
            pytest.fail(f"the worker never ran the heartbeat; its output:\n{output[-4000:]}")
    # The worker runs on the test's clock (tests/clock.py), not the real one.
    assert abs(beat.beat_at - timezone.now()) < datetime.timedelta(seconds=60)
