"""A real Celery worker on Redis, killed in the middle of a batch, then Redis restarted:
every due notification still goes out exactly once.

The broker is a private redis-server started by this test on a free local port, so it can
really be restarted (without persistence: the restart loses every queued and unacked
message, the worst case) without touching the shared Redis other people use. What was sent
is recorded by the worker's RecordingChannel in a list on the test's own Redis db.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.utils import timezone

from liens.models import Notification
from tests import factories
from tests import worker as worker_helpers
from tests.clock import child_clock_env
from tests.worker import ROOT, celery_command, redis_or_skip, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SEND_DELAY = 0.3  # seconds per message: slow enough to kill the worker in the middle of a batch
STUCK_AFTER = 3  # seconds in "sending" before the sweeper re-queues a row of the dead worker


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own, without persistence, that can be stopped and started again."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: self._ping(), timeout=10, interval=0.05)

    def _ping(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
        except redis.RedisError:
            return False

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self):
        self.stop()
        self.start()


@contextlib.contextmanager
def worker(*, broker_url: str, queue: str, recording_key: str):
    """`celery worker --pool solo`: one process, so a SIGKILL kills the running task too."""
    env = {
        **os.environ,
        "DATABASE_URL": worker_helpers.test_database_url(),
        "REDIS_URL": broker_url,
        "SECRET_KEY": settings.SECRET_KEY,
        "DB_CONN_MAX_AGE": "0",
        "OUTBOX_CHANNEL_OVERRIDE": "liens.outbox.channels.RecordingChannel",
        "OUTBOX_RECORDING_REDIS_URL": settings.REDIS_URL,
        "OUTBOX_RECORDING_KEY": recording_key,
        "OUTBOX_RECORDING_DELAY": str(SEND_DELAY),
        "OUTBOX_BATCH_SIZE": "10",
        "OUTBOX_STUCK_AFTER_SECONDS": str(STUCK_AFTER),
        **child_clock_env(),
    }
    cmd = celery_command(
        "-A", "liens", "worker", "-Q", queue, "--pool", "solo",
        "--loglevel", "INFO", "--without-heartbeat", "--without-gossip", "--without-mingle",
        "-n", f"{queue}-{uuid.uuid4().hex[:4]}@%h",
    )  # fmt: skip
    log = open(os.devnull, "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def test_killed_worker_and_restarted_redis_still_send_every_due_notification_exactly_once():
    shared_url = redis_or_skip()  # the recording list lives on the test's own Redis db
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed: the broker restart needs a private Redis")
    user = factories.UserFactory()
    due = timezone.now() - timezone.timedelta(seconds=5)
    Notification.objects.bulk_create(
        Notification(recipient=user, channel="email", kind="crash", due_at=due, dedup_key=f"crash:{i}", body_text="x")
        for i in range(30)
    )
    expected = set(Notification.objects.filter(kind="crash").values_list("pk", flat=True))
    recording_key = f"liens:test:recorded:{uuid.uuid4().hex}"
    recorded = redis.Redis.from_url(shared_url)
    queue = f"liens-crash-{uuid.uuid4().hex[:8]}"
    broker = PrivateRedis()
    broker.start()
    # Not the current app: shared tasks elsewhere in the suite must keep publishing to the real broker.
    beat = Celery("beat-stand-in", set_as_current=False)

    def tick():
        """What beat does every minute, compressed: ask for a sweep and a dispatch."""
        beat.conf.broker_url = broker.url
        beat.send_task("liens.outbox.requeue_stuck", queue=queue)
        beat.send_task("liens.outbox.dispatch", queue=queue)

    try:
        # 1. A worker starts the batch; it is killed right after a message went out, mid-send of the next.
        with worker(broker_url=broker.url, queue=queue, recording_key=recording_key) as first:
            tick()
            wait_for(lambda: recorded.llen(recording_key) >= 5, timeout=60, interval=0.005)
            time.sleep(SEND_DELAY / 3)  # past the "sent" flush of the last message, inside the next send
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        in_flight = Notification.objects.filter(kind="crash", status="sending").count()
        assert in_flight > 0, "the worker was not killed in the middle of a batch"
        sent_before = recorded.llen(recording_key)

        # 2. The broker restarts and loses everything it held (the dispatch message, unacked).
        broker.restart()

        # 3. A new worker; beat keeps ticking; Redis restarts once more while it works.
        with worker(broker_url=broker.url, queue=queue, recording_key=recording_key) as second:
            time.sleep(STUCK_AFTER)
            tick()
            wait_for(lambda: recorded.llen(recording_key) > sent_before, timeout=60, interval=0.05)
            broker.restart()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if not Notification.objects.filter(kind="crash").exclude(status="sent").exists():
                    break
                # The broker may still be coming back: beat simply tries again at its next tick.
                with contextlib.suppress(Exception):
                    tick()
                time.sleep(1.5)
            assert second.poll() is None, "the second worker died"

        handed = [int(pk) for pk in recorded.lrange(recording_key, 0, -1)]
        assert len(handed) == len(set(handed)), (
            f"sent twice: {sorted(pk for pk in set(handed) if handed.count(pk) > 1)}"
        )
        assert set(handed) == expected
        assert Notification.objects.filter(kind="crash", status="sent").count() == len(expected)
    finally:
        recorded.delete(recording_key)
        broker.stop()
