"""The reminder plan of each visit: when its reminders and report nudges go out, written to the
outbox ahead and rewritten whenever the visit changes (moved, cancelled, its match paused).

Reminder hours are local wall-clock hours in the association's zone (see zones.py), so the
evening reminder goes out at 19:00 local on both sides of a DST change.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from liens.models import Notification
from liens.notify import default_channels, notification_rows, notify_many
from missions.models import Association, Match, Visit

from .links import cant_come_url, visit_report_url
from .selectors import VISIT_RELATED, visit_context
from .zones import association_zone, local_at

REMINDER_KINDS = ("visit_reminder_eve", "visit_reminder_soon", "report_nudge", "report_nudge_morning")


@dataclass(frozen=True)
class ReminderTimes:
    """When reminders go out; settings give the defaults, Association.preferences["reminders"] overrides."""

    evening_hour: int
    before_hours: float
    nudge_after_hours: float
    morning_hour: int
    unconfirmed_after_hours: float


def reminder_times(association: Association) -> ReminderTimes:
    """The association's reminder times, each override checked for type and range."""
    prefs = (association.preferences or {}).get("reminders") or {}

    def pick(name: str, default, low, high):
        try:
            value = type(default)(prefs.get(name, default))
        except (TypeError, ValueError):
            return default
        return value if low <= value <= high else default

    return ReminderTimes(
        evening_hour=pick("evening_hour", settings.LIENS_REMINDER_EVENING_HOUR, 0, 23),
        before_hours=pick("before_hours", float(settings.LIENS_REMINDER_BEFORE_HOURS), 0.25, 24.0),
        nudge_after_hours=pick("nudge_after_hours", float(settings.LIENS_REPORT_NUDGE_AFTER_HOURS), 0.0, 24.0),
        morning_hour=pick("morning_hour", settings.LIENS_REPORT_NUDGE_MORNING_HOUR, 0, 23),
        unconfirmed_after_hours=pick(
            "unconfirmed_after_hours", float(settings.LIENS_REPORT_UNCONFIRMED_AFTER_HOURS), 1.0, 24.0 * 14
        ),
    )


def reminder_key(visit: Visit, kind: str) -> str:
    """The dedup key of one reminder: it names the start, so a moved visit gets new rows."""
    return f"visit:{visit.pk}:{kind}:{int(visit.starts_at.timestamp())}"


def reminder_schedule(
    visit: Visit, *, now: datetime.datetime
) -> list[tuple[str, datetime.datetime, datetime.datetime]]:
    """(kind, due_at, expires_at) of each reminder the visit still needs. Pure; empty unless
    scheduled, and empty while its match is paused (resuming plans them again)."""
    if visit.status != Visit.Status.SCHEDULED or visit.match.is_suspended:
        return []
    association = visit.match.mission.association
    times = reminder_times(association)
    zone = association_zone(association)
    eve = local_at(
        visit.starts_at.astimezone(zone).date() - datetime.timedelta(days=1), datetime.time(times.evening_hour), zone
    )
    soon = visit.starts_at - datetime.timedelta(hours=times.before_hours)
    nudge = visit.ends_at + datetime.timedelta(hours=times.nudge_after_hours)
    morning = local_at(
        visit.ends_at.astimezone(zone).date() + datetime.timedelta(days=1), datetime.time(times.morning_hour), zone
    )
    unconfirmed_at = visit.ends_at + datetime.timedelta(hours=times.unconfirmed_after_hours)
    # Reminders further ahead than a one-tap link lives are written later by the nightly plan.
    horizon = now + datetime.timedelta(days=settings.LIENS_CANT_COME_LINK_DAYS - 5)
    plan = []
    if now < eve < soon and eve <= horizon:
        plan.append(("visit_reminder_eve", eve, visit.starts_at))
    if visit.starts_at > now and soon <= horizon:
        # A visit planned at short notice still gets its reminder, at once.
        plan.append(("visit_reminder_soon", max(soon, now), visit.starts_at))
    if now < nudge < unconfirmed_at and nudge <= horizon:
        plan.append(("report_nudge", nudge, unconfirmed_at))
    if now < morning < unconfirmed_at and nudge < morning and morning <= horizon:
        plan.append(("report_nudge_morning", morning, unconfirmed_at))
    return plan


def reminders_plan(*, visit: Visit, now: datetime.datetime | None = None) -> int:
    """Rewrite the visit's pending reminder rows to match it now; returns the count of rows written.

    Idempotent: keys name the visit, kind and start, so a second run writes nothing; a moved
    visit gets fresh rows while its stale pending ones are cancelled, and a visit that is no
    longer scheduled has all of its pending reminders cancelled.
    """
    now = now or timezone.now()
    if not Visit.match.is_cached(visit):
        visit = Visit.objects.select_related(*VISIT_RELATED).get(pk=visit.pk)
    return _reminders_plan_many([visit], now=now)


