"""Visits ahead and what hangs on them: the materialised series, moving and cancelling one visit,
chasing reports. Each change rewrites the visit's reminder plan (reminders.py).

A weekly schedule is a weekday and a wall-clock time in the association's zone; each occurrence
is built from its local date (zones.local_at), so a 15:00 visit stays at 15:00 local on both
sides of a DST change.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liens.errors import DomainError
from liens.models import User
from liens.notify import notify
from missions.alerts.services import alert_raise_missed_visits
from missions.matching.services import substitute_propose
from missions.models import Association, Beneficiary, Match, Membership, Mission, Visit
from missions.permissions import match_party_check

from .links import attention_url
from .reminders import reminder_times, reminders_plan, reminders_plan_batch
from .selectors import VISIT_RELATED, visit_context
from .zones import association_zone, local_at

log = logging.getLogger(__name__)


# --- Materialising the series --------------------------------------------------------------


def _weekly_days(weekday: int, start: datetime.date, stop: datetime.date) -> Iterator[datetime.date]:
    day = start + datetime.timedelta(days=(weekday - start.weekday()) % 7)
    while day < stop:
        yield day
        day += datetime.timedelta(days=7)


def _paused_on(match: Match, beneficiary: Beneficiary | None, day: datetime.date) -> bool:
    if match.volunteer.is_paused(day):
        return True
    if beneficiary is not None and beneficiary.status == Beneficiary.Status.PAUSED:
        return beneficiary.paused_until is None or beneficiary.paused_until >= day
    return False


def visits_planned(match: Match, *, now: datetime.datetime, weeks: int) -> list[Visit]:
    """The (unsaved) visits the match's schedule asks for from now to `weeks` ahead. Pure."""
    mission = match.mission
    beneficiary = mission.beneficiary
    if match.status != Match.Status.ACTIVE or mission.status == Mission.Status.CLOSED:
        return []
    if match.volunteer.left_at is not None:
        return []
    if beneficiary is not None and beneficiary.status == Beneficiary.Status.ENDED:
        return []
    zone = association_zone(mission.association)
    if mission.recurrence == Mission.Recurrence.ONE_OFF:
        slots = [(mission.starts_at.astimezone(zone).date(), mission.starts_at)]
    else:
        today = now.astimezone(zone).date()
        start = max(today, mission.first_date or today)
        stop = today + datetime.timedelta(weeks=weeks)
        if mission.end_date is not None:
            stop = min(stop, mission.end_date + datetime.timedelta(days=1))
        # A stand-in match (matching area) visits only until the end of its cover period.
        cover_until = getattr(match, "cover_until", None)
        if cover_until is not None:
            stop = min(stop, cover_until + datetime.timedelta(days=1))
        slots = [(day, local_at(day, mission.local_time, zone)) for day in _weekly_days(mission.weekday, start, stop)]
    duration = datetime.timedelta(minutes=mission.duration_minutes)
    return [
        Visit(match=match, occurrence=day, starts_at=starts_at, ends_at=starts_at + duration)
        for day, starts_at in slots
        if starts_at > now and not _paused_on(match, beneficiary, day)
    ]


def _visits_create(planned: list[Visit], *, now: datetime.datetime) -> int:
    """Insert the planned visits that do not exist yet, then plan their reminders."""
    if not planned:
        return 0
    match_ids = {visit.match_id for visit in planned}
    days = {visit.occurrence for visit in planned}
    existing = set(
        Visit.objects.filter(match_id__in=match_ids, occurrence__in=days).values_list("match_id", "occurrence")
    )
    fresh = [visit for visit in planned if (visit.match_id, visit.occurrence) not in existing]
    if not fresh:
        return 0
    # The unique (match, occurrence) settles a race with a concurrent run: its row wins, ours is skipped.
    Visit.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=1000)
    wanted = {(visit.match_id, visit.occurrence) for visit in fresh}
    created = Visit.objects.filter(
        match_id__in={key[0] for key in wanted}, occurrence__in={key[1] for key in wanted}
    ).select_related(*VISIT_RELATED)
    # The reminders of all of them at once: a fixed number of queries per batch, not per visit.
    visits = [visit for visit in created if (visit.match_id, visit.occurrence) in wanted]
    reminders_plan_batch(visits=visits, now=now)
    return len(fresh)


def visits_materialise(*, match: Match, weeks: int = 4, now: datetime.datetime | None = None) -> int:
    """Create the active match's visits for the next `weeks` weeks (a one-off: its single visit), with reminders.

    Idempotent: (match, occurrence) is unique and the occurrence of a moved or cancelled visit
    stays put, so running it again never duplicates nor brings back a visit. Returns the count created.
    """
    now = now or timezone.now()
    match = Match.objects.select_related("mission__association", "mission__beneficiary", "volunteer__user").get(
        pk=match.pk
    )
    return _visits_create(visits_planned(match, now=now, weeks=weeks), now=now)


def match_visits_materialise(*, match_id: int) -> int:
    """Create a match's coming visits (a stand-in's only within its cover period); the count created.

    Run by the `missions.visits.materialise_match` task once an activation has committed.
    Idempotent; a match that vanished meanwhile is a no-op.
    """
    match = Match.objects.select_related("mission__association").filter(pk=match_id).first()
    if match is None:
        return 0
    created = visits_materialise(match=match)
    if match.covers_id is not None:
        stand_in_visits_trim(matches=Match.objects.filter(pk=match.pk))
    return created


def stand_in_visits_trim(*, matches) -> int:
    """A stand-in visits only within its cover period: cancel its scheduled visits after it.

    The visit schedule materialises weeks ahead and knows nothing of cover periods, so this
    runs after each materialisation of a stand-in and in the nightly close of cover periods
    (matching.life.covers_close). Idempotent.
    """
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(_("The cover period is over."))
    trimmed = 0
    for match_id, until in matches.filter(cover_until__isnull=False).values_list("pk", "cover_until"):
        trimmed += Visit.objects.filter(match_id=match_id, status=Visit.Status.SCHEDULED, occurrence__gt=until).update(
            status=Visit.Status.CANCELLED, cancel_reason=reason, updated_at=timezone.now()
        )
    return trimmed


def visits_materialise_all(*, weeks: int | None = None, now: datetime.datetime | None = None) -> int:
    """Nightly: materialise every active match's visits, in chunks of set-based inserts. Idempotent."""
    now = now or timezone.now()
    weeks = weeks or settings.LIENS_VISITS_AHEAD_WEEKS
    matches = (
        Match.objects.filter(status=Match.Status.ACTIVE)
        .exclude(mission__status=Mission.Status.CLOSED)
        .select_related("mission__association", "mission__beneficiary", "volunteer__user")
        .order_by("pk")
    )
    created = 0
    chunk: list[Match] = []
    for match in matches.iterator(chunk_size=500):
        chunk.append(match)
        if len(chunk) == 500:
            created += _visits_create([v for m in chunk for v in visits_planned(m, now=now, weeks=weeks)], now=now)
            chunk = []
    created += _visits_create([v for m in chunk for v in visits_planned(m, now=now, weeks=weeks)], now=now)
    return created


def visits_reschedule(*, match: Match, now: datetime.datetime | None = None) -> int:
    """After the mission's schedule changed: realign the match's upcoming visits to it, then materialise.

    Upcoming scheduled visits whose slot still exists take the new time (a visit moved by
    hand follows the new schedule too); those whose slot is gone are cancelled, with no
    substitute asked. Reminders are rewritten. Idempotent. Returns the count created.
    """
    now = now or timezone.now()
    weeks = settings.LIENS_VISITS_AHEAD_WEEKS
    with transaction.atomic():
        match = Match.objects.select_related("mission__association", "mission__beneficiary", "volunteer__user").get(
            pk=match.pk
        )
        planned = {visit.occurrence: visit for visit in visits_planned(match, now=now, weeks=weeks)}
        horizon = now.astimezone(association_zone(match.mission.association)).date() + datetime.timedelta(weeks=weeks)
        upcoming = (
            Visit.objects.select_for_update(of=("self",))
            .select_related(*VISIT_RELATED)
            .filter(match=match, status=Visit.Status.SCHEDULED, starts_at__gt=now, occurrence__lte=horizon)
        )
        for visit in upcoming:
            target = planned.get(visit.occurrence)
            if target is None:
                visit.status = Visit.Status.CANCELLED
                visit.cancel_reason = "schedule changed"
                visit.save(update_fields=["status", "cancel_reason", "updated_at"])
            elif (visit.starts_at, visit.ends_at) != (target.starts_at, target.ends_at):
                visit.starts_at, visit.ends_at = target.starts_at, target.ends_at
                visit.save(update_fields=["starts_at", "ends_at", "updated_at"])
            else:
                continue
            reminders_plan(visit=visit, now=now)
    return visits_materialise(match=match, weeks=weeks, now=now)


# --- Telling people ------------------------------------------------------------------------


