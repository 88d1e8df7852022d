"""Fake channels for the outbox tests: they record, fail, or sleep; and dispatchers racing."""

import threading
import time

from django.db import connections

from liens.outbox.channels import Channel
from liens.outbox.dispatch import dispatch_due


class Recorder(Channel):
    """Remembers every row it was handed; thread-safe; optionally slow."""

    def __init__(self, delay: float = 0.0):
        self.sent: list[int] = []
        self.delay = delay
        self.lock = threading.Lock()

    def send(self, notification) -> str:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.sent.append(notification.pk)
        return f"ref-{notification.pk}"


class Failing(Channel):
    def __init__(self, error: Exception):
        self.error = error
        self.calls = 0

    def send(self, notification) -> str:
        self.calls += 1
        raise self.error


def channels(channel) -> dict:
    return {"email": channel, "sms": channel, "push": channel}


def race(*, dispatchers: int, batch_size: int, channels: dict | None = None) -> list:
    """Start the dispatchers together in threads, each with its own database connection; returns
    their exceptions. `channels` None: the configured ones, a fresh set per dispatcher."""
    start = threading.Barrier(dispatchers)
    errors = []

    def one():
        try:
            start.wait()
            dispatch_due(batch_size=batch_size, channels=channels)
        except Exception as exc:  # surfaced by the caller's assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(dispatchers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors
