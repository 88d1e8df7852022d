"""Sending the outbox: claim due rows, hand them to their channel, record what happened.

The life of a row: pending --claim--> sending --> sent
                                          |--> pending again (transient error: backoff; quiet hours: deferred)
                                          |--> failed (permanent error, or the retry bound reached)
                                          '--> cancelled (expired, or no longer relevant)
A row stuck in "sending" (its dispatcher died) is put back to pending by the sweeper.

Exactly-once: a row is claimed by a single dispatcher (row locks with SKIP LOCKED on PostgreSQL,
a conditional UPDATE elsewhere), and the dedup key is unique, so one logical message is one
row. The one window left is a crash between the provider accepting a message and our commit
of "sent": the sent marks are flushed at least every OUTBOX_SENT_FLUSH_SECONDS to keep that
window small, and the dedup key travels with the message (header, SMS reference) so a
provider that deduplicates can close it.

Concurrency: a provider answers in 50-300 ms, so one row at a time would spend an evening's
reminders waiting. The dispatcher's own thread claims, applies the rules and writes every
status and attempt; only the provider call runs in a worker thread, up to
OUTBOX_CONCURRENCY[channel] at once per channel (and no faster than the channel's
`rate_limit`). Each claimed row is handed to exactly one worker, once, so the claim still
guarantees a single send; a worker never touches the database, so no connection is shared
between threads or left open behind one. The crash window above widens by the sends in flight
(at most the concurrency per channel): if the dispatcher's thread fails, it still waits for
them and records them; only a dead process leaves them to the sweeper.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from liens.models import Notification, NotificationAttempt, User

from .channels import Channel, PermanentSendError, TransientSendError, channels_for_dispatch

log = logging.getLogger(__name__)

Status = Notification.Status
Outcome = NotificationAttempt.Outcome


@dataclass
class DispatchResult:
    """What one dispatch run did."""

    batches: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    dropped: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


# --- Claiming ------------------------------------------------------------------------------


# What a channel may read; loading just these keeps the per-row cost low at dispatch rates.
NOTIFICATION_FIELDS = (
    "recipient", "to_address", "channel", "kind", "due_at", "language", "subject", "body_text", "body_html",
    "payload", "status", "attempts", "dedup_key",
)  # fmt: skip
RECIPIENT_FIELDS = ("email", "phone", "first_name", "last_name", "language", "is_active")


def _due(now: datetime.datetime):
    # Served by the partial index notification_due (status = 'pending', on due_at).
    return Notification.objects.filter(status=Status.PENDING, due_at__lte=now).order_by("due_at")


def _claim_skip_locked(*, now: datetime.datetime, batch_size: int) -> list[int]:
    """PostgreSQL: lock a batch of due rows, skipping rows another dispatcher holds, and flip them."""
    with transaction.atomic():
        ids = list(_due(now).select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch_size])
        if ids:
            Notification.objects.filter(pk__in=ids).update(
                status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
    return ids


def _claim_conditional(*, now: datetime.datetime, batch_size: int) -> list[int]:
    """Any database: flip each candidate with `UPDATE ... WHERE status = 'pending'`.

    Two dispatchers may read the same candidates; the conditional UPDATE lets exactly one of
    them flip each row (the other sees rowcount 0), so a row is never claimed twice.
    """
    candidates = list(_due(now).values_list("pk", flat=True)[:batch_size])
    claimed = []
    for pk in candidates:
        flipped = Notification.objects.filter(pk=pk, status=Status.PENDING).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        if flipped:
            claimed.append(pk)
    return claimed


def notifications_claim(*, now: datetime.datetime, batch_size: int) -> list[Notification]:
    """Claim up to batch_size due rows for this dispatcher (status -> sending). Concurrency-safe."""
    if connection.vendor == "postgresql":
        ids = _claim_skip_locked(now=now, batch_size=batch_size)
    else:
        ids = _claim_conditional(now=now, batch_size=batch_size)
    if not ids:
        return []
    # By primary key only: the rows are ours since the claim committed. (A status filter here
    # lets the planner pick the partial in-flight index, bloated with dead entries mid-run.)
    rows = list(Notification.objects.filter(pk__in=ids).only(*NOTIFICATION_FIELDS).order_by("due_at", "pk"))
    # Each recipient loaded once per batch, however many of its rows are in it.
    recipients = User.objects.only(*RECIPIENT_FIELDS).in_bulk({row.recipient_id for row in rows} - {None})
    for row in rows:
        # A row addressed to an email alone (no account) keeps recipient None.
        row.recipient = recipients[row.recipient_id] if row.recipient_id else None
    return rows


# --- Rules applied to each claimed row -----------------------------------------------------


def _zone(notification: Notification) -> ZoneInfo:
    try:
        return ZoneInfo((notification.payload or {}).get("tz") or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


# Channels that wake a phone: held back during quiet hours unless urgent. Email waits in an inbox.
QUIET_CHANNELS = (Notification.Channel.SMS, Notification.Channel.PUSH)


def _quiet_sensitive(notification: Notification) -> bool:
    return notification.channel in QUIET_CHANNELS and not (notification.payload or {}).get("urgent")


def quiet_windows(rows: list[Notification]) -> dict[int, tuple[datetime.time, datetime.time]]:
    """Volunteers' own quiet hours for the recipients of non-urgent SMS and push rows (one query)."""
    user_ids = {row.recipient_id for row in rows if _quiet_sensitive(row)}
    if not user_ids:
        return {}
    # The profile that holds quiet hours answers, through the function a setting names: the
    # core app knows no profile's fields.
    path = getattr(settings, "OUTBOX_QUIET_WINDOWS", "")
    return import_string(path)(user_ids) if path else {}


