"""The Celery wiring: every task a worker may be sent is registered from the settings alone,
and tasks sent by requests and services leave only after the commit."""

import datetime
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from celery import Task
from django.conf import settings
from django.db import transaction

from liens.celery import AfterCommitTask, app
from simulation.schedule import Job
from tests.worker import celery_worker, redis_or_skip, wait_for

ROOT = Path(__file__).resolve().parent.parent
SCHEDULED = sorted({entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()})
SENT_BY_SERVICES = [
    "missions.visits.materialise_match",
    "missions.association.import_check",
    "missions.association.import_run",
]


def _task_modules() -> set[str]:
    """Every `tasks` module of the project's own packages, found on disk."""
    found = set()
    for path in ROOT.rglob("tasks.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[0] in {".venv", "tests", "node_modules"} or any(p.startswith(".") for p in parts):
            continue
        found.add(".".join(parts))
    return found


def test_celery_imports_lists_every_tasks_module_of_the_project():
    assert sorted(settings.CELERY_IMPORTS) == sorted(_task_modules())
    assert len(settings.CELERY_IMPORTS) == len(set(settings.CELERY_IMPORTS))


def test_a_fresh_app_knows_every_scheduled_task_without_loading_the_url_conf():
    # A worker runs Django's system checks when it imports its task modules, and the checks
    # load the URL conf, which imports views, which import tasks modules on the side. Without
    # the checks (CELERY_SKIP_CHECKS), only the settings say what a worker knows.
    script = """
import json, sys
import django
django.setup()
from liens.celery import app
app.loader.import_default_modules()
print(json.dumps({
    "tasks": sorted(app.tasks),
    "modules": sorted(m for m in sys.modules if m.endswith(".tasks")),
    "urlconf_loaded": "liens.urls" in sys.modules,
}))
"""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "liens.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "CELERY_SKIP_CHECKS": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["urlconf_loaded"] is False
    assert set(settings.CELERY_IMPORTS) <= set(loaded["modules"])
    assert [task for task in SCHEDULED if task not in loaded["tasks"]] == []
    # The tasks that requests and services send are there too.
    for name in SENT_BY_SERVICES:
        assert name in loaded["tasks"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_registers_every_scheduled_task_and_every_listed_module():
    redis_or_skip()
    # Without the system checks, so the URL conf imports nothing on the worker's behalf.
    with celery_worker(extra_env={"CELERY_SKIP_CHECKS": "1"}) as (queue, proc):

        def registered():
            replies = app.control.inspect(timeout=2).registered() or {}
            return next((tasks for name, tasks in replies.items() if name.startswith(f"{queue}@")), None)

        try:
            names = set(wait_for(registered, timeout=60, interval=0.5))
        except AssertionError:
            proc.terminate()
            pytest.fail(f"the worker never answered; its output:\n{proc.communicate(timeout=15)[0][-4000:]}")
    assert [task for task in SCHEDULED if task not in names] == []
    for module in settings.CELERY_IMPORTS:  # here too, to know which module defines which task
        importlib.import_module(module)
    modules = {app.tasks[name].__module__ for name in names if name in app.tasks}
    assert set(settings.CELERY_IMPORTS) <= modules
    assert set(SENT_BY_SERVICES) <= names


# --- tasks sent after commit ---------------------------------------------------------------------


@pytest.fixture
def sent(monkeypatch):
    """What reaches the broker: (task name, args) of every message actually sent."""
    messages = []
    monkeypatch.setattr(
        Task, "apply_async", lambda task, args=None, kwargs=None, **options: messages.append((task.name, args))
    )
    return messages


def test_the_tasks_sent_by_requests_and_services_wait_for_the_commit():
    from missions.association import tasks as association_tasks
    from missions.visits import tasks as visits_tasks

    for task in [visits_tasks.materialise_match, association_tasks.import_check, association_tasks.import_run]:
        assert isinstance(task, AfterCommitTask), task.name


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_inside_a_transaction_leaves_at_the_commit(sent):
    from missions.visits.tasks import materialise_match

    with transaction.atomic():
        materialise_match.delay(41)
        assert sent == []
    assert sent == [("missions.visits.materialise_match", (41,))]


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_inside_a_rolled_back_transaction_never_leaves(sent):
    from missions.visits.tasks import materialise_match

    with pytest.raises(RuntimeError), transaction.atomic():
        materialise_match.delay(42)
        raise RuntimeError("the request failed")
    assert sent == []


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_outside_a_transaction_leaves_at_once(sent):
    from missions.visits.tasks import materialise_match

    materialise_match.apply_async(args=[43], countdown=5)
    assert sent == [("missions.visits.materialise_match", [43])]


# --- queues ---------------------------------------------------------------------------------------

# What must never wait behind long jobs, and the long jobs themselves (liens/settings_celery.py).
URGENT = {
    "liens.outbox.dispatch",
    "liens.outbox.requeue_stuck",
    "liens.tasks.heartbeat",
    "missions.alerts.tasks.sweep_isolation",
    "missions.alerts.tasks.escalate_alerts",
}
BULK = {
    "missions.association.import_check",
    "missions.association.import_run",
    "missions.matching.propose_all",
    "missions.visits.materialise_all",
    "missions.visits.plan_reminders_all",
    "missions.visits.send_digests",
    "liens.tasks.purge_access_log",
    "liens.tasks.purge_sent_notifications",
    "missions.privacy.purge_import_files",
    "missions.privacy.anonymise_ended",
}


def _project_tasks() -> set[str]:
    """The name of every task defined in a module of CELERY_IMPORTS."""
    for module in settings.CELERY_IMPORTS:
        importlib.import_module(module)
    return {name for name, task in app.tasks.items() if task.__module__ in settings.CELERY_IMPORTS}


def _queue(task_name: str) -> str:
    """The queue a message for this task is published to, as the app's router decides it."""
    return app.amqp.router.route({}, task_name)["queue"].name


def test_every_task_and_every_scheduled_job_is_routed_to_a_known_queue():
    names = _project_tasks() | set(SCHEDULED)
    assert len(names) > 15
    assert {name: _queue(name) for name in names if _queue(name) not in settings.LIENS_QUEUES} == {}
    # Each one by name, so where a new task runs is a reviewed choice, not the fallback.
    assert sorted(names - set(settings.CELERY_TASK_ROUTES)) == []
    assert sorted(set(settings.CELERY_TASK_ROUTES) - names) == []
    # The routes are the one home of queues: no beat entry names its own.
    assert [key for key, entry in settings.CELERY_BEAT_SCHEDULE.items() if "queue" in entry.get("options", {})] == []


def test_urgent_work_goes_to_the_urgent_queue_and_bulk_work_to_the_bulk_queue():
    assert {name: _queue(name) for name in URGENT} == dict.fromkeys(URGENT, "urgent")
    assert {name: _queue(name) for name in BULK} == dict.fromkeys(BULK, "bulk")
    assert {name for name in _project_tasks() if _queue(name) == "urgent"} == URGENT


def test_a_task_nobody_routed_goes_to_the_default_queue():
    assert settings.CELERY_TASK_DEFAULT_QUEUE in settings.LIENS_QUEUES
    assert _queue("liens.tests.never_routed") == settings.CELERY_TASK_DEFAULT_QUEUE == "default"


def test_a_sped_up_schedule_keeps_its_entries_and_times_of_day():
    from liens.settings_celery import CELERY_BEAT_SCHEDULE, schedule_sped_up

    faster = schedule_sped_up(CELERY_BEAT_SCHEDULE, 10)
    assert faster.keys() == CELERY_BEAT_SCHEDULE.keys()
    assert faster["dispatch-notifications"]["schedule"].total_seconds() == 6
    assert faster["dispatch-notifications"]["options"] == CELERY_BEAT_SCHEDULE["dispatch-notifications"]["options"]
    assert faster["send-digests"]["schedule"] == CELERY_BEAT_SCHEDULE["send-digests"]["schedule"]
    assert CELERY_BEAT_SCHEDULE["dispatch-notifications"]["schedule"].total_seconds() == 60  # untouched


def test_pauses_are_resumed_on_the_hour_whatever_beats_phase():
    """A pause ends at local midnight; the run that resumes it (and so lets the sweep see a
    silence that ended with it) comes then, not at the minute beat happened to start."""
    entry = settings.CELERY_BEAT_SCHEDULE["beneficiaries-resume-due"]
    job = Job(name="resume", task_name=entry["task"], schedule=entry["schedule"], expires=None)
    paris = ZoneInfo(settings.CELERY_TIMEZONE)
    # Beat started at 06:37 on the 15th; the last run before the pause's end was at 23:37.
    last_run = datetime.datetime(2027, 3, 15, 23, 37, tzinfo=paris)
    first = job.due_after(last_run, step=datetime.timedelta(minutes=5), zone=paris)
    assert first == datetime.datetime(2027, 3, 16, 0, 0, tzinfo=paris)
