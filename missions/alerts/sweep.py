"""The isolation sweep: one set-based pass over beneficiaries whose stored deadline has passed.

Each beneficiary row carries `alert_after`, the moment it next needs looking at. The sweep
claims due rows through the partial index `beneficiary_alert_due`, oldest first, in bounded
batches; each batch is one transaction that

1. claims its rows: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so a concurrent sweep skips them;
   on SQLite the first statement is a write, which takes the database's single write lock;
2. decides for every row at once: raise a no-contact alert, raise its severity, resolve it (a
   contact arrived by another way), or nothing, and the row's next deadline;
3. writes the result in a constant number of statements whatever the batch size, plus one
   digest per association in the notification outbox.

On PostgreSQL steps 1 to 3 are one statement (`_SQL_BATCH`: data-modifying CTEs), so the rows
never travel to Python and back; elsewhere the same rules run in Python (`no_contact_step`)
over the fetched rows, written with bulk statements. The rules are missions.deadline's and the
alerts are raised and resolved as missions.alerts.lifecycle writes them: the Python engine calls
both, the SQL statement takes its numbers from them. Both engines are tested against each other.

Once committed, every claimed row's deadline is in the future (or NULL at critical), so a second
sweep, concurrent or not, finds nothing to do: the job is idempotent. If a batch fails, its rows
are retried one by one; a row that fails alone has its deadline pushed out by
LIENS_SWEEP_RETRY_DELAY and the others go on.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .. import deadline
from ..models import AlertEvent, Beneficiary, IsolationAlert
from ..models.beneficiaries import SILENT_SINCE
from .lifecycle import RESOLVED_BY_CONTACT, alert_new, escalation_delay, resolution_fields, resolved_event
from .notifications import RaisedItem, alerts_raised_notify

log = logging.getLogger(__name__)

Severity = IsolationAlert.Severity
NO_CONTACT = IsolationAlert.Kind.NO_CONTACT.value


@dataclass(frozen=True)
class DueRow:
    """What the sweep needs to know about one claimed beneficiary."""

    id: int
    association_id: int
    due_at: datetime.datetime  # the alert_after value that made the row due
    status: str
    paused_until: datetime.date | None
    target_days: int
    grace_days: int
    since: datetime.datetime  # last contact, or first followed when there was none
    tz: str
    alert_id: int | None = None  # the open no-contact alert, if any
    alert_severity: int | None = None
    alert_started_at: datetime.datetime | None = None


@dataclass(frozen=True)
class Step:
    """What the sweep does to one row: its next deadline, and the alert change if any."""

    next_due: datetime.datetime | None
    severity: int | None = None  # the no-contact severity now; None when nothing is raised
    started_at: datetime.datetime | None = None
    resolve: bool = False  # an open alert whose silence has ended (contact written elsewhere)


@dataclass
class SweepResult:
    claimed: int = 0
    raised: int = 0
    risen: int = 0
    resolved: int = 0
    failed: int = 0
    batches: int = 0
    seconds: float = 0.0
    failed_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "claimed": self.claimed,
            "raised": self.raised,
            "risen": self.risen,
            "resolved": self.resolved,
            "failed": self.failed,
            "batches": self.batches,
            "seconds": round(self.seconds, 4),
        }


def no_contact_step(
    row: DueRow,
    *,
    now: datetime.datetime,
    overdue_factor: int | None = None,
    critical_factor: int | None = None,
) -> Step:
    """Decide one claimed row. Pure: the same row and time always give the same step.

    The rules are missions.deadline's. Thresholds count from the start of the silence: for a
    fresh alert the later of the contact deadline (last contact + target + grace) and the row's
    stored deadline (which is the end of a pause, or the moment a person last resolved an
    alert), for an open alert its own start. The factors are the settings' unless given."""
    if row.status != Beneficiary.Status.ACTIVE:
        return Step(next_due=None)
    end = deadline.pause_end(paused_until=row.paused_until, tz=row.tz)
    if end is not None and now < end:
        # Paused until a date: raise nothing, look again when the pause ends.
        return Step(next_due=end)
    late_at = deadline.contact_deadline(since=row.since, target_days=row.target_days, grace_days=row.grace_days)
    if late_at > now:
        # The stored deadline was stale (a contact moved it): no silence, just re-arm it.
        return Step(next_due=late_at, resolve=row.alert_id is not None)

    start = row.alert_started_at if row.alert_id is not None else max(late_at, row.due_at)
    factors = {"overdue": overdue_factor, "critical": critical_factor}
    overdue_at, critical_at = deadline.severity_thresholds(
        start=start, target_days=row.target_days, grace_days=row.grace_days, **factors
    )
    severity = deadline.severity_for(
        start=start, target_days=row.target_days, grace_days=row.grace_days, now=now, **factors
    )
    # Severity never falls on an open alert: a lower reading (after a pause) keeps the higher one.
    severity = max(severity, row.alert_severity or 0)
    # The next threshold is always after now, so a claimed row leaves the due set.
    if severity >= Severity.CRITICAL:
        next_due = None  # nothing higher to raise; a contact or a person re-arms the row
    elif severity == Severity.OVERDUE:
        next_due = critical_at
    else:
        next_due = overdue_at
    return Step(next_due=next_due, severity=int(severity), started_at=start)


