"""Fake channels for the outbox tests: they record, fail, or sleep."""

import threading
import time

from liens.outbox.channels import Channel


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
