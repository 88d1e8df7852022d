"""Start a real Celery worker process against Redis, sharing the test database."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.clock import child_clock_env

ROOT = Path(__file__).resolve().parent.parent


def redis_or_skip() -> str:
    """The Redis URL, or skip with the reason. In CI a missing Redis is a failure, not a skip."""
    url = settings.REDIS_URL
    reason = ""
    if not url:
        reason = "REDIS_URL is not set"
    else:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            reason = f"Redis at {url} is unreachable: {exc}"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the worker tests against Redis")
        pytest.skip(reason)
    return url


def test_database_url() -> str:
    """A DATABASE_URL pointing a child process at the database the tests are using now."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@contextmanager
def celery_worker(*, concurrency: int = 1, extra_env: dict | None = None):
    """Run `celery worker` on a private queue; yields (queue name, process)."""
    queue = f"liens-test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "DB_CONN_MAX_AGE": "0",
        **child_clock_env(),
        **(extra_env or {}),
    }
    cmd = celery_command(
        "-A", "liens", "worker", "-Q", queue,
        "--concurrency", str(concurrency), "--pool", "prefork", "--loglevel", "INFO",
        "--without-heartbeat", "--without-gossip", "--without-mingle",
        "-n", f"{queue}@%h",
    )  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield queue, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def celery_command(*args: str) -> list[str]:
    """`python -m celery <args>` whose clock agrees with the test's (see tests/clock.py).

    The worker reads "now" when it checks a message's expiry and inside every task, so it must
    run at the test's travelled instant, not the real one. Pass `child_clock_env()` in its env.
    """
    start = "from tests.clock import travel_from_env; travel_from_env(); from celery.__main__ import main; main()"
    return [sys.executable, "-c", start, *args]


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2):
    """Poll until predicate() is truthy; returns its value or raises AssertionError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