# --- Claiming ------------------------------------------------------------------------------------


def _claim(*, now: datetime.datetime, limit: int, only_id: int | None = None) -> list[DueRow]:
    """Claim up to `limit` due rows for the current transaction and fetch what the step needs."""
    # SQLite has one writer at a time. A no-op UPDATE as the transaction's first statement takes
    # the write lock before anything is read, so a concurrent sweep waits for this one to commit
    # and then finds the deadlines moved.
    due = Beneficiary.objects.filter(alert_after__isnull=False, alert_after__lte=now)
    if only_id is not None:
        due = due.filter(pk=only_id)
    first = due.order_by("alert_after").values("pk")[:limit]
    if not Beneficiary.objects.filter(pk__in=Subquery(first)).update(alert_after=F("alert_after")):
        return []
    ids = list(due.order_by("alert_after").values_list("pk", flat=True)[:limit])
    rows = (
        Beneficiary.objects.filter(pk__in=ids, alert_after__lte=now)
        .annotate(since=SILENT_SINCE)
        .values_list(
            "pk",
            "association_id",
            "alert_after",
            "status",
            "paused_until",
            "contact_target_days",
            "contact_grace_days",
            "since",
            "association__timezone",
        )
    )
    open_alerts = {
        beneficiary_id: (pk, severity, started_at)
        for pk, beneficiary_id, severity, started_at in IsolationAlert.objects.filter(
            beneficiary_id__in=ids, kind=IsolationAlert.Kind.NO_CONTACT, resolved_at__isnull=True
        ).values_list("pk", "beneficiary_id", "severity", "started_at")
    }
    return [DueRow(*row, *open_alerts.get(row[0], (None, None, None))) for row in rows]


# --- Writing -------------------------------------------------------------------------------------


@dataclass
class _Batch:
    """The writes one batch needs, gathered before any is made."""

    deadlines: list[tuple[int, datetime.datetime | None]] = field(default_factory=list)
    new: list[tuple[DueRow, Step]] = field(default_factory=list)
    risen: list[tuple[DueRow, Step]] = field(default_factory=list)
    resolved: list[DueRow] = field(default_factory=list)


def _plan(rows: list[DueRow], *, now: datetime.datetime) -> _Batch:
    batch = _Batch()
    for row in rows:
        step = no_contact_step(row, now=now)
        batch.deadlines.append((row.id, step.next_due))
        if step.resolve:
            batch.resolved.append(row)
        elif step.severity is None:
            continue
        elif row.alert_id is None:
            batch.new.append((row, step))
        elif step.severity > row.alert_severity:
            batch.risen.append((row, step))
    return batch


