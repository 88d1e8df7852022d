"""The simulation: its schedule is the configured one, its truth follows the deadline rules, and a
small territory over two weeks (across the DST change) meets the safety net's targets."""

import datetime
import io
import json
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import call_command

from simulation.measures import ENDED_BEFORE_A_SWEEP, Episode, _why_missed, episodes_of, per_day_by_kind, targets
from simulation.schedule import Outage, Scheduler, crontab_next, jobs_from_settings
from simulation.world import Truth

PARIS = ZoneInfo("Europe/Paris")
UTC = datetime.UTC


def test_the_jobs_are_the_beat_schedule_and_the_workers_tasks():
    jobs = jobs_from_settings()
    assert [job.name for job in jobs] == list(settings.CELERY_BEAT_SCHEDULE)
    scheduler = Scheduler(start=datetime.datetime(2027, 3, 15, 5, tzinfo=UTC), step=datetime.timedelta(minutes=5))
    sweep = scheduler.tasks["missions.alerts.tasks.sweep_isolation"]
    assert sweep.name == "missions.alerts.tasks.sweep_isolation"
    assert sweep.run.__module__ == "missions.alerts.tasks"


def test_a_crontab_keeps_its_local_time_across_the_dst_change():
    before = datetime.datetime(2027, 3, 26, 12, tzinfo=PARIS)
    digest = crontab(hour=7, minute=30)
    first = crontab_next(digest, before, PARIS)
    second = crontab_next(digest, first, PARIS)
    assert first.astimezone(PARIS).hour == second.astimezone(PARIS).hour == 7
    assert second - first == datetime.timedelta(hours=23)  # the night clocks go forward


def test_a_crontab_minute_that_does_not_exist_runs_once_after_the_jump():
    nightly = crontab(hour=2, minute=10)
    run = crontab_next(nightly, datetime.datetime(2027, 3, 27, 12, tzinfo=PARIS), PARIS)
    assert run == datetime.datetime(2027, 3, 28, 3, 10, tzinfo=PARIS)
    assert crontab_next(nightly, run, PARIS) == datetime.datetime(2027, 3, 29, 2, 10, tzinfo=PARIS)


def test_a_worker_down_queues_runs_and_drops_the_expired_ones():
    start = datetime.datetime(2027, 3, 15, 5, tzinfo=UTC)
    down = Outage("worker", start + datetime.timedelta(hours=1), start + datetime.timedelta(hours=7))
    scheduler = Scheduler(start=start, step=datetime.timedelta(minutes=5), outages=[down])
    ran = []
    moment = start
    while moment <= down.end:
        scheduler.advance(moment, lambda job, at=moment: ran.append((at, job.name)))
        moment = scheduler.next_moment()
    assert not [name for at, name in ran if down.start <= at < down.end]
    caught_up = {name for at, name, what in scheduler.log if at == down.end and what == "caught up"}
    expired = {name for at, name, what in scheduler.log if at == down.end and what == "expired"}
    # The 07:30 digest and the last hourly chase are still in the broker (expiring after 23 h
    # and 55 minutes); the sweeps and dispatches sent meanwhile expired, and run at their next time.
    assert {"send-digests", "chase-reports"} <= caught_up
    assert {"sweep-isolation", "dispatch-notifications", "escalate-alerts"} <= expired - caught_up
    assert [name for at, name in ran if at == down.end].count("sweep-isolation") == 1


def _truth(**kwargs) -> Truth:
    return Truth(pk=1, target_days=7, grace_days=2, activated_at=datetime.datetime(2027, 3, 1, tzinfo=UTC), **kwargs)


def test_a_silence_starts_at_target_plus_grace_and_ends_at_the_next_contact():
    day = datetime.timedelta(days=1)
    truth = _truth(contacts=[datetime.datetime(2027, 3, 3, tzinfo=UTC), datetime.datetime(2027, 3, 20, tzinfo=UTC)])
    (episode,) = episodes_of(truth, end=datetime.datetime(2027, 3, 25, tzinfo=UTC))
    assert episode.start == datetime.datetime(2027, 3, 3, tzinfo=UTC) + 9 * day
    assert episode.end == datetime.datetime(2027, 3, 20, tzinfo=UTC)


