"""What Liens did, held against what really happened (simulation.world.Truth).

- A true silence episode: a person followed (not ended) goes past their real last contact (or,
  never contacted, their activation, pauses or not) + target + grace, outside any pause; it
  starts there, or at the end of the pause the deadline fell in (missions.deadline's rule), and
  lasts until the next real contact.
- Detection: an open no-contact alert during the episode; its delay counts from the episode's
  start (an alert raised earlier, because Liens had not heard of a contact, counts as 0).
- A false alert: a no-contact alert raised while the person was not truly late. Split by what
  Liens knew then: the person was paused, or a contact recorded by then still covered the
  deadline (both are Liens' errors); or the contact had happened but nobody had told Liens yet
  (a visit not reported, a family call logged days later), which no rule can see.
"""

from __future__ import annotations

import bisect
import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from liens.models import Notification
from missions.alerts.lifecycle import escalation_delay
from missions.models import AlertEvent, Contact, IsolationAlert, Membership, Visit
from volunteers.models import Volunteer

from . import channel

REMINDERS = ("visit_reminder_eve", "visit_reminder_soon")
SWEEP_TASK = "missions.alerts.tasks.sweep_isolation"


@dataclass
class Episode:
    person: int
    start: datetime.datetime
    end: datetime.datetime  # the next real contact, the end of follow-up, or the run's end


def episodes_of(truth, *, end: datetime.datetime) -> list[Episode]:
    found = []
    contacts = sorted(truth.contacts)
    since = truth.activated_at
    stop = min(truth.ended_at or end, end)
    while since < stop:
        late = since + truth.allowance()
        for pause_start, pause_end in sorted(truth.pauses):
            if pause_start <= late < pause_end:
                late = pause_end
        following = next((c for c in contacts if c > since), None)
        if following is not None and following <= late:
            since = following
            continue
        if late >= stop:
            break
        episode_end = min(following, stop) if following is not None else stop
        found.append(Episode(truth.pk, late, episode_end))
        if following is None:
            break
        since = following
    return found


def _why_missed(truth, episode: Episode, *, sweeps_due: list[datetime.datetime]) -> str:
    """A first clue to an episode without an alert: whether a sweep was even due before it
    ended, or whether it began at a pause's end."""
    if not _sweep_due_within(sweeps_due, episode):
        return ENDED_BEFORE_A_SWEEP
    if any(end == episode.start for _start, end in truth.pauses):
        return "after_a_pause"
    return "unexplained"


# A silence that a contact ended before the next sweep was due: a contact came minutes after the
# deadline, between two sweeps, so no sweep ever saw the person late and no alert was owed (one
# raised after that contact would be a false alert). Counted apart, not as a detection miss.
ENDED_BEFORE_A_SWEEP = "ended_before_a_sweep"


def _sweep_due_within(sweeps_due: list[datetime.datetime], episode: Episode) -> bool:
    """Whether beat sent a sweep at or after the episode's start and before its end (sorted
    due times; a sweep lost to a fault still counts as due, so a fault is never excused)."""
    i = bisect.bisect_left(sweeps_due, episode.start)
    return i < len(sweeps_due) and sweeps_due[i] < episode.end