def _write(batch: _Batch, *, now: datetime.datetime) -> list[RaisedItem]:
    """Apply a planned batch with a constant number of statements; return what to tell staff."""
    delay = now + escalation_delay(severity=Severity.LATE)
    items: list[RaisedItem] = []
    Beneficiary.objects.bulk_update(
        [Beneficiary(pk=bid, alert_after=due) for bid, due in batch.deadlines], ["alert_after"], batch_size=500
    )
    events: list[AlertEvent] = []
    alerts = IsolationAlert.objects.bulk_create(
        [
            alert_new(
                beneficiary=Beneficiary(pk=row.id, association_id=row.association_id),
                kind=NO_CONTACT,
                severity=step.severity,
                started_at=step.started_at,
                now=now,
            )
            for row, step in batch.new
        ]
    )
    for alert, (row, step) in zip(alerts, batch.new, strict=True):
        items.append(RaisedItem(alert.pk, row.id, row.association_id, NO_CONTACT, step.severity, None))
    # A worse situation needs a fresh look: the acknowledgement is cleared and the escalation
    # clock starts again if it had stopped. One UPDATE per severity reached (two at most).
    for severity in {step.severity for _, step in batch.risen}:
        IsolationAlert.objects.filter(
            pk__in=[row.alert_id for row, step in batch.risen if step.severity == severity]
        ).update(
            severity=severity,
            acknowledged_at=None,
            acknowledged_by=None,
            escalate_after=Coalesce("escalate_after", Value(delay)),
        )
    for row, step in batch.risen:
        events.append(
            AlertEvent(
                alert_id=row.alert_id,
                kind=AlertEvent.Kind.SEVERITY,
                at=now,
                data={"from": row.alert_severity, "to": step.severity},
            )
        )
        items.append(
            RaisedItem(row.alert_id, row.id, row.association_id, NO_CONTACT, step.severity, row.alert_severity)
        )
    if batch.resolved:
        IsolationAlert.objects.filter(pk__in=[row.alert_id for row in batch.resolved]).update(
            **resolution_fields(now=now, by=None, resolution=RESOLVED_BY_CONTACT)
        )
        events += [resolved_event(alert_id=row.alert_id, now=now, data={"by": "sweep"}) for row in batch.resolved]
    AlertEvent.objects.bulk_create(events)
    return items


# --- The sweep -----------------------------------------------------------------------------------


