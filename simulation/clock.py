"""The simulated clock: time-machine holds the process's clock still and moves it in jumps.

Every reader of the time (timezone.now(), the outbox's clock, the sweep's SQL parameters) sees
the simulated instant; time.perf_counter() is left alone, so the run's own cost is real time.
time-machine is a runtime dependency already (the demo seeds replay their past with it).
"""

from __future__ import annotations

import datetime

import time_machine


class SimulatedClock:
    """A clock standing still at `start` until moved; never moves back."""

    def __init__(self, start: datetime.datetime):
        self.now = start
        self._traveller = time_machine.travel(start, tick=False)

    def __enter__(self) -> SimulatedClock:
        self._shifter = self._traveller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._traveller.stop()

    def move_to(self, moment: datetime.datetime) -> None:
        if moment < self.now:
            raise ValueError(f"the simulated clock does not go back ({moment} < {self.now})")
        self._shifter.move_to(moment)
        self.now = moment
