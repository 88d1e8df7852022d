"""One simulation: build the territory, play the days, measure, in a database of its own.

The clock moves from one due time of the beat schedule to the next (the jobs shorter than
`step` run once per step); before the jobs of each moment, the world acts on everything that
happened since the last one. Follow-up tasks the services send (a match's visits on
activation) run at once in this process, as an idle worker would run them.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import Counter
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import override_settings

from benchmarks.database import own_database
from liens.celery import app

from . import channel, measures
from .clock import SimulatedClock
from .schedule import Outage, Scheduler
from .world import World

FAULTS = ("worker-down", "broker-down", "sweep-twice", "dst-jump")


def dst_change(start: datetime.datetime, days: int, zone: ZoneInfo) -> datetime.datetime | None:
    """The first instant in the window where the zone's UTC offset changes, to the hour."""
    moment = start.replace(minute=0, second=0, microsecond=0)
    offset = moment.astimezone(zone).utcoffset()
    while moment < start + datetime.timedelta(days=days):
        moment += datetime.timedelta(hours=1)
        if moment.astimezone(zone).utcoffset() != offset:
            return moment
    return None


def outages_for(faults: list[str], *, start: datetime.datetime, days: int, zone: ZoneInfo) -> list[Outage]:
    """The windows of the faults asked for: a worker down, then (a day later) the broker, for 6
    hours each from 10:00 local in the middle of the run, when visits, their reminders and the
    day's deadlines are due; the clock leaping over the DST change (or over the middle night's
    01:30 when there is none)."""
    outages = []
    middle = (start + datetime.timedelta(days=days // 2)).astimezone(zone).date()
    day = datetime.datetime.combine(middle, datetime.time(10), tzinfo=zone).astimezone(datetime.UTC)
    night = datetime.datetime.combine(middle, datetime.time(0, 30), tzinfo=zone).astimezone(datetime.UTC)
    if "worker-down" in faults:
        outages.append(Outage("worker", day, day + datetime.timedelta(hours=6)))
    if "broker-down" in faults:
        later = day + datetime.timedelta(days=1)
        outages.append(Outage("broker", later, later + datetime.timedelta(hours=6)))
    if "dst-jump" in faults:
        change = dst_change(start, days, zone) or night + datetime.timedelta(hours=1)
        outages.append(Outage("jump", change - datetime.timedelta(minutes=30), change + datetime.timedelta(minutes=45)))
    return outages


def run(
    *,
    days: int,
    beneficiaries: int,
    volunteers: int,
    seed: int,
    start: datetime.datetime,
    step_minutes: int = 5,
    faults: list[str] | None = None,
    progress=None,
) -> dict:
    """Simulate in a database of its own and return the figures (see simulation.measures)."""
    with own_database() as own:
        if own.vendor == "postgresql":
            # A throwaway database: commits need not wait for the disk (tens of thousands of
            # small transactions), which changes the run's cost, not what the jobs do.
            with own.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
        return simulate(
            days=days,
            beneficiaries=beneficiaries,
            volunteers=volunteers,
            seed=seed,
            start=start,
            step_minutes=step_minutes,
            faults=faults or [],
            progress=progress,
        )


def analyse() -> float:
    """Refresh the planner's statistics, as autovacuum does within minutes on a growing table
    (it is off on some servers, and a database this young has none): without them the plans of
    the jobs' queries are those of an empty database. PostgreSQL only; returns the seconds spent."""
    began = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - began


def simulate(*, days, beneficiaries, volunteers, seed, start, step_minutes, faults, progress) -> dict:
    wall = time.perf_counter()
    zone = ZoneInfo("Europe/Paris")
    start = start.astimezone(datetime.UTC)
    end = start + datetime.timedelta(days=days)
    step = datetime.timedelta(minutes=step_minutes)
    channel.reset()
    # The jobs log a line each run (the sweep's figures); thousands of them would bury the report.
    logging.disable(logging.INFO)
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    one = {"email": 1, "sms": 1, "push": 1}
    try:
        with (
            override_settings(OUTBOX_CHANNELS=dict.fromkeys(one, channel.PATH), OUTBOX_CONCURRENCY=one),
            SimulatedClock(start - datetime.timedelta(hours=1)) as clock,
        ):
            world = World(seed=seed, beneficiaries=beneficiaries, volunteers=volunteers, start=start)
            built = time.perf_counter()
            world.build(maintain=analyse)
            analyse()
            build_seconds = time.perf_counter() - built
            rows_before = measures.rows_written()
            clock.move_to(start)
            scheduler = Scheduler(
                start=start,
                step=step,
                outages=outages_for(faults, start=start, days=days, zone=zone),
            )
            copies = Counter()
            errors: list[str] = []
            sweep_copies = 2 if "sweep-twice" in faults else 1

            def run_job(job):
                began = time.perf_counter()
                n = sweep_copies if job.name == "sweep-isolation" else 1
                try:
                    scheduler.call(job, copies=n)
                except Exception as exc:  # a job that fails is a finding, not the end of the run
                    errors.append(f"{clock.now.isoformat()} {job.name}: {type(exc).__name__}: {exc}")
                job.runs += 1
                copies[job.name] += n
                job.seconds += time.perf_counter() - began

            before = start - step
            last_report = time.perf_counter()
            analysed_on = start.astimezone(zone).date()
            analyse_seconds = 0.0
            while True:
                moment = scheduler.next_moment()
                if moment > end:
                    break
                if moment.astimezone(zone).date() != analysed_on:  # once a simulated day
                    analysed_on = moment.astimezone(zone).date()
                    analyse_seconds += analyse()
                clock.move_to(moment)
                world.act(before, moment)
                scheduler.advance(moment, run_job)
                before = moment
                if progress and time.perf_counter() - last_report > 30:
                    last_report = time.perf_counter()
                    progress(f"{moment.astimezone(zone):%Y-%m-%d %H:%M} simulated, {time.perf_counter() - wall:.0f} s")
            clock.move_to(end)
            figures = measures.measure(
                world=world, scheduler=scheduler, start=start, end=end, step=step, faults=faults, zone=zone
            )
            figures["cost"] = {
                "wall_seconds": round(time.perf_counter() - wall, 1),
                "build_seconds": round(build_seconds, 1),
                "analyse_seconds": round(analyse_seconds, 1),
                "jobs_run": sum(job.runs for job in scheduler.jobs),
                "job_copies_run": sum(copies.values()),
                "jobs_skipped": sum(job.skipped for job in scheduler.jobs),
                "job_seconds": {job.name: round(job.seconds, 1) for job in scheduler.jobs},
                "rows_written": measures.rows_written() - rows_before,
                "vendor": connection.vendor,
            }
            figures["job_errors"] = errors[:20]
            figures["job_error_count"] = len(errors)
            # What the faults did to the runs: counts per job and outcome, then the first ones.
            figures["fault_runs"] = dict(Counter(f"{name}: {what}" for _at, name, what in scheduler.log))
            figures["schedule_log"] = [
                f"{at.astimezone(zone):%Y-%m-%d %H:%M} {name} {what}" for at, name, what in scheduler.log
            ][:50]
            return figures
    finally:
        logging.disable(logging.NOTSET)
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved
