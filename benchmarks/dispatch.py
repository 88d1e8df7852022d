"""`manage.py benchmark dispatch --notifications N --dispatchers K [--latency-ms L]`.

Fills the outbox with N due rows (bulk inserts), then runs K dispatcher *processes* at once,
each with its own database connection, through a counting channel that only records which
row ids it was handed. Prints seconds, notifications per second, duplicates (ids handed over
more than once, must be 0) and missing (rows never handed over, must be 0).

With --latency-ms the rows are urgent SMS sent through the real SMS channel and its HTTP
backend, to a fake provider on loopback (benchmarks.provider) that answers each request after
L ms, as a real one does in 50-300 ms: the dispatchers' concurrency is what is measured then,
and the provider's own log of references is the ground truth for duplicates and missing rows.

It runs in a database of its own (benchmarks.database), so no real row is ever due there; it
still refuses to start when other rows are due, since its counting channel would swallow them.
"""

from __future__ import annotations

import multiprocessing
import time
import uuid
from datetime import timedelta

from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from liens.models import Notification, User
from liens.outbox.channels import Channel, SmsChannel
from liens.outbox.dispatch import dispatch_due

from .provider import FakeSmsProvider


class CountingChannel(Channel):
    """Hands nothing over: remembers the id of every row it was given, in this process."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def send(self, notification: Notification) -> str:
        self.ids.append(notification.pk)
        return ""


def add_arguments(parser) -> None:
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--dispatchers", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=None,
        help="send urgent SMS over HTTP to a fake provider on loopback that answers after this many ms",
    )


def _fill(*, tag: str, count: int, sms: bool = False) -> float:
    """Write `count` due notifications to one recipient; the seconds it took."""
    user = User.objects.create_user(
        email=f"bench-{tag}@bench.invalid", password=None, first_name="Bench", phone="+33612345678"
    )
    due = timezone.now() - timedelta(seconds=1)
    started = time.perf_counter()
    chunk = 5_000
    for start in range(0, count, chunk):
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=user,
                    channel=Notification.Channel.SMS if sms else Notification.Channel.EMAIL,
                    kind="benchmark",
                    due_at=due,
                    subject="Benchmark",
                    body_text=f"Message {i}",
                    dedup_key=f"bench:{tag}:{i}",
                    # Urgent: quiet hours must not defer an evening run's text messages.
                    payload={"urgent": True} if sms else {},
                )
                for i in range(start, min(start + chunk, count))
            ]
        )
    return time.perf_counter() - started


def _dispatcher(go, results, batch_size: int, over_http: bool) -> None:
    """One dispatcher process: waits for the start signal, drains the outbox, reports its ids."""
    connections.close_all()  # never share the parent's socket: each process opens its own
    counting = CountingChannel()
    # Over HTTP the provider counts (by dedup key); the counter still sees what the others were.
    channels = {"email": counting, "sms": SmsChannel() if over_http else counting, "push": counting}
    go.wait()
    result = dispatch_due(batch_size=batch_size, channels=channels)
    results.put({"ids": counting.ids, "finished": time.time(), "batches": result.batches, "sent": result.sent})
    connections.close_all()


def run(
    *,
    notifications: int,
    dispatchers: int,
    batch_size: int = 500,
    latency_ms: int | None = None,
    **_options,
) -> dict:
    """Fill, race K dispatcher processes, count; returns the figures (the command prints them)."""
    if notifications < 1 or dispatchers < 1:
        raise CommandError("--notifications and --dispatchers must be at least 1")
    if latency_ms is None:
        return _run(notifications=notifications, dispatchers=dispatchers, batch_size=batch_size)
    if latency_ms < 0:
        raise CommandError("--latency-ms must be 0 or more")
    with FakeSmsProvider(latency=latency_ms / 1000) as provider:
        # Set before the dispatchers fork, so each of them builds its HTTP backend from these.
        sms_settings = {"SMS_BACKEND": "liens.outbox.channels.HttpSmsBackend", "SMS_API_URL": provider.url}
        with override_settings(**sms_settings, SMS_API_TOKEN="benchmark"):  # noqa: S106 (the fake provider's)
            figures = _run(
                notifications=notifications,
                dispatchers=dispatchers,
                batch_size=batch_size,
                provider=provider,
            )
    return {**figures, "latency_ms": latency_ms}


def _run(*, notifications: int, dispatchers: int, batch_size: int, provider=None) -> dict:
    if Notification.objects.filter(status=Notification.Status.PENDING, due_at__lte=timezone.now()).exists():
        raise CommandError("rows are already due in this outbox: run the benchmark on a database of its own")
    tag = uuid.uuid4().hex[:10]
    fill_seconds = _fill(tag=tag, count=notifications, sms=provider is not None)
    expected = set(Notification.objects.filter(dedup_key__startswith=f"bench:{tag}:").values_list("pk", flat=True))
    connections.close_all()

    context = multiprocessing.get_context("fork")
    go, results = context.Event(), context.Queue()
    processes = [
        context.Process(target=_dispatcher, args=(go, results, batch_size, provider is not None))
        for _ in range(dispatchers)
    ]
    for process in processes:
        process.start()
    if provider is not None:
        provider.start()  # its thread starts after the forks: a child never inherits a running thread
    started = time.time()
    go.set()
    reports = [results.get(timeout=3600) for _ in processes]
    for process in processes:
        process.join()
    seconds = max(report["finished"] for report in reports) - started

    rows = Notification.objects.filter(dedup_key__startswith=f"bench:{tag}:")
    if provider is None:
        handed = [pk for report in reports for pk in report["ids"]]
        per_dispatcher = [len(report["ids"]) for report in reports]
    else:
        pk_by_key = dict(rows.values_list("dedup_key", "pk"))
        handed = [pk_by_key.get(key, 0) for key in provider.references()]
        per_dispatcher = [report["sent"] for report in reports]
    unique = set(handed)
    figures = {
        "vendor": connection.vendor,
        "notifications": notifications,
        "dispatchers": dispatchers,
        "batch_size": batch_size,
        "fill_seconds": round(fill_seconds, 3),
        "seconds": round(seconds, 3),
        "per_second": round(notifications / seconds, 1) if seconds else None,
        "duplicates": len(handed) - len(unique),
        "missing": len(expected - unique),
        "not_marked_sent": rows.exclude(status=Notification.Status.SENT).count(),
        "per_dispatcher": sorted(per_dispatcher, reverse=True),
    }
    # The rows stay: the benchmark's database is dropped with them (benchmarks.database).
    return figures
