"""Raising and resolving an alert: the one place each is written.

Every path raises through `alert_new` / `alert_raise` and resolves through `alert_close` (or,
in bulk, `resolution_fields` and `resolved_event`): an urgent concern in a report, the
missed-visits check, the sweep's Python engine, the ledger when a contact answers a silence,
a person resolving an alert, and the demo seeds. So an alert has the same fields set whoever
raised it: its start, its raising time, severity, and the escalation clock started.

The sweep's SQL engine (sweep._SQL_BATCH) writes the same columns in one set-based statement:
inserting a thousand alerts row by row through the ORM would cost it its measured speed. Its
values come from here (`escalation_delay`, `RESOLVED_BY_CONTACT`), and the tests hold an alert
it raises equal, field by field, to one `alert_new` builds.

Neither function takes locks nor tells anyone: the caller holds the locks (beneficiary row
first, then the alert) and writes the notification in the same transaction.
"""

from __future__ import annotations

import datetime

from django.conf import settings

from ..models import AlertEvent, Beneficiary, IsolationAlert, VisitReport

# The resolution of an alert a new contact answered (the ledger, or the sweep finding one).
RESOLVED_BY_CONTACT = "new contact"


def escalation_delay(*, severity: int) -> datetime.timedelta:
    """How long an alert may wait for someone to acknowledge it before it escalates."""
    if severity == IsolationAlert.Severity.URGENT:
        return settings.LIENS_ALERT_URGENT_ACK_DELAY
    return settings.LIENS_ALERT_ACK_DELAY


def alert_new(
    *,
    beneficiary: Beneficiary,
    kind: str,
    severity: int,
    started_at: datetime.datetime,
    now: datetime.datetime,
    report: VisitReport | None = None,
) -> IsolationAlert:
    """An alert as raised at `now`, not saved yet (the sweep saves its alerts in bulk).

    `beneficiary` may be a stand-in carrying only `pk` and `association_id`."""
    alert = IsolationAlert(
        beneficiary=beneficiary,
        association_id=beneficiary.association_id,
        kind=kind,
        severity=severity,
        started_at=started_at,
        raised_at=now,
        report=report,
        escalation_level=0,
        escalate_after=now + escalation_delay(severity=severity),
        resolution="",
    )
    if beneficiary.association_id is None:
        # A person not written yet (the seeds build the demo before writing it): the association
        # is the object itself, its key is set when both are saved.
        alert.association = beneficiary.association
    return alert


def alert_raise(
    *,
    beneficiary: Beneficiary,
    kind: str,
    severity: int,
    started_at: datetime.datetime,
    now: datetime.datetime,
    report: VisitReport | None = None,
) -> IsolationAlert:
    """Raise one alert. The row is the record of its raising: no event is written for it."""
    alert = alert_new(
        beneficiary=beneficiary, kind=kind, severity=severity, started_at=started_at, now=now, report=report
    )
    alert.save()
    return alert


def resolution_fields(*, now: datetime.datetime, by, resolution: str) -> dict:
    """The columns a resolution writes: a resolved alert no longer escalates."""
    return {"resolved_at": now, "resolved_by": by, "resolution": resolution, "escalate_after": None}


def resolved_event(*, alert_id: int, now: datetime.datetime, by=None, note: str = "", data=None) -> AlertEvent:
    """The timeline entry of a resolution, not saved yet."""
    return AlertEvent(alert_id=alert_id, kind=AlertEvent.Kind.RESOLVED, at=now, author=by, note=note, data=data or {})


def alert_close(
    *,
    alert: IsolationAlert,
    now: datetime.datetime,
    by,
    resolution: str,
    note: str = "",
    data: dict | None = None,
    acknowledge: bool = False,
) -> AlertEvent:
    """Resolve one open alert (locked by the caller) and write its timeline entry. With
    `acknowledge`, a person resolving an alert nobody acknowledged acknowledges it too."""
    fields = resolution_fields(now=now, by=by, resolution=resolution)
    if acknowledge and alert.acknowledged_at is None:
        fields |= {"acknowledged_at": now, "acknowledged_by": by}
    for name, value in fields.items():
        setattr(alert, name, value)
    alert.save(update_fields=list(fields))
    event = resolved_event(alert_id=alert.pk, now=now, by=by, note=note, data=data)
    event.save()
    return event
