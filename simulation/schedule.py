"""The beat schedule as configured, played on the simulated clock.

The jobs are read from settings.CELERY_BEAT_SCHEDULE (liens.settings_celery), never copied, and
each one is the task a worker runs, resolved by name from the Celery app and called in this
process (Task.__call__, as the worker's pool calls it). When each is due:

- a timedelta entry runs when beat starts, then every interval after its last run; one shorter
  than the simulation's step runs once per step (a beat whose tick is the step);
- a crontab entry runs at its wall-clock minutes in CELERY_TIMEZONE. A minute that does not exist
  locally (02:10 on the night clocks go forward) is read as zoneinfo reads it (fold 0): the same
  instant as 03:10 summer time, once.

Faults change what a due run becomes (see Outage): lost with the broker, queued for a worker
that is down (and then run at its return unless the entry's `expires` has passed), or, when the
clock jumps, run once at the first moment after the jump, as beat does on waking.
"""

from __future__ import annotations

import datetime
import threading
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from celery.schedules import crontab
from django.conf import settings
from django.db import close_old_connections, connections

UTC = datetime.UTC


@dataclass
class Job:
    name: str
    task_name: str
    schedule: datetime.timedelta | crontab
    expires: float | None
    next_due: datetime.datetime | None = None
    runs: int = 0
    skipped: int = 0
    seconds: float = 0.0
    # Every moment beat sent it (its due times, whatever became of the run: the measures ask
    # whether a sweep was due during a silence, which a fault must not hide).
    sent: list[datetime.datetime] = field(default_factory=list)

    def due_after(self, moment: datetime.datetime, *, step: datetime.timedelta, zone: ZoneInfo) -> datetime.datetime:
        """The first due time strictly after `moment` (an interval counts from `moment`, its last run)."""
        if isinstance(self.schedule, datetime.timedelta):
            return moment + max(self.schedule, step)
        return crontab_next(self.schedule, moment, zone)


def _sorted(values) -> list[int]:
    return sorted(int(v) for v in values)


def crontab_next(entry: crontab, moment: datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    """The first instant after `moment` whose local wall clock matches the crontab entry."""
    day = moment.astimezone(zone).date()
    for _ in range(400):
        # crontab counts Sunday as 0, Python's weekday() Monday as 0.
        if (
            (day.weekday() + 1) % 7 in entry.day_of_week
            and day.day in entry.day_of_month
            and day.month in entry.month_of_year
        ):
            for hour in _sorted(entry.hour):
                for minute in _sorted(entry.minute):
                    local = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)
                    instant = local.astimezone(UTC)
                    if instant > moment:
                        return instant
        day += datetime.timedelta(days=1)
    raise ValueError(f"crontab {entry!r} is never due")


def jobs_from_settings() -> list[Job]:
    """One Job per entry of CELERY_BEAT_SCHEDULE, in the order the dict lists them."""
    jobs = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        jobs.append(
            Job(
                name=name,
                task_name=entry["task"],
                schedule=entry["schedule"],
                expires=(entry.get("options") or {}).get("expires"),
            )
        )
    return jobs


def task_for(task_name: str):
    """The task a worker would run for this name, from the project's Celery app."""
    from liens.celery import app

    app.loader.import_default_modules()  # CELERY_IMPORTS, as a worker imports them
    return app.tasks[task_name]


@dataclass
class Outage:
    """A fault over [start, end): `worker` (runs queue up and expire), `broker` (runs are lost),
    `jump` (the clock leaps over the window; each job then runs once, as beat does on waking)."""

    kind: str
    start: datetime.datetime
    end: datetime.datetime

    def covers(self, moment: datetime.datetime) -> bool:
        return self.start <= moment < self.end


@dataclass
class Scheduler:
    """Plays the jobs on the simulated clock. `run_job` is called for each run, at its moment."""

    start: datetime.datetime
    step: datetime.timedelta
    outages: list[Outage] = field(default_factory=list)
    concurrent_sweeps: int = 1

    def __post_init__(self):
        self.zone = ZoneInfo(settings.CELERY_TIMEZONE)
        self.jobs = jobs_from_settings()
        self.tasks = {job.task_name: task_for(job.task_name) for job in self.jobs}
        for job in self.jobs:
            # Beat sends every interval entry when it starts; crontab entries at their minutes.
            if isinstance(job.schedule, datetime.timedelta):
                job.next_due = self.start
            else:
                job.next_due = crontab_next(job.schedule, self.start - datetime.timedelta(microseconds=1), self.zone)
        self.queued: list[tuple[datetime.datetime, Job]] = []  # sent while the worker is down
        self.log: list[tuple[datetime.datetime, str, str]] = []  # (moment, job, what happened)

    def next_moment(self) -> datetime.datetime:
        moment = min(job.next_due for job in self.jobs)
        for outage in self.outages:
            if outage.kind in ("worker", "jump") and outage.covers(moment):
                # Nothing runs inside the window; the next moment something can is its end.
                return max(moment, outage.end) if outage.kind == "jump" else moment
        return moment

    def outage_at(self, moment: datetime.datetime) -> Outage | None:
        return next((outage for outage in self.outages if outage.covers(moment)), None)

    def due_jobs(self, moment: datetime.datetime) -> list[Job]:
        return [job for job in self.jobs if job.next_due <= moment]

    def advance(self, moment: datetime.datetime, run) -> None:
        """Everything beat and the worker do at `moment`; `run(job, sweeps)` runs one job."""
        outage = self.outage_at(moment)
        if outage is None and self.queued:
            # The worker is back: it takes what the broker still holds, oldest first, dropping
            # the messages whose `expires` has passed (what the schedule's options are for).
            for sent, job in self.queued:
                if job.expires is not None and (moment - sent).total_seconds() > job.expires:
                    job.skipped += 1
                    self.log.append((moment, job.name, "expired"))
                else:
                    run(job)
                    self.log.append((moment, job.name, "caught up"))
            self.queued = []
        for job in self.due_jobs(moment):
            sent = job.next_due
            job.sent.append(sent)
            job.next_due = job.due_after(moment, step=self.step, zone=self.zone)
            if outage is None or outage.kind == "jump":
                if any(o.kind == "jump" and o.end == moment for o in self.outages) and sent < moment:
                    self.log.append((moment, job.name, "ran once after the jump"))
                run(job)
            elif outage.kind == "worker":
                self.queued.append((sent, job))
            else:  # broker: beat cannot send it; the run is lost
                job.skipped += 1
                self.log.append((moment, job.name, "lost"))

    def call(self, job: Job, *, copies: int = 1) -> None:
        """Run the job's task as a worker does; `copies` > 1 runs that many at once, each in a
        thread with its own database connection (two workers racing)."""
        task = self.tasks[job.task_name]
        if copies == 1:
            task()
            return
        errors: list[BaseException] = []
        barrier = threading.Barrier(copies)

        def worker():
            try:
                barrier.wait()
                task()
            except BaseException as exc:  # reported by the caller
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        close_old_connections()
        if errors:
            raise errors[0]
