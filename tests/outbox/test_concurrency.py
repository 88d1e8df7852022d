"""The dispatcher's worker threads: each claimed row sent once, a failure kept to its own row, the bounds held."""

import threading
import time

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from liens.models import Notification, NotificationAttempt
from liens.outbox import dispatch as dispatch_module
from liens.outbox.channels import Channel, EmailChannel, PermanentSendError, TransientSendError
from liens.outbox.dispatch import dispatch_due, retry_delay
from tests import factories

from .fakes import channels

pytestmark = pytest.mark.django_db


class SlowProvider(Channel):
    """Sleeps like a provider, counts how many calls overlap, and fails the rows it is told to, once."""

    def __init__(self, *, delay: float, fail_once: dict | None = None, rate_limit: float | None = None):
        self.delay = delay
        self.fail_once = dict(fail_once or {})
        self.rate_limit = rate_limit
        self.lock = threading.Lock()
        self.sent: list[int] = []
        self.calls: list[int] = []
        self.starts: list[float] = []
        self.threads: set[str] = set()
        self.running = 0
        self.peak = 0

    def send(self, notification) -> str:
        with self.lock:
            self.calls.append(notification.pk)
            self.starts.append(time.monotonic())
            self.threads.add(threading.current_thread().name)
            self.running += 1
            self.peak = max(self.peak, self.running)
            error = self.fail_once.pop(notification.pk, None)
        try:
            time.sleep(self.delay)
            if error is not None:
                raise error
            with self.lock:
                self.sent.append(notification.pk)
            return f"ref-{notification.pk}"
        finally:
            with self.lock:
                self.running -= 1


def fill(count: int, *, channel: str = "email", **user) -> list[Notification]:
    recipient = factories.UserFactory(**user)
    Notification.objects.bulk_create(
        Notification(
            recipient=recipient, channel=channel, kind="pool", due_at=timezone.now(), dedup_key=f"pool:{i}",
            subject="Rappel", body_text=f"Message {i}", payload={"urgent": True},
        )
        for i in range(count)
    )  # fmt: skip
    return list(Notification.objects.filter(kind="pool").order_by("pk"))


def test_concurrent_sends_hand_each_row_over_exactly_once_within_the_bound(settings):
    settings.OUTBOX_CONCURRENCY = {"email": 6}
    rows = fill(60)
    provider = SlowProvider(delay=0.02)

    result = dispatch_due(batch_size=25, channels=channels(provider))

    assert sorted(provider.calls) == [row.pk for row in rows]  # every row, none twice
    assert 1 < provider.peak <= 6  # overlapping, and never more than the bound
    assert all(name.startswith("outbox-email") for name in provider.threads)
    assert (result.claimed, result.sent, result.batches) == (60, 60, 3)
    assert set(Notification.objects.filter(kind="pool").values_list("status", "attempts")) == {("sent", 1)}
    attempts = NotificationAttempt.objects.filter(notification__kind="pool")
    assert sorted(attempts.values_list("notification_id", flat=True)) == [row.pk for row in rows]
    assert set(attempts.values_list("outcome", flat=True)) == {"sent"}
    # The duration is the provider call's own, measured in its worker.
    assert min(attempts.values_list("duration_ms", flat=True)) >= 20
    assert dispatch_due(channels=channels(provider)).claimed == 0


def test_a_failing_send_is_recorded_on_its_own_row_and_retried_while_the_others_go_out(settings):
    settings.OUTBOX_CONCURRENCY = {"email": 4}
    rows = fill(12)
    flaky, broken, buggy = rows[3], rows[7], rows[9]
    provider = SlowProvider(
        delay=0.01,
        fail_once={
            flaky.pk: TransientSendError("provider busy"),
            broken.pk: PermanentSendError("recipient refused"),
            buggy.pk: RuntimeError("bug in the adapter"),
        },
    )
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        result = dispatch_due(channels=channels(provider))

        assert (result.sent, result.retried, result.failed) == (9, 2, 1)
        assert sorted(provider.sent) == sorted(row.pk for row in rows if row not in (flaky, broken, buggy))
        stored = Notification.objects.in_bulk([flaky.pk, broken.pk, buggy.pk])
        assert stored[flaky.pk].status == "pending" and stored[flaky.pk].last_error == "provider busy"
        assert stored[flaky.pk].due_at == start + retry_delay(1)
        assert stored[buggy.pk].status == "pending"
        assert stored[buggy.pk].last_error == "RuntimeError: bug in the adapter"
        assert stored[broken.pk].status == "failed" and stored[broken.pk].last_error == "recipient refused"
        outcomes = dict(
            NotificationAttempt.objects.filter(notification__kind="pool")
            .exclude(outcome="sent")
            .values_list("notification_id", "outcome")
        )
        assert outcomes == {flaky.pk: "retry", buggy.pk: "retry", broken.pk: "failed"}

        # At the retry time the two transient failures go out, once each; the others stay as they were.
        traveller.move_to(start + retry_delay(1))
        again = dispatch_due(channels=channels(provider))

    assert (again.claimed, again.sent) == (2, 2)
    assert sorted(provider.sent) == sorted(row.pk for row in rows if row != broken)
    assert provider.calls.count(flaky.pk) == 2 and provider.calls.count(rows[0].pk) == 1
    statuses = dict(Notification.objects.filter(kind="pool").values_list("pk", "status"))
    assert statuses == {row.pk: "failed" if row == broken else "sent" for row in rows}


@pytest.mark.parametrize("bound", [8, 1])
def test_a_channels_rate_limit_spaces_the_starts_of_its_sends(settings, bound):
    settings.OUTBOX_CONCURRENCY = {"email": bound}
    fill(6)
    provider = SlowProvider(delay=0.001, rate_limit=25)  # one start every 40 ms at most

    dispatch_due(batch_size=4, channels=channels(provider))  # across batches too

    assert len(provider.sent) == 6
    starts = sorted(provider.starts)
    assert min(later - earlier for earlier, later in zip(starts, starts[1:], strict=False)) >= 0.035


def test_concurrent_email_opens_one_backend_connection_per_worker_and_closes_them(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.OUTBOX_CONCURRENCY = {"email": 4}
    fill(20, email="lea@exemple.fr")
    channel = EmailChannel()

    result = dispatch_due(channels={"email": channel})

    assert result.sent == 20 and len(mail.outbox) == 20
    assert sorted(message.extra_headers["X-Liens-Notification"] for message in mail.outbox) == sorted(
        f"pool:{i}" for i in range(20)
    )
    assert channel.connections == []  # all closed with the batch


def test_a_concurrency_of_one_sends_in_the_dispatchers_own_thread(settings):
    settings.OUTBOX_CONCURRENCY = {"email": 1}
    fill(3)
    provider = SlowProvider(delay=0)

    dispatch_due(channels=channels(provider))

    assert provider.threads == {threading.current_thread().name} and provider.peak == 1
    assert sorted(provider.sent) == sorted(Notification.objects.filter(kind="pool").values_list("pk", flat=True))


def test_unknown_channels_default_to_one_at_a_time(settings):
    settings.OUTBOX_CONCURRENCY = {}
    fill(4)
    provider = SlowProvider(delay=0.005)

    dispatch_due(channels=channels(provider))

    assert provider.peak == 1 and len(provider.sent) == 4


def test_sends_under_way_when_the_dispatcher_fails_are_still_recorded_as_sent(settings, monkeypatch):
    settings.OUTBOX_CONCURRENCY = {"email": 4}
    rows = fill(6)
    provider = SlowProvider(delay=0.05)
    real_rule = dispatch_module.quiet_hours_end

    def breaks_on_the_third_row(notification, **kwargs):
        if notification.pk == rows[2].pk:
            raise RuntimeError("the dispatcher fell over")
        return real_rule(notification, **kwargs)

    monkeypatch.setattr(dispatch_module, "quiet_hours_end", breaks_on_the_third_row)

    with pytest.raises(RuntimeError, match="fell over"):
        dispatch_due(channels=channels(provider))

    # The two rows already with the provider were accepted: they are marked sent, not left to
    # the sweeper (which would send them again). The others were never handed over.
    assert sorted(provider.calls) == [rows[0].pk, rows[1].pk]
    statuses = dict(Notification.objects.filter(kind="pool").values_list("pk", "status"))
    assert statuses == {row.pk: "sent" if row in rows[:2] else "sending" for row in rows}
    assert NotificationAttempt.objects.filter(notification__kind="pool", outcome="sent").count() == 2