def test_a_deadline_inside_a_pause_moves_to_its_end():
    pause = (datetime.datetime(2027, 3, 5, tzinfo=UTC), datetime.datetime(2027, 3, 15, tzinfo=UTC))
    (episode,) = episodes_of(_truth(pauses=[pause]), end=datetime.datetime(2027, 3, 25, tzinfo=UTC))
    assert episode.start == pause[1]


def test_a_silence_a_contact_ends_before_the_next_sweep_is_due_is_owed_no_alert():
    """The 90-day run's only two unalerted silences: a contact came 8 minutes after the
    deadline, between two sweeps 15 minutes apart, so no sweep ever saw the person late."""
    minute = datetime.timedelta(minutes=1)
    sweeps = [datetime.datetime(2027, 5, 11, 23, 52, tzinfo=UTC) + k * 15 * minute for k in range(3)]
    truth = _truth()
    between = Episode(1, sweeps[0] + 4 * minute, sweeps[0] + 13 * minute)
    assert _why_missed(truth, between, sweeps_due=sweeps) == ENDED_BEFORE_A_SWEEP
    # A sweep due inside the silence (whether or not it ran) leaves a miss unexplained.
    across = Episode(1, sweeps[0] + 4 * minute, sweeps[1] + minute)
    assert _why_missed(truth, across, sweeps_due=sweeps) == "unexplained"
    at_a_sweep = Episode(1, sweeps[1], sweeps[1] + minute)
    assert _why_missed(truth, at_a_sweep, sweeps_due=sweeps) == "unexplained"
    after_a_pause = _truth(pauses=[(sweeps[0] - 60 * minute, across.start)])
    assert _why_missed(after_a_pause, across, sweeps_due=sweeps) == "after_a_pause"


def test_the_detection_target_is_judged_on_the_silences_a_sweep_could_see():
    figures = {
        "detection": {"episodes": 10, "within_one_sweep": 8, "ended_before_a_sweep": 2},
        "false_alerts": {"total_liens_errors": 0},
        "noise": {"alerts_per_episode_max": 1},
        "reminders": {
            "duplicates_provider": 0,
            "duplicates_logical": 0,
            "lost": 0,
            "sent": 1,
            "at_planned_local_time": 1,
        },
        "escalation": {"unacknowledged_past_deadline": 0, "escalated_within_5_minutes": 0},
    }
    assert targets(figures)["all_episodes_alerted_within_one_sweep"]
    figures["detection"]["ended_before_a_sweep"] = 1
    assert not targets(figures)["all_episodes_alerted_within_one_sweep"]


@pytest.mark.django_db
def test_two_weeks_of_a_small_territory_meet_the_targets(tmp_path):
    out = io.StringIO()
    call_command(
        "simulate", "--days", "14", "--beneficiaries", "200", "--seed", "7",
        "--output", str(tmp_path / "simulation.json"), stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    figures = json.loads(out.getvalue().splitlines()[0])
    assert (tmp_path / "simulation.svg").read_text().startswith("<svg")
    detection, targets = figures["detection"], figures["targets"]
    assert figures["job_error_count"] == 0
    assert detection["episodes"] > 10  # the world does go silent
    # Every episode alerted, each within one sweep interval.
    assert detection["missed_by_reason"] == {} and detection["ended_before_a_sweep"] == 0
    assert detection["within_one_sweep"] == detection["episodes_alerted"] == detection["episodes"]
    assert figures["reminders"]["sent"] > 100
    assert figures["reminders"]["at_planned_local_time_after_dst_change"] > 0
    for name, met in targets.items():
        assert met, name


def test_a_coordinators_noise_is_broken_down_by_kind_most_frequent_first():
    counts = Counter({"visit_unconfirmed": 30, "alert_raised": 90, "alert_escalated": 6})
    assert list(per_day_by_kind(counts, staff_days=30).items()) == [
        ("alert_raised", 3.0),
        ("visit_unconfirmed", 1.0),
        ("alert_escalated", 0.2),
    ]
    assert per_day_by_kind(Counter(), staff_days=0) == {}
