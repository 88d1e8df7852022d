"""The periodic jobs run in a real Celery worker on Redis, registered by name as beat sends them."""

import pytest
from django.conf import settings

from missions.alerts.tasks import escalate_alerts, sweep_isolation
from missions.models import IsolationAlert
from tests.alerts.conftest import followed
from tests.worker import celery_worker, redis_or_skip, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_beat_schedule_names_the_alert_tasks():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["sweep-isolation"]["task"] == sweep_isolation.name
    assert schedule["escalate-alerts"]["task"] == escalate_alerts.name
    assert schedule["sweep-isolation"]["options"]["expires"] < schedule["sweep-isolation"]["schedule"].total_seconds()


def test_a_worker_runs_the_sweep_and_raises_the_alert(association_a):
    redis_or_skip()
    beneficiary = followed(association_a, days_silent=12)
    with celery_worker() as (queue, proc):
        sweep_isolation.apply_async(queue=queue)
        try:
            alert = wait_for(lambda: IsolationAlert.objects.filter(beneficiary=beneficiary).first(), timeout=60)
        except AssertionError:
            proc.terminate()
            output = proc.communicate(timeout=15)[0]
            pytest.fail(f"the worker never raised the alert; its output:\n{output[-4000:]}")
    assert alert.kind == IsolationAlert.Kind.NO_CONTACT
