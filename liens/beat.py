"""Celery beat on more than one machine: any number of beats may run, exactly one schedules.

Two beats both sending the schedule would send every periodic job twice. The jobs are
idempotent, so that would be waste rather than harm, but it is still waste, and a machine
should not have to be "the beat machine" either. So every beat asks Redis (the broker all
machines share) for one lock, a lease with a time to live that its holder renews at every
tick (redis-py's Lock: SET NX PX with a random token, renewed and released by Lua scripts that
check the token, so nobody extends or frees a lease they no longer hold). Only the holder
sends; the others wait, trying again every RENEW_EVERY seconds, and one of them takes over
at most LOCK_TTL + RENEW_EVERY seconds after the holder died, at once if it stopped cleanly.

A lease is not a mutex: a holder frozen for longer than LOCK_TTL (a paused virtual machine)
may send one more round after another beat has taken over. That is the bounded, harmless
case: every entry of the schedule expires about one interval later and every job is safe to
run twice (liens/settings_celery.py).

A beat that takes the lock starts its entries afresh, as a beat started now would: intervals
count from now, crontab entries wait for their next time. Its own schedule file may be days
old (it was waiting all along), and replaying it would send the nightly jobs in the middle of
the day. A nightly job whose time passed while no beat held the lock waits for the next night;
each of them works from stored deadlines, so the next run catches up.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid

import redis
from celery.beat import PersistentScheduler
from redis.exceptions import LockError

log = logging.getLogger(__name__)

LOCK_KEY = "liens:beat:lock"
LOCK_TTL = 60  # seconds a beat that died without a word keeps the others waiting
RENEW_EVERY = 10  # seconds between the holder's renewals, and between the others' attempts


class LockedScheduler(PersistentScheduler):
    """PersistentScheduler that sends nothing unless it holds the beat lock in Redis."""

    lock_key = LOCK_KEY
    lock_ttl = LOCK_TTL
    renew_every = RENEW_EVERY

    def __init__(self, *args, **kwargs):
        self.holding = False
        super().__init__(*args, **kwargs)
        # The holder must come back to renew before its lease runs out, however far away the
        # next due entry is.
        self.max_interval = min(self.max_interval, self.renew_every)
        client = redis.Redis.from_url(self.app.conf.broker_url, socket_timeout=5, socket_connect_timeout=5)
        self.lock = client.lock(self.lock_key, timeout=self.lock_ttl, thread_local=False)
        # Read in Redis by whoever wonders which machine schedules (`GET liens:beat:lock`).
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def tick(self, *args, **kwargs):
        if not self.lock_hold():
            return self.renew_every
        return super().tick(*args, **kwargs)

    def lock_hold(self) -> bool:
        """Renew the lease if held, else try to take it. True when this beat may send."""
        try:
            if self.holding:
                try:
                    self.lock.reacquire()
                    return True
                except LockError:
                    # It expired (this process stalled past LOCK_TTL) and another beat may
                    # already hold it: stop sending, and queue up like the others.
                    log.warning("beat: lost the lock %s; another beat schedules now", self.lock_key)
                    self.holding = False
            if self.lock.acquire(blocking=False, token=self.token):
                self.holding = True
                self.entries_start_afresh()
                log.info("beat: holds the lock %s (%s); scheduling", self.lock_key, self.token)
        except redis.RedisError as exc:
            # Redis is the broker too: nothing could be sent anyway. Stop, and try again later.
            # The lease, if it was ours, runs out on its own and whoever reaches Redis first takes it.
            if self.holding:
                log.warning("beat: cannot reach Redis (%s); not scheduling until it is back", exc)
            self.holding = False
        return self.holding

    def entries_start_afresh(self) -> None:
        """Every entry counts from now, as in a beat started now (see the module's notes)."""
        now = self.app.now()
        for entry in self.schedule.values():
            entry.last_run_at = now
        self._heap = None  # the next tick rebuilds it from the entries
        self.sync()

    def close(self):
        # A clean stop hands over at once instead of after LOCK_TTL.
        if self.holding:
            # Expired or unreachable: the lease then ends on its own.
            with contextlib.suppress(LockError, redis.RedisError):
                self.lock.release()
            self.holding = False
        super().close()

    @property
    def info(self):
        return f"{super().info}\n    . lock -> {self.lock_key} (ttl {self.lock_ttl} s)"