_SQL_BATCH = """
WITH claimed AS (
    -- The partial index beneficiary_alert_due serves WHERE alert_after <= now ORDER BY
    -- alert_after LIMIT n; SKIP LOCKED leaves the rows another sweep holds to that sweep.
    -- The numbers are missions.deadline's (sql_parameters()): %(day)s is its day of 24 hours,
    -- whatever the session's time zone; the tests hold this statement and the Python step equal.
    SELECT ctid AS row_id, id, association_id, alert_after AS due_at, status, paused_until,
           contact_target_days AS target,
           COALESCE(last_contact_at, followed_since)
               + (contact_target_days + contact_grace_days) * %(day)s AS deadline,
           (contact_target_days + contact_grace_days) * %(day)s AS allowance
    FROM missions_beneficiary
    WHERE alert_after IS NOT NULL AND alert_after <= %(now)s {only}
    ORDER BY alert_after
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), open_alert AS (
    -- The open no-contact alerts of the claimed rows, locked too, so the escalation job (which
    -- locks alerts only) skips them until this batch commits, and their row ids stay valid for
    -- the updates below. LATERAL makes it one probe of the unique partial index
    -- alert_one_open_per_kind per claimed row, whatever the statistics say: matching against an
    -- array of the claimed ids instead let the planner test every open alert of the association
    -- against the whole array, a cost that grew as batch size x open alerts.
    SELECT a.*
    FROM claimed c, LATERAL (
        SELECT ctid AS alert_row, id, beneficiary_id, severity, started_at
        FROM missions_isolationalert
        WHERE beneficiary_id = c.id AND kind = 'no_contact' AND resolved_at IS NULL
        FOR UPDATE
    ) a
), due AS (
    SELECT c.*, ((c.paused_until + 1)::timestamp AT TIME ZONE s.timezone) AS pause_end,
           a.alert_row, a.id AS alert_id, a.severity AS alert_severity, a.started_at AS alert_started_at
    FROM claimed c
    JOIN missions_association s ON s.id = c.association_id
    LEFT JOIN open_alert a ON a.beneficiary_id = c.id
), judged AS (
    SELECT due.*,
           CASE WHEN status <> 'active' THEN 'off'
                WHEN pause_end IS NOT NULL AND %(now)s < pause_end THEN 'paused'
                WHEN deadline > %(now)s THEN 'fresh'
                ELSE 'late' END AS state,
           COALESCE(alert_started_at, GREATEST(deadline, due_at)) - allowance AS since
    FROM due
), stepped AS (
    SELECT judged.*,
           since + %(overdue)s * target * %(day)s AS overdue_at,
           since + %(critical)s * target * %(day)s AS critical_at,
           since + allowance AS started_at,
           GREATEST(CASE WHEN %(now)s >= since + %(critical)s * target * %(day)s THEN %(critical_severity)s
                         WHEN %(now)s >= since + %(overdue)s * target * %(day)s THEN %(overdue_severity)s
                         ELSE %(late_severity)s END,
                    COALESCE(alert_severity, 0)) AS severity
    FROM judged
), plan AS (
    -- Each write below takes its rows from these arrays by physical row id: every row was locked
    -- above, so none can have moved, and an unnested array keeps the planner on one fetch per
    -- row (a TID scan) instead of a pass over the whole table. Sorted by row id, the rows are
    -- visited in their order on disk, as a bitmap scan would.
    SELECT array_agg(row_id ORDER BY row_id) AS rows,
           array_agg(CASE state WHEN 'off' THEN NULL
                                WHEN 'paused' THEN pause_end
                                WHEN 'fresh' THEN deadline
                                ELSE CASE WHEN severity >= %(critical_severity)s THEN NULL
                                          WHEN severity = %(overdue_severity)s THEN critical_at
                                          ELSE overdue_at END END ORDER BY row_id) AS dues,
           array_agg(alert_row) FILTER (WHERE state = 'late' AND severity > alert_severity) AS risen_rows,
           array_agg(severity) FILTER (WHERE state = 'late' AND severity > alert_severity) AS risen_to,
           array_agg(alert_severity) FILTER (WHERE state = 'late' AND severity > alert_severity) AS risen_from,
           array_agg(alert_row) FILTER (WHERE state = 'fresh' AND alert_row IS NOT NULL) AS resolved_rows
    FROM stepped
), moved AS (
    UPDATE missions_beneficiary b SET alert_after = v.due
    FROM plan, unnest(plan.rows, plan.dues) AS v(row_id, due)
    WHERE b.ctid = v.row_id
    RETURNING b.id
), raised AS (
    -- The raising lifecycle.alert_new describes, written set-based: a thousand alerts through
    -- the ORM, one by one, would cost the sweep its measured speed. Same columns, same values
    -- (the tests compare an alert raised here with one alert_new builds).
    INSERT INTO missions_isolationalert (beneficiary_id, association_id, kind, severity, started_at,
                                         raised_at, escalation_level, escalate_after, resolution)
    SELECT id, association_id, 'no_contact', severity, started_at, %(now)s, 0, %(escalate_after)s, ''
    FROM stepped WHERE state = 'late' AND alert_id IS NULL
    RETURNING id, beneficiary_id, association_id, severity
), risen AS (
    -- A worse situation needs a fresh look: the acknowledgement is cleared and the escalation
    -- clock starts again if it had stopped.
    UPDATE missions_isolationalert a
    SET severity = v.severity, acknowledged_at = NULL, acknowledged_by_id = NULL,
        escalate_after = COALESCE(a.escalate_after, %(escalate_after)s)
    FROM plan, unnest(plan.risen_rows, plan.risen_to, plan.risen_from) AS v(row_id, severity, previous)
    WHERE a.ctid = v.row_id
    RETURNING a.id, a.beneficiary_id, a.association_id, a.severity, v.previous
), resolved AS (
    UPDATE missions_isolationalert a
    SET resolved_at = %(now)s, resolved_by_id = NULL, resolution = %(resolution)s, escalate_after = NULL
    FROM plan, unnest(plan.resolved_rows) AS v(row_id)
    WHERE a.ctid = v.row_id
    RETURNING a.id
), events AS (
    -- A new alert's row is the record of its raising (see AlertEvent): no event for it.
    INSERT INTO missions_alertevent (alert_id, kind, at, note, data)
    SELECT id, 'severity', %(now)s, '', jsonb_build_object('from', previous, 'to', severity) FROM risen
    UNION ALL
    SELECT id, 'resolved', %(now)s, '', '{{"by": "sweep"}}'::jsonb FROM resolved
)
SELECT 'raised', id, beneficiary_id, association_id, severity, NULL FROM raised
UNION ALL SELECT 'risen', id, beneficiary_id, association_id, severity, previous FROM risen
UNION ALL SELECT 'resolved', count(*), NULL, NULL, NULL, NULL FROM resolved
UNION ALL SELECT 'claimed', count(*), NULL, NULL, NULL, NULL FROM moved
"""