def association_staff(association_id: int, *, realtime_only: bool = False) -> list[User]:
    """Active staff of the association (coordinators and managers)."""
    memberships = Membership.objects.filter(association_id=association_id, user__is_active=True)
    if realtime_only:
        memberships = memberships.filter(digest_mode=Membership.DigestMode.REALTIME)
    return [membership.user for membership in memberships.select_related("user").order_by("pk")]


def _tell(recipients: Iterable[User], *, kind: str, visit: Visit, key: str, extra: dict) -> None:
    zone = association_zone(visit.match.mission.association)
    for recipient in recipients:
        context = {**visit_context(visit, recipient), "attention_link": attention_url(), **extra}
        with timezone.override(zone):
            notify(
                recipient=recipient,
                kind=kind,
                context=context,
                dedup_key=f"{key}:to:{recipient.pk}",
                payload={"tz": zone.key},
            )


def _lock_visit(visit: Visit) -> Visit:
    # of=("self",): the beneficiary join is nullable, and PostgreSQL cannot lock that side.
    return Visit.objects.select_for_update(of=("self",)).select_related(*VISIT_RELATED).get(pk=visit.pk)


# --- One visit changes ---------------------------------------------------------------------


def visit_cancel(*, visit: Visit, by: User | None, reason: str) -> Visit:
    """Cancel a scheduled visit: drops its pending reminders, tells the staff (and the volunteer if
    someone else cancelled), then asks matching for a substitute. Not repeatable: DomainError if
    the visit is no longer scheduled or has started.

    `by` is the match's volunteer or the association's staff; None is the system (a job)."""
    if by is not None:
        match_party_check(by, visit.match)
    reason = (reason or "").strip()[:200]
    now = timezone.now()
    with transaction.atomic():
        visit = _lock_visit(visit)
        if visit.status != Visit.Status.SCHEDULED:
            raise DomainError(_("This visit is no longer scheduled."), field="visit", code="not_scheduled")
        if visit.starts_at <= now:
            raise DomainError(_("This visit has already started."), field="visit", code="started")
        visit.status = Visit.Status.CANCELLED
        visit.cancel_reason = reason
        visit.cancelled_by = by
        visit.save(update_fields=["status", "cancel_reason", "cancelled_by", "updated_at"])
        reminders_plan(visit=visit, now=now)
        volunteer_user = visit.match.volunteer.user
        extra = {"reason": reason, "by_volunteer": by is not None and by.pk == volunteer_user.pk}
        key = f"visit-cancelled:{visit.pk}"
        _tell(
            association_staff(visit.match.mission.association_id),
            kind="visit_cancelled",
            visit=visit,
            key=key,
            extra=extra,
        )
        if not extra["by_volunteer"]:
            _tell([volunteer_user], kind="visit_called_off", visit=visit, key=key, extra=extra)
    substitute_ask(visit=visit)
    return visit


def substitute_ask(*, visit: Visit) -> None:
    """Ask the matching engine for a substitute, when it offers one. Never undoes the cancellation."""
    try:
        substitute_propose(visit=visit)
    except DomainError as exc:
        log.info("no substitute for visit %s: %s", visit.pk, exc.message)


def visit_move(*, visit: Visit, by: User | None, starts_at: datetime.datetime, reason: str) -> Visit:
    """Move a scheduled visit to a new start (same duration); rewrites its reminders and tells the other side.

    The occurrence stays put, so the series is not disturbed. Idempotent for the same start.
    `by` is the match's volunteer or the association's staff; None is the system (a job).
    """
    if by is not None:
        match_party_check(by, visit.match)
    now = timezone.now()
    if timezone.is_naive(starts_at):
        raise DomainError(_("Give a date and a time."), field="starts_at")
    if starts_at <= now:
        raise DomainError(_("Choose a time in the future."), field="starts_at")
    with transaction.atomic():
        visit = _lock_visit(visit)
        if visit.status != Visit.Status.SCHEDULED:
            raise DomainError(_("This visit is no longer scheduled."), field="visit", code="not_scheduled")
        if visit.starts_at == starts_at:
            return visit
        duration = visit.ends_at - visit.starts_at
        visit.starts_at, visit.ends_at = starts_at, starts_at + duration
        visit.save(update_fields=["starts_at", "ends_at", "updated_at"])
        reminders_plan(visit=visit, now=now)
        volunteer_user = visit.match.volunteer.user
        by_volunteer = by is not None and by.pk == volunteer_user.pk
        recipients = association_staff(visit.match.mission.association_id) if by_volunteer else [volunteer_user]
        key = f"visit-moved:{visit.pk}:{int(starts_at.timestamp())}"
        _tell(recipients, kind="visit_moved", visit=visit, key=key, extra={"reason": (reason or "")[:200]})
    return visit


