"""The provider the simulation sends through: it accepts every message and remembers each send.

Configured for every channel (OUTBOX_CHANNELS) for the run's duration only, so nobody is
emailed or texted; a row handed over twice shows up twice in `SENT`, which is how duplicates
are counted (the outbox's own rows say what Liens believes it sent).
"""

from __future__ import annotations

import threading

from django.utils import timezone

from liens.outbox.channels import Channel

SENT: list[tuple[int, object]] = []  # (notification pk, simulated instant of the send)
_lock = threading.Lock()

PATH = "simulation.channel.SimulatedChannel"


class SimulatedChannel(Channel):
    def send(self, notification) -> str:
        with _lock:
            SENT.append((notification.pk, timezone.now()))
        return f"sim-{notification.pk}"


def reset() -> None:
    with _lock:
        SENT.clear()