def _sweep_batch_sql(*, now: datetime.datetime, limit: int, only_id: int | None) -> tuple[int, int, list[RaisedItem]]:
    """One batch as one PostgreSQL statement; returns (claimed, resolved, raised or risen)."""
    params = {
        "now": now,
        "limit": limit,
        "only": only_id,
        **deadline.sql_parameters(),
        # What lifecycle.alert_new and resolution_fields would write (tested to agree).
        "escalate_after": now + escalation_delay(severity=Severity.LATE),
        "resolution": RESOLVED_BY_CONTACT,
    }
    sql = _SQL_BATCH.format(only="AND id = %(only)s" if only_id is not None else "")
    claimed = resolved = 0
    items: list[RaisedItem] = []
    with connection.cursor() as cursor:
        # PostgreSQL plans each foreign-key check once per connection and keeps the plan, chosen
        # for the referenced table's size at that moment. Planned while the alerts table was
        # small, the check of each event's alert stays a full scan of that table as it grows:
        # when every raised alert still had an event, the last of ten batches of 1,000 spent half
        # a second there. Fresh plans at each batch are made at its commit, where the deferred
        # checks run, for the tables as they then are.
        cursor.execute("DISCARD PLANS")
        cursor.execute(sql, params)
        for what, first, beneficiary_id, association_id, severity, previous in cursor.fetchall():
            if what == "claimed":
                claimed = first
            elif what == "resolved":
                resolved = first
            else:
                items.append(RaisedItem(first, beneficiary_id, association_id, NO_CONTACT, severity, previous))
    return claimed, resolved, items


def _sweep_batch(
    *, now: datetime.datetime, limit: int, result: SweepResult, engine: str, only_id: int | None = None
) -> int:
    """Claim, decide and write one batch in one transaction; return how many rows it claimed."""
    with transaction.atomic():
        if engine == "sql":
            claimed, resolved, items = _sweep_batch_sql(now=now, limit=limit, only_id=only_id)
        else:
            rows = _claim(now=now, limit=limit, only_id=only_id)
            batch = _plan(rows, now=now)
            items = _write(batch, now=now) if rows else []
            claimed, resolved = len(rows), len(batch.resolved)
        # The digest is an outbox row written in the same transaction as the alerts: both
        # exist, or neither does.
        alerts_raised_notify(items=items)
    result.claimed += claimed
    result.resolved += resolved
    result.raised += sum(1 for item in items if item.previous_severity is None)
    result.risen += sum(1 for item in items if item.previous_severity is not None)
    return claimed


def _defer(*, beneficiary_id: int, now: datetime.datetime) -> None:
    # Conditional on the row still being due, so a row fixed meanwhile keeps its own deadline.
    Beneficiary.objects.filter(pk=beneficiary_id, alert_after__lte=now).update(
        alert_after=now + settings.LIENS_SWEEP_RETRY_DELAY
    )


def _due_ids(*, now: datetime.datetime, limit: int) -> list[int]:
    return list(
        Beneficiary.objects.filter(alert_after__isnull=False, alert_after__lte=now)
        .order_by("alert_after")
        .values_list("pk", flat=True)[:limit]
    )


def isolation_sweep(
    *, now: datetime.datetime | None = None, batch_size: int | None = None, engine: str | None = None
) -> SweepResult:
    """Raise or raise the severity of no-contact alerts for every beneficiary whose deadline has
    passed, and move each deadline on. Writes alerts, events and outbox digests. Idempotent and
    safe to run concurrently: a row is claimed by one sweep only, and leaves the due set once done.

    `engine` is "sql" (PostgreSQL only, the default there) or "python" (any database)."""
    now = now or timezone.now()
    engine = engine or ("sql" if connection.vendor == "postgresql" else "python")
    limit = batch_size or settings.LIENS_SWEEP_BATCH
    result = SweepResult()
    started = time.perf_counter()
    while True:
        try:
            claimed = _sweep_batch(now=now, limit=limit, result=result, engine=engine)
        except Exception:
            # Something in this batch is broken: find which row by taking them one at a time.
            log.warning("isolation sweep: batch failed, retrying its rows one by one", exc_info=True)
            due = _due_ids(now=now, limit=limit)
            if not due:
                raise
            claimed = len(due)
            for beneficiary_id in due:
                try:
                    _sweep_batch(now=now, limit=1, result=result, engine=engine, only_id=beneficiary_id)
                except Exception:
                    log.exception("isolation sweep: beneficiary %s failed; looking again later", beneficiary_id)
                    _defer(beneficiary_id=beneficiary_id, now=now)
                    result.failed += 1
                    result.failed_ids.append(beneficiary_id)
        if not claimed:
            break
        result.batches += 1
    result.seconds = time.perf_counter() - started
    log.info("isolation sweep: %s", result.as_dict())
    return result