def _reminders_plan_many(visits: list[Visit], *, now: datetime.datetime) -> int:
    """reminders_plan for many visits (loaded with VISIT_RELATED) at once, in one transaction
    and a fixed number of queries however many visits: the timing of each reminder is
    reminder_schedule's, the rows are compared with the outbox's in bulk, and only the missing
    ones are rendered and inserted (the dedup key's unique constraint absorbs a race)."""
    if not visits:
        return 0
    plans = []
    wanted: list[str] = []
    chosen: dict[tuple[int, str], list[str]] = {}  # (recipient, kind): channels, asked once each
    for visit in visits:
        recipient = visit.match.volunteer.user
        schedule = []
        for kind, due_at, expires_at in reminder_schedule(visit, now=now):
            # Each kind's channels: the person may choose them per group of messages.
            if (recipient.pk, kind) not in chosen:
                chosen[recipient.pk, kind] = default_channels(recipient, urgent=False, kind=kind)
            channels = chosen[recipient.pk, kind]
            keys = [f"{reminder_key(visit, kind)}:{channel}" for channel in channels]
            schedule.append((kind, due_at, expires_at, channels, keys))
        plans.append((visit, recipient, schedule))
        wanted += [key for *_rest, keys in schedule for key in keys]
    ours = Q()
    for visit in visits:
        ours |= Q(dedup_key__startswith=f"visit:{visit.pk}:")
    with transaction.atomic():
        Notification.objects.filter(ours, kind__in=REMINDER_KINDS, status=Notification.Status.PENDING).exclude(
            dedup_key__in=wanted
        ).update(status=Notification.Status.CANCELLED, claimed_at=None, last_error="the visit changed")
        existing = {
            key: (pk, status)
            for pk, key, status in Notification.objects.filter(dedup_key__in=wanted).values_list(
                "pk", "dedup_key", "status"
            )
        }
        revived, rows = [], []
        for visit, recipient, schedule in plans:
            zone = association_zone(visit.match.mission.association)
            for kind, due_at, expires_at, channels, keys in schedule:
                # Moved back to a time it had before: those rows were cancelled; they come back.
                revived += [
                    Notification(pk=existing[key][0], status=Notification.Status.PENDING, due_at=due_at, last_error="")
                    for key in keys
                    if key in existing and existing[key][1] == Notification.Status.CANCELLED
                ]
                if all(key in existing for key in keys):
                    continue
                context = {
                    **visit_context(visit, recipient),
                    "cant_come_link": cant_come_url(visit, recipient),
                    "report_link": visit_report_url(visit),
                }
                # Templates render dates in the association's zone, whatever the server's.
                with timezone.override(zone):
                    rows += notification_rows(
                        recipient=recipient,
                        kind=kind,
                        context=context,
                        dedup_key=reminder_key(visit, kind),
                        due_at=due_at,
                        channels=channels,
                        payload={
                            "tz": zone.key,
                            "expires_at": expires_at.isoformat(),
                            "guard": "visit_scheduled",
                            "visit_id": visit.pk,
                        },
                    )
        Notification.objects.bulk_update(revived, ["status", "due_at", "last_error"])
        return len(notify_many(rows))


def reminders_replan_for_match(*, match: Match, now: datetime.datetime | None = None) -> int:
    """After a match is paused or resumed: rewrite the reminders of its visits ahead (or awaiting
    their report). Pausing cancels their pending rows; resuming revives or writes them. Idempotent."""
    now = now or timezone.now()
    visits = Visit.objects.filter(
        match_id=match.pk,
        status=Visit.Status.SCHEDULED,
        ends_at__gte=now - datetime.timedelta(hours=settings.LIENS_REPORT_UNCONFIRMED_AFTER_HOURS),
    ).select_related(*VISIT_RELATED)
    return _reminders_plan_many(list(visits), now=now)


# How many visits the nightly plan handles per transaction: its queries grow with the batches,
# not with the visits.
PLAN_BATCH = 500


def reminders_plan_batch(*, visits: list[Visit], now: datetime.datetime) -> int:
    """reminders_plan for many visits loaded with VISIT_RELATED (new ones, say), PLAN_BATCH per
    transaction; returns the rows written. Idempotent."""
    return sum(
        _reminders_plan_many(visits[start : start + PLAN_BATCH], now=now) for start in range(0, len(visits), PLAN_BATCH)
    )


def reminders_plan_upcoming(*, now: datetime.datetime | None = None) -> int:
    """Nightly safety net: re-plan every visit that is coming up or awaiting its report, in
    batches of PLAN_BATCH visits. Idempotent."""
    now = now or timezone.now()
    visits = (
        Visit.objects.filter(
            status=Visit.Status.SCHEDULED,
            starts_at__lte=now + datetime.timedelta(days=settings.LIENS_CANT_COME_LINK_DAYS),
            ends_at__gte=now - datetime.timedelta(hours=settings.LIENS_REPORT_UNCONFIRMED_AFTER_HOURS),
        )
        .select_related(*VISIT_RELATED)
        .order_by("starts_at", "pk")
    )
    written, batch = 0, []
    for visit in visits.iterator(chunk_size=PLAN_BATCH):
        batch.append(visit)
        if len(batch) == PLAN_BATCH:
            written += _reminders_plan_many(batch, now=now)
            batch = []
    return written + _reminders_plan_many(batch, now=now)