# --- Chasing reports -----------------------------------------------------------------------


def reports_chase(*, now: datetime.datetime | None = None) -> int:
    """Mark visits still without report `unconfirmed_after_hours` after their end as unconfirmed;
    staff who chose real time get one notice per run listing the visits it marked in their
    association (the others read them in their morning digest).

    A second unconfirmed or missed visit in a row raises the beneficiary's missed-visits alert.
    Idempotent and safe concurrently: each visit flips with a conditional UPDATE, and only
    the run that flipped it lists it (unconfirmed_notify). Returns the count flipped.
    """
    now = now or timezone.now()
    overrides = [
        reminder_times(association).unconfirmed_after_hours
        for association in Association.objects.exclude(preferences={}).only("preferences")
    ]
    shortest = min([float(settings.LIENS_REPORT_UNCONFIRMED_AFTER_HOURS), *overrides])
    # Served by the partial index visit_awaiting_report (status = 'scheduled', on ends_at).
    # A paused match's visits are not chased: they are not happening (resuming calls them off).
    candidates = (
        Visit.objects.filter(status=Visit.Status.SCHEDULED, ends_at__lt=now - datetime.timedelta(hours=shortest))
        .exclude(match__status__in=Match.SUSPENDED)
        .select_related(*VISIT_RELATED)
    )
    flipped: list[Visit] = []
    for visit in candidates.iterator(chunk_size=500):
        hours = reminder_times(visit.match.mission.association).unconfirmed_after_hours
        if visit.ends_at >= now - datetime.timedelta(hours=hours):
            continue
        with transaction.atomic():
            if not Visit.objects.filter(pk=visit.pk, status=Visit.Status.SCHEDULED).update(
                status=Visit.Status.UNCONFIRMED, updated_at=now
            ):
                continue  # a report came in, or another chaser got there first
            visit.status = Visit.Status.UNCONFIRMED
            reminders_plan(visit=visit, now=now)
            beneficiary = visit.match.mission.beneficiary
            if beneficiary is not None:
                # Two silent visits in a row are a warning sign of their own, before the ledger's deadline.
                alert_raise_missed_visits(beneficiary=beneficiary)
        flipped.append(visit)
    unconfirmed_notify(visits=flipped)
    return len(flipped)


# A notice of visits marked unconfirmed names this many; the rest are counted, the link lists them all.
UNCONFIRMED_NAMES = 10


def unconfirmed_notify(*, visits: list[Visit]) -> int:
    """Tell each association's staff who chose real time about `visits`, just marked unconfirmed:
    one notice per person listing their association's, in their language, with a link to the
    visits needing attention. Idempotent: the dedup key is made of the visits it lists (as the
    alerts' digests, missions.alerts.notifications), so writing it again sends nothing, and two
    chasers racing, having marked different visits, never list one twice. Returns rows written.

    A run that stopped between its marks and this call leaves its visits to the morning digest.
    """
    grouped: dict[int, list[Visit]] = {}
    for visit in visits:
        grouped.setdefault(visit.match.mission.association_id, []).append(visit)
    written = 0
    for association_id, group in grouped.items():
        group.sort(key=lambda visit: (visit.starts_at, visit.pk))
        digest = hashlib.sha256(",".join(str(visit.pk) for visit in sorted(group, key=lambda v: v.pk)).encode())
        zone = association_zone(group[0].match.mission.association)
        context = {
            "visits": group[:UNCONFIRMED_NAMES],
            "count": len(group),
            "more": max(len(group) - UNCONFIRMED_NAMES, 0),
            "association": group[0].match.mission.association,
            "attention_link": attention_url(),
        }
        for recipient in association_staff(association_id, realtime_only=True):
            with timezone.override(zone):
                written += len(
                    notify(
                        recipient=recipient,
                        kind="visit_unconfirmed",
                        context=context,
                        dedup_key=f"visits-unconfirmed:{association_id}:{digest.hexdigest()[:24]}:to:{recipient.pk}",
                        payload={"tz": zone.key},
                    )
                )
    return written


def membership_digest_mode_set(*, user: User, mode: str) -> int:
    """Set how this staff member hears about visits needing attention, in all their associations. Idempotent."""
    if mode not in Membership.DigestMode.values:
        raise DomainError(_("Choose one of the options."), field="digest_mode")
    return Membership.objects.filter(user=user).update(digest_mode=mode)
