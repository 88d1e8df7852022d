"""Writes on isolation alerts: raising urgent and missed-visit alerts, the people's actions on
an alert, and the escalation job. The no-contact sweep lives in `sweep.py`.

Lock order, everywhere: the beneficiary row first, then the alert row. The sweep and the ledger
take them in that order too, so a coordinator's action and a sweep never deadlock.
Every action is an AlertEvent with its author and time: the alert's timeline.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from liens.errors import DomainError

from .. import deadline, disclosure

# Re-exported: the association's activate, pause and resume services call them from here.
from ..ledger import alert_deadline_restore as alert_deadline_restore
from ..ledger import alert_deadline_suspend as alert_deadline_suspend
from ..ledger import contact_record, is_paused
from ..models import AlertEvent, Beneficiary, Contact, IsolationAlert, Membership, ReferralService, Visit, VisitReport
from ..permissions import staff_check
from .lifecycle import alert_close, alert_raise, escalation_delay
from .notifications import RaisedItem, alert_escalated_notify, alert_urgent_notify, alerts_raised_notify
from .selectors import AlertFile, alert_file

Kind = IsolationAlert.Kind
Severity = IsolationAlert.Severity

# Escalation stops after telling the managers; a rising severity starts the clock again.
LAST_ESCALATION_LEVEL = 2


def ack_delay(alert: IsolationAlert) -> datetime.timedelta:
    """How long an alert may wait for someone to acknowledge it before it escalates."""
    return escalation_delay(severity=alert.severity)


def _lock_beneficiary(beneficiary_id: int) -> None:
    # First in the lock order (see the module docstring).
    Beneficiary.objects.select_for_update().filter(pk=beneficiary_id).first()


# --- Raising --------------------------------------------------------------------------------------


def alert_raise_urgent(*, report: VisitReport | None = None, session=None) -> IsolationAlert | None:
    """Raise the beneficiary's urgent-concern alert for a volunteer's visit report, or a
    home-care professional's lien-social session (missions.liensocial), with an urgent concern
    (or add it to the open one) and tell the coordinators at once, by SMS too. The one urgent
    path of both. Idempotent per report or session. Returns None when there is no urgent
    concern or no beneficiary."""
    if session is not None:
        concerns = session.urgent_concerns
        beneficiary = session.plan.beneficiary
        source = {"lien_social_session": session}
        seen_data = Q(events__data__lien_social_session=session.pk)
        started_at, author, notes = session.created_at, session.professional, session.notes
        data_key = "lien_social_session"
    else:
        concerns = report.urgent_concerns
        beneficiary = report.visit.match.mission.beneficiary
        source = {"report": report}
        seen_data = Q(events__data__report=report.pk)
        started_at, author, notes = report.submitted_at, report.submitted_by, report.notes
        data_key = "report"
    if not concerns:
        return None
    if beneficiary is None:
        return None  # a group event: nobody's file to put it in
    now = timezone.now()
    with transaction.atomic():
        # The person's row lock serialises two reports filed at once: one alert, one note.
        _lock_beneficiary(beneficiary.pk)
        # A report (or session) already counted raised an alert (it is the alert's source) or
        # added a note.
        seen = IsolationAlert.objects.filter(
            Q(**source) | (Q(events__kind=AlertEvent.Kind.NOTE) & seen_data),
            beneficiary=beneficiary,
            kind=Kind.URGENT_CONCERN,
        ).first()
        if seen is not None:
            return seen
        data = {data_key: (session or report).pk, "concerns": concerns}
        alert = (
            IsolationAlert.objects.select_for_update()
            .filter(beneficiary=beneficiary, kind=Kind.URGENT_CONCERN, resolved_at__isnull=True)
            .first()
        )
        if alert is None:
            alert = alert_raise(
                beneficiary=beneficiary,
                kind=Kind.URGENT_CONCERN,
                severity=Severity.URGENT,
                started_at=started_at or now,
                now=now,
                report=report,
            )
            if session is not None:
                alert.lien_social_session = session
                alert.save(update_fields=["lien_social_session"])
            step = "raised"  # the row records its raising, report and author included
        else:
            # A new worry on an open alert needs a fresh look: acknowledgement cleared, clock on.
            alert.acknowledged_at = None
            alert.acknowledged_by = None
            alert.escalate_after = alert.escalate_after or now + escalation_delay(severity=alert.severity)
            alert.save(update_fields=["acknowledged_at", "acknowledged_by", "escalate_after"])
            event = AlertEvent.objects.create(
                alert=alert, kind=AlertEvent.Kind.NOTE, at=now, author=author, note=notes, data=data
            )
            step = f"event-{event.pk}"
        alert.beneficiary = beneficiary
        alert_urgent_notify(alert=alert, concerns=concerns, step=step)
    return alert


MISSED = (Visit.Status.MISSED, Visit.Status.UNCONFIRMED)


def alert_raise_missed_visits(*, beneficiary: Beneficiary) -> IsolationAlert | None:
    """Raise a missed-visits alert when the beneficiary's last two past visits were both missed
    or unconfirmed, and tell the coordinators. Idempotent: one alert per streak (an alert
    resolved for this streak is not raised again). Returns the open alert, or None."""
    now = timezone.now()
    # Cancelled visits were called off in advance and still-scheduled ones await their report:
    # neither counts, for or against.
    last_two = list(
        Visit.objects.filter(match__mission__beneficiary=beneficiary, starts_at__lte=now)
        .exclude(status__in=[Visit.Status.SCHEDULED, Visit.Status.CANCELLED])
        .order_by("-starts_at")[:2]
    )
    if len(last_two) < 2 or any(visit.status not in MISSED for visit in last_two):
        return None
    streak_since = last_two[0].ends_at
    with transaction.atomic():
        _lock_beneficiary(beneficiary.pk)
        open_alert = IsolationAlert.objects.filter(
            beneficiary=beneficiary, kind=Kind.MISSED_VISITS, resolved_at__isnull=True
        ).first()
        if open_alert is not None:
            return open_alert
        if IsolationAlert.objects.filter(
            beneficiary=beneficiary, kind=Kind.MISSED_VISITS, started_at__gte=streak_since
        ).exists():
            return None  # this streak was already raised and someone resolved it
        alert = alert_raise(
            beneficiary=beneficiary,
            kind=Kind.MISSED_VISITS,
            severity=Severity.OVERDUE,
            started_at=streak_since,
            now=now,
        )
        alerts_raised_notify(
            items=[RaisedItem(alert.pk, beneficiary.pk, beneficiary.association_id, alert.kind, alert.severity, None)]
        )
    return alert


# --- People's actions -----------------------------------------------------------------------------


# What the alert page shows of the person (phone, address, key contacts, and the notes of their
# contacts and visit reports); the API answer carries the same without the address.
ALERT_PAGE_DETAILS = (disclosure.ADDRESS, disclosure.PHONE, disclosure.KEY_CONTACTS, disclosure.NOTES)
ALERT_API_DETAILS = (disclosure.PHONE, disclosure.KEY_CONTACTS, disclosure.NOTES)


def alert_file_open(*, alert: IsolationAlert, by, parts: tuple[str, ...] = ALERT_PAGE_DETAILS) -> AlertFile:
    """The alert's file, for `by` to read; `parts` are the person's details the caller shows
    with it, and disclosure.private_details records that reading (who saw which, when)."""
    staff_check(by, alert.association_id)
    file = alert_file(alert=alert)
    disclosure.private_details(beneficiary=alert.beneficiary, by=by, parts=parts)
    return file


def _lock_open(alert: IsolationAlert) -> IsolationAlert:
    _lock_beneficiary(alert.beneficiary_id)
    locked = IsolationAlert.objects.select_for_update().get(pk=alert.pk)
    if locked.resolved_at is not None:
        raise DomainError(_("This alert is already resolved."))
    return locked


def _acknowledge(alert: IsolationAlert, *, by, now: datetime.datetime) -> None:
    # Any action on an alert shows someone is on it: it acknowledges the alert, which stops
    # the escalation clock.
    if alert.acknowledged_at is not None:
        return
    alert.acknowledged_at = now
    alert.acknowledged_by = by
    alert.escalate_after = None
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "escalate_after"])
    AlertEvent.objects.create(alert=alert, kind=AlertEvent.Kind.ACKNOWLEDGED, at=now, author=by)


def _copy_back(source: IsolationAlert, target: IsolationAlert) -> IsolationAlert:
    for name in (
        "acknowledged_at",
        "acknowledged_by_id",
        "assigned_to_id",
        "escalate_after",
        "resolved_at",
        "resolved_by_id",
        "resolution",
    ):
        setattr(target, name, getattr(source, name))
    return target


def alert_acknowledge(*, alert: IsolationAlert, by) -> IsolationAlert:
    """Mark the alert as seen by `by` and stop its escalation. Idempotent."""
    staff_check(by, alert.association_id)
    with transaction.atomic():
        locked = _lock_open(alert)
        _acknowledge(locked, by=by, now=timezone.now())
    return _copy_back(locked, alert)


def alert_assign(*, alert: IsolationAlert, by, assignee, now: datetime.datetime | None = None) -> IsolationAlert:
    """Give the alert to a member of the association's staff (acknowledging it). Writes an
    event each time; assigning the same person again changes nothing. `now` is the present
    unless the demo seeds replay a past."""
    staff_check(by, alert.association_id)
    if assignee is None or not Membership.objects.filter(user=assignee, association_id=alert.association_id).exists():
        raise DomainError(_("Choose a member of this association's staff."), field="assignee")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_open(alert)
        _acknowledge(locked, by=by, now=now)
        if locked.assigned_to_id != assignee.pk:
            locked.assigned_to = assignee
            locked.save(update_fields=["assigned_to"])
            AlertEvent.objects.create(
                alert=locked,
                kind=AlertEvent.Kind.ASSIGNED,
                at=now,
                author=by,
                data={"assignee": assignee.pk, "name": assignee.get_full_name() or assignee.email},
            )
    return _copy_back(locked, alert)


def _clean_text(value: str, *, field: str, required: bool, max_length: int = 2000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("This field is required."), field=field)
    if len(value) > max_length:
        raise DomainError(
            _("Keep it under %(count)d characters.") % {"count": max_length},
            field=field,
        )
    return value


def alert_note_add(*, alert: IsolationAlert, by, note: str, now: datetime.datetime | None = None) -> AlertEvent:
    """Add a note to the alert's timeline (acknowledging it). Not idempotent: each call is a note.
    `now` is the present unless the demo seeds replay a past."""
    staff_check(by, alert.association_id)
    note = _clean_text(note, field="note", required=True)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_open(alert)
        _acknowledge(locked, by=by, now=now)
        event = AlertEvent.objects.create(alert=locked, kind=AlertEvent.Kind.NOTE, at=now, author=by, note=note)
    _copy_back(locked, alert)
    return event


def alert_call_log(
    *, alert: IsolationAlert, by, reached: bool, note: str = "", occurred_at: datetime.datetime | None = None
) -> IsolationAlert:
    """Log a call made about the alert. When the person was reached it is a contact in the
    ledger (staff call), which resolves a no-contact alert. Each call is one event."""
    staff_check(by, alert.association_id)
    note = _clean_text(note, field="note", required=False)
    now = timezone.now()
    occurred_at = occurred_at or now
    with transaction.atomic():
        locked = _lock_open(alert)
        _acknowledge(locked, by=by, now=now)
        event = AlertEvent.objects.create(
            alert=locked, kind=AlertEvent.Kind.CALL, at=now, author=by, note=note, data={"reached": bool(reached)}
        )
        if reached:
            contact = contact_record(
                beneficiary=locked.beneficiary,
                kind=Contact.Kind.STAFF_CALL,
                occurred_at=occurred_at,
                recorded_by=by,
                notes=note,
            )
            event.data["contact"] = contact.pk
            event.save(update_fields=["data"])
            locked.refresh_from_db()
    return _copy_back(locked, alert)


def alert_refer(*, alert: IsolationAlert, by, service: str, note: str = "") -> AlertEvent:
    """Record that the alert was referred to an outside service (who, when, which service),
    acknowledging it. Each referral is one event."""
    staff_check(by, alert.association_id)
    if service not in ReferralService.values:
        raise DomainError(_("Choose the service you referred to."), field="service")
    note = _clean_text(note, field="note", required=service == ReferralService.OTHER)
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_open(alert)
        _acknowledge(locked, by=by, now=now)
        event = AlertEvent.objects.create(
            alert=locked, kind=AlertEvent.Kind.REFERRED, at=now, author=by, note=note, data={"service": service}
        )
    _copy_back(locked, alert)
    return event


def alert_resolve(*, alert: IsolationAlert, by, reason: str) -> IsolationAlert:
    """Close the alert with a reason. For a no-contact alert, the person's clock restarts now:
    the sweep looks again after a full target + grace if nobody records a contact."""
    staff_check(by, alert.association_id)
    reason = _clean_text(reason, field="reason", required=True, max_length=200)
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_open(alert)
        alert_close(alert=locked, now=now, by=by, resolution=reason, note=reason, acknowledge=True)
        if locked.kind == Kind.NO_CONTACT:
            beneficiary = Beneficiary.objects.select_related("association").get(pk=locked.beneficiary_id)
            if beneficiary.status == Beneficiary.Status.ACTIVE and not is_paused(
                beneficiary=beneficiary, tz=beneficiary.association.timezone, now=now
            ):
                # A full target + grace from now, as if the person had been in touch now.
                restarted = deadline.contact_deadline(
                    since=now, target_days=beneficiary.contact_target_days, grace_days=beneficiary.contact_grace_days
                )
                beneficiary.alert_after = max(beneficiary.contact_deadline(), restarted)
                beneficiary.save(update_fields=["alert_after"])
    return _copy_back(locked, alert)


# --- Escalation -----------------------------------------------------------------------------------


def alerts_escalate(*, now: datetime.datetime | None = None, batch_size: int = 200) -> int:
    """Escalate every unacknowledged alert whose delay has passed: an event, then the
    coordinators told again (level 1) or the managers (level 2). Idempotent and safe to run
    concurrently: each step is a conditional UPDATE on the alert, and messages carry dedup keys.
    Returns the number of alerts escalated."""
    now = now or timezone.now()
    # Most runs (every 5 minutes) find nothing due: a plain read of the partial index says so in
    # one round trip, without the transaction, the row locks and the joins.
    if not _escalation_due(now).exists():
        return 0
    escalated = 0
    seen: set[int] = set()
    while True:
        with transaction.atomic():
            # Served by the partial index alert_escalation_due; rows another run holds are skipped.
            due = list(
                _escalation_due(now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("association", "beneficiary")
                .exclude(pk__in=seen)
                .order_by("escalate_after")[:batch_size]
            )
            if not due:
                return escalated
            for alert in due:
                seen.add(alert.pk)
                escalated += _escalate_one(alert, now=now)


def _escalation_due(now: datetime.datetime):
    """Unacknowledged open alerts whose escalation delay has passed."""
    return IsolationAlert.objects.filter(
        escalate_after__lte=now, resolved_at__isnull=True, acknowledged_at__isnull=True
    )


def _escalate_one(alert: IsolationAlert, *, now: datetime.datetime) -> int:
    # Managers are the last level. An alert already there comes back only when its situation
    # worsened while nobody acknowledged it (the sweep restarts the clock): the managers are
    # told again rather than an unknown level 3.
    repeat = alert.escalation_level >= LAST_ESCALATION_LEVEL
    level = min(alert.escalation_level + 1, LAST_ESCALATION_LEVEL)
    next_after = now + ack_delay(alert) if level < LAST_ESCALATION_LEVEL else None
    # Conditional on the state we read: if another run (or a person) moved it, we do nothing.
    moved = IsolationAlert.objects.filter(
        pk=alert.pk, escalation_level=alert.escalation_level, escalate_after=alert.escalate_after
    ).update(escalation_level=level, escalate_after=next_after)
    if not moved:
        return 0
    alert.escalation_level, alert.escalate_after = level, next_after
    audience = "coordinators" if level < LAST_ESCALATION_LEVEL else "managers"
    event = AlertEvent.objects.create(
        alert=alert, kind=AlertEvent.Kind.ESCALATED, at=now, data={"level": level, "to": audience}
    )
    alert_escalated_notify(alert=alert, level=level, step=f"event-{event.pk}" if repeat else "")
    return 1