def per_day_by_kind(counts: Counter, *, staff_days: int) -> dict[str, float]:
    """What a staff member receives a day, on average, of each kind of notification (one row
    per channel, as counted above), most frequent first: where a coordinator's noise comes from."""
    if not staff_days:
        return {}
    return {kind: round(n / staff_days, 2) for kind, n in counts.most_common()}


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _minutes(delta: datetime.timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def rows_written() -> int:
    """Rows inserted and updated so far in this database (PostgreSQL's statistics)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT coalesce(sum(n_tup_ins + n_tup_upd), 0) FROM pg_stat_user_tables")
        return int(cursor.fetchone()[0])


def sweep_interval() -> datetime.timedelta:
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry["task"] == SWEEP_TASK:
            return entry["schedule"]
    raise LookupError("no sweep in CELERY_BEAT_SCHEDULE")


def measure(*, world, scheduler, start, end, step, faults, zone: ZoneInfo) -> dict:
    interval = sweep_interval()
    alerts = list(
        IsolationAlert.objects.filter(kind=IsolationAlert.Kind.NO_CONTACT).values(
            "pk", "beneficiary_id", "raised_at", "started_at", "resolved_at", "severity"
        )
    )
    by_person = defaultdict(list)
    for alert in alerts:
        by_person[alert["beneficiary_id"]].append(alert)

    # --- detection ---------------------------------------------------------------------------
    episodes = [e for truth in world.truth.values() for e in episodes_of(truth, end=end)]
    # An episode that starts in the last sweep interval has not had its sweep yet.
    judged = [e for e in episodes if e.start <= end - interval]
    delays, missed, per_episode = [], [], []
    for episode in judged:
        overlapping = [
            a
            for a in by_person[episode.person]
            if a["raised_at"] < episode.end and (a["resolved_at"] is None or a["resolved_at"] > episode.start)
        ]
        if not overlapping:
            missed.append(episode)
            continue
        first = min(a["raised_at"] for a in overlapping)
        delays.append(max(datetime.timedelta(0), first - episode.start))
        per_episode.append(len(overlapping))
    late_detections = [d for d in delays if d > interval]
    sweeps_due = sorted(at for job in scheduler.jobs if job.task_name == SWEEP_TASK for at in job.sent)
    missed_why = Counter(_why_missed(world.truth[e.person], e, sweeps_due=sweeps_due) for e in missed)

    # --- false alerts ------------------------------------------------------------------------
    contacts = defaultdict(list)
    for person, occurred, recorded in Contact.objects.values_list("beneficiary_id", "occurred_at", "created_at"):
        contacts[person].append((occurred, recorded))
    episodes_by_person = defaultdict(list)
    for episode in episodes:
        episodes_by_person[episode.person].append(episode)
    false = Counter()
    false_examples = []
    for alert in alerts:
        raised, person = alert["raised_at"], alert["beneficiary_id"]
        truth = world.truth.get(person)
        if truth is None:
            continue
        if any(e.start <= raised < e.end for e in episodes_by_person[person]):
            continue
        known = [occurred for occurred, recorded in contacts[person] if recorded <= raised]
        covered = max(known, default=truth.activated_at) + truth.allowance() > raised
        if truth.paused_at(raised):
            kind = "paused"
        elif covered:
            kind = "contact_recorded_in_time"
        else:
            kind = "contact_not_yet_reported"
        false[kind] += 1
        if kind != "contact_not_yet_reported" and len(false_examples) < 5:
            false_examples.append(
                {"alert": alert["pk"], "person": person, "raised_at": raised.isoformat(), "why": kind}
            )

    # --- noise -------------------------------------------------------------------------------
    days = max(1, round((end - start) / datetime.timedelta(days=1)))
    staff_ids = set(Membership.objects.values_list("user_id", flat=True))
    volunteer_ids = set(Volunteer.objects.values_list("user_id", flat=True))
    per_staff_day = Counter()
    per_volunteer_week = Counter()
    staff_kinds = Counter()
    for recipient, created, kind in Notification.objects.filter(created_at__gte=start).values_list(
        "recipient_id", "created_at", "kind"
    ):
        if recipient in staff_ids:
            per_staff_day[(recipient, created.astimezone(zone).date())] += 1
            staff_kinds[kind] += 1
        elif recipient in volunteer_ids:
            per_volunteer_week[(recipient, (created - start).days // 7)] += 1
    staff_days = [
        per_staff_day.get((s, (start + datetime.timedelta(days=d)).astimezone(zone).date()), 0)
        for s in staff_ids
        for d in range(days)
    ]
    weeks = max(1, days // 7)
    volunteer_weeks = [per_volunteer_week.get((v, w), 0) for v in volunteer_ids for w in range(weeks)]

    # --- reminders ---------------------------------------------------------------------------
    reminders = _guarded(_reminders, start=start, end=end, step=step, zone=zone)

    # --- escalation --------------------------------------------------------------------------
    escalation = _guarded(_escalation, end=end)

    open_alerts = IsolationAlert.objects.filter(resolved_at__isnull=True).count()
    figures = {
        "window": {"start": start.isoformat(), "end": end.isoformat(), "days": days, "step_minutes": _minutes(step)},
        "faults": faults,
        "territory": {
            "beneficiaries": len(world.truth),
            "volunteers": len(world.reliability),
            "coordinators": sum(len(s) for s in world.staff.values()),
        },
        "world": dict(sorted(world.counts.items())),
        "refused_by_services": dict(sorted(world.refused.items())),
        "detection": {
            "episodes": len(judged),
            "episodes_alerted": len(delays),
            "share_alerted": round(len(delays) / len(judged), 4) if judged else None,
            "within_one_sweep": sum(1 for d in delays if d <= interval),
            "sweep_interval_minutes": _minutes(interval),
            "delay_max_minutes": _minutes(max(delays)) if delays else None,
            "delay_p95_minutes": _minutes(_percentile(delays, 0.95)) if delays else None,
            "missed_by_reason": dict(missed_why),
            # Silences no sweep could see (a contact came before the next one was due): not owed
            # an alert, so the detection target is judged on the others.
            "ended_before_a_sweep": missed_why[ENDED_BEFORE_A_SWEEP],
            "missed_examples": [
                {"person": e.person, "start": e.start.isoformat(), "end": e.end.isoformat()} for e in missed[:5]
            ],
            "late_examples": [_minutes(d) for d in sorted(late_detections, reverse=True)[:5]],
        },
        "false_alerts": {
            "paused": false["paused"],
            "contact_recorded_in_time": false["contact_recorded_in_time"],
            "total_liens_errors": false["paused"] + false["contact_recorded_in_time"],
            "contact_not_yet_reported": false["contact_not_yet_reported"],
            "examples": false_examples,
        },
        "noise": {
            "no_contact_alerts": len(alerts),
            "alerts_per_episode_max": max(per_episode, default=0),
            "alerts_per_episode_mean": round(statistics.mean(per_episode), 3) if per_episode else None,
            "staff_notifications_per_day_median": statistics.median(staff_days) if staff_days else 0,
            "staff_notifications_per_day_max": max(staff_days, default=0),
            "staff_notifications_per_day_by_kind": per_day_by_kind(staff_kinds, staff_days=len(staff_days)),
            "volunteer_notifications_per_week_mean": round(statistics.mean(volunteer_weeks), 2)
            if volunteer_weeks
            else 0,
            "volunteer_notifications_per_week_max": max(volunteer_weeks, default=0),
            "open_alerts_at_end": open_alerts,
        },
        "reminders": reminders,
        "escalation": escalation,
        "chart": _guarded(_chart_data, start=start, days=days, zone=zone, delays=delays),
    }
    try:
        figures["targets"] = targets(figures)
    except KeyError as exc:
        figures["targets"] = {"measured": False, "missing": str(exc)}
    return figures


def _guarded(section, **kwargs) -> dict:
    """One section of the figures; a failure to measure is reported, not fatal to the run."""
    try:
        return section(**kwargs)
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def _reminders(*, start, end, step, zone) -> dict:
    sends = Counter(pk for pk, _at in channel.SENT)
    rows = list(
        Notification.objects.filter(kind__in=REMINDERS).values(
            "pk", "kind", "channel", "status", "due_at", "sent_at", "payload"
        )
    )
    sent = [r for r in rows if r["status"] == Notification.Status.SENT]
    duplicates_provider = sum(n - 1 for pk, n in sends.items() if n > 1 and pk in {r["pk"] for r in sent})
    per_visit = Counter((r["payload"].get("visit_id"), r["kind"], r["channel"]) for r in sent)
    duplicates_logical = sum(n - 1 for n in per_visit.values() if n > 1)
    on_time, late = 0, []
    evening = settings.LIENS_REMINDER_EVENING_HOUR
    before = datetime.timedelta(hours=settings.LIENS_REMINDER_BEFORE_HOURS)
    visits = {
        v["pk"]: v
        for v in Visit.objects.filter(pk__in={r["payload"].get("visit_id") for r in sent}).values("pk", "starts_at")
    }
    after_change = 0
    change_offset = start.astimezone(zone).utcoffset()
    for r in sent:
        local = r["sent_at"].astimezone(zone)
        if r["kind"] == "visit_reminder_eve":
            planned = local.hour == evening and local.minute < step.total_seconds() / 60
        else:
            visit = visits.get(r["payload"].get("visit_id"))
            planned = (
                visit is not None and datetime.timedelta(0) <= r["sent_at"] - (visit["starts_at"] - before) <= step
            )
        if planned:
            on_time += 1
            if local.utcoffset() != change_offset:
                after_change += 1
        elif len(late) < 5:
            late.append({"kind": r["kind"], "due_at": r["due_at"].isoformat(), "sent_at": local.isoformat()})
    # Every visit that went ahead in the window (not cancelled, match not paused) is owed a
    # "soon" reminder, and an evening one when that evening fell in the window.
    owed = (
        Visit.objects.filter(
            starts_at__gte=start + datetime.timedelta(days=1), starts_at__lte=end - datetime.timedelta(hours=1)
        )
        .exclude(status=Visit.Status.CANCELLED)
        .exclude(match__status="paused")
    )
    sent_keys = {(r["payload"].get("visit_id"), r["kind"]) for r in sent}
    lost = Counter()
    lost_examples = []
    for pk, starts_at in owed.values_list("pk", "starts_at"):
        for kind in REMINDERS:
            if (pk, kind) not in sent_keys:
                lost[kind] += 1
                if len(lost_examples) < 5:
                    statuses = [
                        (r["status"], r["channel"])
                        for r in rows
                        if r["payload"].get("visit_id") == pk and r["kind"] == kind
                    ]
                    lost_examples.append(
                        {"visit": pk, "kind": kind, "starts_at": starts_at.isoformat(), "rows": statuses}
                    )
    return {
        "sent": len(sent),
        "at_planned_local_time": on_time,
        "share_at_planned_local_time": round(on_time / len(sent), 4) if sent else None,
        "at_planned_local_time_after_dst_change": after_change,
        "duplicates_provider": duplicates_provider,
        "duplicates_logical": duplicates_logical,
        "lost": sum(lost.values()),
        "lost_by_kind": dict(lost),
        "lost_examples": lost_examples,
        "off_time_examples": late,
        "owed_visits": owed.count(),
    }


def _escalation(*, end) -> dict:
    events = defaultdict(list)
    for alert_id, at, data in AlertEvent.objects.filter(kind=AlertEvent.Kind.ESCALATED).values_list(
        "alert_id", "at", "data"
    ):
        events[alert_id].append((at, data))
    due, escalated, on_time, to = 0, 0, 0, Counter()
    missing = []
    # The escalation job runs every 5 minutes: an escalation later than that is late.
    job_every = datetime.timedelta(minutes=5)
    for alert in IsolationAlert.objects.values("pk", "raised_at", "acknowledged_at", "resolved_at", "severity", "kind"):
        first = IsolationAlert.Severity.URGENT if alert["kind"] == IsolationAlert.Kind.URGENT_CONCERN else 1
        deadline = alert["raised_at"] + escalation_delay(severity=first)
        if deadline > end - job_every:
            continue
        if alert["acknowledged_at"] is not None and alert["acknowledged_at"] <= deadline:
            continue
        if alert["resolved_at"] is not None and alert["resolved_at"] <= deadline:
            continue
        due += 1
        found = sorted(events.get(alert["pk"], []), key=lambda e: e[0])
        if found:
            escalated += 1
            on_time += found[0][0] <= deadline + job_every
            for _at, data in found:
                to[data.get("to", "?")] += 1
        elif len(missing) < 5:
            missing.append(alert["pk"])
    return {
        "unacknowledged_past_deadline": due,
        "escalated": escalated,
        "escalated_within_5_minutes": on_time,
        "escalations_to": dict(to),
        "not_escalated_examples": missing,
    }


def _chart_data(*, start, days, zone, delays) -> dict:
    rows = list(IsolationAlert.objects.values("raised_at", "resolved_at", "severity"))
    series = []
    for d in range(days + 1):
        noon = datetime.datetime.combine(
            (start + datetime.timedelta(days=d)).astimezone(zone).date(), datetime.time(12), tzinfo=zone
        )
        count = Counter(
            r["severity"]
            for r in rows
            if r["raised_at"] <= noon and (r["resolved_at"] is None or r["resolved_at"] > noon)
        )
        series.append({"day": noon.date().isoformat(), **{str(k): v for k, v in count.items()}})
    return {"open_by_severity": series, "delays_minutes": sorted(_minutes(d) for d in delays)}


def targets(figures: dict) -> dict:
    """Each target of the safety net, met or not."""
    d, f, n, r = figures["detection"], figures["false_alerts"], figures["noise"], figures["reminders"]
    return {
        "all_episodes_alerted_within_one_sweep": d["episodes"] - d["ended_before_a_sweep"] == d["within_one_sweep"],
        "no_false_alerts": f["total_liens_errors"] == 0,
        "at_most_one_alert_per_episode": n["alerts_per_episode_max"] <= 1,
        "no_duplicate_reminders": r["duplicates_provider"] == 0 and r["duplicates_logical"] == 0,
        "no_lost_reminders": r["lost"] == 0,
        "every_reminder_at_local_time": r["sent"] == r["at_planned_local_time"],
        "escalated_when_unacknowledged": figures["escalation"]["unacknowledged_past_deadline"]
        == figures["escalation"]["escalated_within_5_minutes"],
    }