def quiet_hours_end(
    notification: Notification, *, now: datetime.datetime, window: tuple[datetime.time, datetime.time] | None = None
) -> datetime.datetime | None:
    """When the recipient's quiet hours end, if now is inside them and the row is a non-urgent SMS or push.

    `window` is the volunteer's own (from, until); the settings' default applies otherwise.
    """
    if not _quiet_sensitive(notification):
        return None
    start, end = window or settings.OUTBOX_QUIET_HOURS
    if start == end:
        return None
    zone = _zone(notification)
    local = now.astimezone(zone)
    clock = local.time()
    # The window usually wraps midnight (21:00 -> 08:00); a same-day window (13:00 -> 14:00) works too.
    inside = (clock >= start or clock < end) if start > end else (start <= clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + datetime.timedelta(days=1)
    # Built from the local date and wall-clock time, so 08:00 stays 08:00 across a DST change.
    return datetime.datetime.combine(day, end, tzinfo=zone)


def _expired(notification: Notification, *, now: datetime.datetime) -> bool:
    raw = (notification.payload or {}).get("expires_at")
    expires_at = parse_datetime(raw) if raw else None
    return expires_at is not None and expires_at <= now


def _still_relevant(rows: list[Notification]) -> set[int]:
    """Ids of rows that their guard (payload["guard"], see settings.OUTBOX_GUARDS) still wants sent.

    One query per guard and batch: e.g. a report nudge is dropped once the report is in.
    """
    by_guard: dict[str, list[Notification]] = {}
    keep = set()
    for row in rows:
        guard = (row.payload or {}).get("guard")
        if guard:
            by_guard.setdefault(guard, []).append(row)
        else:
            keep.add(row.pk)
    for guard, guarded in by_guard.items():
        path = settings.OUTBOX_GUARDS.get(guard)
        if path is None:
            keep.update(row.pk for row in guarded)
            continue
        keep.update(import_string(path)(guarded))
    return keep


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff after the given number of attempts: base, 2*base, 4*base... capped."""
    seconds = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


# --- Sending, in worker threads --------------------------------------------------------------


def concurrency(channel_name: str) -> int:
    """How many sends of this channel one dispatcher has in flight at most (1: in its own thread)."""
    return max(1, int(getattr(settings, "OUTBOX_CONCURRENCY", {}).get(channel_name, 1)))


@dataclass
class _Sent:
    """What one provider call gave: its reference or its exception, and when it ran."""

    started: float
    finished: float
    ref: str = ""
    error: Exception | None = None


def _send(channel: Channel, row: Notification) -> _Sent:
    started = time.monotonic()
    try:
        ref = channel.send(row) or ""
    except Exception as exc:  # classified by the dispatcher's thread, which records it
        return _Sent(started=started, finished=time.monotonic(), error=exc)
    return _Sent(started=started, finished=time.monotonic(), ref=ref)


def _send_in_worker(channel: Channel, row: Notification) -> _Sent:
    """The provider call, in a worker thread. The row arrives loaded (recipient included)."""
    try:
        return _send(channel, row)
    finally:
        # Should a channel read the database after all, this thread's connection is closed here
        # rather than left open (and holding a server slot) for the life of the pool.
        connections.close_all()


# --- The batch -----------------------------------------------------------------------------


ATTEMPT_COLUMNS = ("notification_id", "number", "at", "outcome", "provider_ref", "error", "duration_ms")
ATTEMPT_TYPES = ("bigint", "smallint", "timestamptz", "text", "text", "text", "integer")


def _attempts_write(log: list[tuple]) -> None:
    """Append to the attempt log (tuples in ATTEMPT_COLUMNS order): on PostgreSQL one INSERT of
    unnested arrays, far cheaper than the ORM's per-row objects at dispatch rates."""
    if connection.vendor != "postgresql":
        NotificationAttempt.objects.bulk_create(
            NotificationAttempt(**dict(zip(ATTEMPT_COLUMNS, entry, strict=True))) for entry in log
        )
        return
    table = NotificationAttempt._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(ATTEMPT_COLUMNS)}) "  # noqa: S608 (names are ours, values are parameters)
        f"SELECT * FROM unnest({', '.join(f'%s::{kind}[]' for kind in ATTEMPT_TYPES)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*log, strict=True)])


class _Batch:
    """Sends one claimed batch, buffering "sent" marks and the attempt log between flushes.

    All database writes happen in the dispatcher's thread; worker threads only call providers.
    """

    def __init__(
        self, *, channels: dict[str, Channel], clock, result: DispatchResult, pacing: dict[str, float] | None = None
    ):
        self.channels = channels
        self.clock = clock
        self.result = result
        self.sent_ids: list[int] = []
        self.log: list[tuple] = []
        self.flushed_at = time.monotonic()
        self.pools: dict[str, ThreadPoolExecutor] = {}
        self.in_flight: dict[Future, Notification] = {}
        self.busy: Counter[str] = Counter()
        # When each rate-limited channel may start its next send; shared by a run's batches, so
        # a new batch does not begin with a burst.
        self.next_start = pacing if pacing is not None else {}

    def flush(self) -> None:
        if self.sent_ids:
            # exclude(SENT) keeps the first sent_at if the sweeper ever raced us on a slow row.
            Notification.objects.filter(pk__in=self.sent_ids).exclude(status=Status.SENT).update(
                status=Status.SENT, sent_at=self.clock(), last_error=""
            )
            self.result.sent += len(self.sent_ids)
            self.sent_ids = []
        if self.log:
            _attempts_write(self.log)
            self.log = []
        self.flushed_at = time.monotonic()

    def record(
        self,
        row: Notification,
        outcome: str,
        *,
        error: str = "",
        ref: str = "",
        started: float = 0.0,
        finished: float | None = None,
    ):
        duration = int(((finished or time.monotonic()) - started) * 1000) if started else 0
        self.log.append((row.pk, row.attempts, self.clock(), outcome, ref[:200], error[:2000], duration))

    def drop(self, row: Notification, reason: str) -> None:
        Notification.objects.filter(pk=row.pk, status=Status.SENDING).update(
            status=Status.CANCELLED, claimed_at=None, last_error=reason
        )
        self.record(row, Outcome.DROPPED, error=reason)
        self.result.dropped += 1

    def defer(self, row: Notification, until: datetime.datetime) -> None:
        # Quiet hours are not an attempt: the counter goes back to what it was before the claim.
        Notification.objects.filter(pk=row.pk, status=Status.SENDING).update(
            status=Status.PENDING, due_at=until, claimed_at=None, attempts=F("attempts") - 1
        )
        self.record(row, Outcome.DEFERRED, error=f"quiet hours until {until.isoformat()}")
        self.result.deferred += 1

    def fail(self, row: Notification, error: str, started: float, finished: float | None = None) -> None:
        Notification.objects.filter(pk=row.pk, status=Status.SENDING).update(
            status=Status.FAILED, claimed_at=None, last_error=error[:2000]
        )
        self.record(row, Outcome.FAILED, error=error, started=started, finished=finished)
        self.result.failed += 1
        log.warning("notification %s failed for good after %s attempt(s): %s", row.pk, row.attempts, error)

    def retry(self, row: Notification, error: str, started: float, finished: float | None = None) -> None:
        if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            self.fail(row, f"gave up after {row.attempts} attempts: {error}", started, finished)
            return
        Notification.objects.filter(pk=row.pk, status=Status.SENDING).update(
            status=Status.PENDING,
            claimed_at=None,
            due_at=self.clock() + retry_delay(row.attempts),
            last_error=error[:2000],
        )
        self.record(row, Outcome.RETRY, error=error, started=started, finished=finished)
        self.result.retried += 1

    def settle(self, row: Notification, sent: _Sent) -> None:
        """Record what the provider call did, in the dispatcher's thread."""
        exc, started, finished = sent.error, sent.started, sent.finished
        if exc is None:
            self.sent_ids.append(row.pk)
            self.record(row, Outcome.SENT, ref=sent.ref, started=started, finished=finished)
        elif isinstance(exc, PermanentSendError):
            self.fail(row, str(exc), started, finished)
        elif isinstance(exc, TransientSendError):
            self.retry(row, str(exc), started, finished)
        else:  # unknown errors are retried within the bound, never lost
            log.error("channel %s raised on notification %s", row.channel, row.pk, exc_info=exc)
            self.retry(row, f"{type(exc).__name__}: {exc}", started, finished)
        # Bounded staleness of the "sent" marks: a crash re-sends at most this much.
        if time.monotonic() - self.flushed_at >= settings.OUTBOX_SENT_FLUSH_SECONDS:
            self.flush()

    def collect(self, *, timeout: float | None) -> None:
        """Settle the sends that have finished, first waiting up to timeout (None: forever) for one."""
        if not self.in_flight:
            return
        done, _ = wait(self.in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
            row = self.in_flight.pop(future)
            self.busy[row.channel] -= 1
            # _send_in_worker returns the provider's exception rather than raising it.
            self.settle(row, future.result())

    def submit(self, row: Notification, channel: Channel) -> None:
        """Hand a claimed row to a worker of its channel; at the bound, wait for one to be free."""
        limit = concurrency(row.channel)
        while self.busy[row.channel] >= limit:
            self.collect(timeout=None)
        rate = getattr(channel, "rate_limit", None)
        if rate:
            # Paced at submission: starts are 1/rate apart, finished sends settled while waiting.
            start_at = self.next_start.get(row.channel, 0.0)
            while (delay := start_at - time.monotonic()) > 0:
                if self.in_flight:
                    self.collect(timeout=delay)
                else:
                    time.sleep(delay)
            self.next_start[row.channel] = max(start_at, time.monotonic()) + 1 / rate
        if limit == 1:
            self.settle(row, _send(channel, row))
            return
        pool = self.pools.get(row.channel)
        if pool is None:
            pool = self.pools[row.channel] = ThreadPoolExecutor(limit, thread_name_prefix=f"outbox-{row.channel}")
        # The row goes to exactly one worker, exactly once: it is never resubmitted, so the
        # claim still stands for a single send. Its result comes back to this thread only.
        self.in_flight[pool.submit(_send_in_worker, channel, row)] = row
        self.busy[row.channel] += 1
        self.collect(timeout=0)

    def run(self, rows: list[Notification]) -> None:
        now = self.clock()
        relevant = _still_relevant(rows)
        windows = quiet_windows(rows)
        opened: set[str] = set()
        try:
            for row in rows:
                if _expired(row, now=now):
                    self.drop(row, "expired before it could be sent")
                    continue
                if row.pk not in relevant:
                    self.drop(row, "no longer relevant")
                    continue
                if row.recipient is not None and not row.recipient.is_active:
                    self.drop(row, "the recipient's account is closed")
                    continue
                quiet_until = quiet_hours_end(row, now=now, window=windows.get(row.recipient_id))
                if quiet_until is not None:
                    self.defer(row, quiet_until)
                    continue
                channel = self.channels.get(row.channel)
                started = time.monotonic()
                if channel is None:
                    self.fail(row, f"no channel configured for {row.channel!r}", started)
                    continue
                if row.channel not in opened:
                    try:
                        channel.open()
                        # What the sends will need from the database, read here in one go.
                        channel.prepare([other for other in rows if other.channel == row.channel])
                    except Exception as exc:  # e.g. a provider not configured: retried within the bound
                        log.exception("channel %s could not open", row.channel)
                        self.retry(row, f"cannot open {row.channel}: {type(exc).__name__}: {exc}", started)
                        continue
                    opened.add(row.channel)
                self.submit(row, channel)
            while self.in_flight:
                self.collect(timeout=None)
        finally:
            # Sends already under way finish and are recorded even if this thread failed: a
            # provider may have accepted them, and a row left "sending" would be sent again.
            for pool in self.pools.values():
                pool.shutdown(wait=True)
            try:
                while self.in_flight:
                    self.collect(timeout=None)
            finally:
                self.flush()
                for name in opened:
                    self.channels[name].close()


def dispatch_due(
    *,
    batch_size: int | None = None,
    now: datetime.datetime | None = None,
    max_batches: int | None = None,
    time_budget: float | None = None,
    channels: dict[str, Channel] | None = None,
) -> DispatchResult:
    """Send every due pending row, batch by batch; writes statuses and the attempt log.

    Safe to run twice or concurrently: each row is claimed by one dispatcher. Stops when no
    row is due, after max_batches, or once time_budget seconds have passed.
    """
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    clock = (lambda: now) if now is not None else timezone.now
    channels = channels if channels is not None else channels_for_dispatch()
    result = DispatchResult()
    pacing: dict[str, float] = {}
    started = time.monotonic()
    while max_batches is None or result.batches < max_batches:
        if time_budget is not None and time.monotonic() - started >= time_budget:
            break
        rows = notifications_claim(now=clock(), batch_size=batch_size)
        if not rows:
            break
        result.batches += 1
        result.claimed += len(rows)
        _Batch(channels=channels, clock=clock, result=result, pacing=pacing).run(rows)
    return result


def outbox_requeue_stuck(*, older_than: datetime.timedelta | None = None, now: datetime.datetime | None = None) -> dict:
    """Put rows stuck in "sending" (dispatcher died) back to pending; past the bound, mark them failed.

    Idempotent. The threshold must stay well above the task time limit so a dispatcher that
    is merely slow is never raced by the sweeper.
    """
    now = now or timezone.now()
    older_than = older_than or datetime.timedelta(seconds=settings.OUTBOX_STUCK_AFTER_SECONDS)
    # Served by the partial index notification_in_flight (status = 'sending', on claimed_at).
    stuck = Notification.objects.filter(status=Status.SENDING, claimed_at__lt=now - older_than)
    note = f"re-queued after more than {int(older_than.total_seconds())} s in sending"
    # A row that keeps killing its dispatcher would otherwise come back forever.
    failed = stuck.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=Status.FAILED, claimed_at=None, last_error=f"{note}; attempts exhausted"
    )
    requeued = stuck.filter(attempts__lt=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=Status.PENDING, claimed_at=None, last_error=note
    )
    if requeued or failed:
        log.warning("outbox sweeper: %s row(s) re-queued, %s failed", requeued, failed)
    return {"requeued": requeued, "failed": failed}
