"""The dispatcher: claims, sends once, retries with backoff and a bound, honours quiet hours."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from liens.models import Notification, NotificationAttempt
from liens.notify import notify
from liens.outbox.channels import PermanentSendError, SmsChannel, TransientSendError
from liens.outbox.dispatch import dispatch_due, outbox_requeue_stuck, retry_delay
from tests import factories

from .fakes import Failing, channels

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


def write(user, key, **kwargs):
    """notify(), then the rows as stored (bulk inserts with ignore_conflicts do not return ids)."""
    kwargs.setdefault("context", {"message": "Bonjour"})
    rows = notify(recipient=user, kind="test", dedup_key=key, **kwargs)
    return [Notification.objects.get(dedup_key=row.dedup_key) for row in rows]


def test_it_sends_due_rows_once_and_leaves_future_ones_pending(recorder):
    user = factories.UserFactory()
    (due,) = write(user, "t:due", due_at=timezone.now() - datetime.timedelta(minutes=1))
    (later,) = write(user, "t:later", due_at=timezone.now() + datetime.timedelta(hours=1))

    result = dispatch_due(channels=channels(recorder))
    again = dispatch_due(channels=channels(recorder))

    assert recorder.sent == [due.pk]
    assert (result.sent, again.claimed) == (1, 0)
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == "sent" and due.sent_at is not None and due.attempts == 1
    assert later.status == "pending"
    attempt = NotificationAttempt.objects.get(notification=due)
    assert (attempt.outcome, attempt.number, attempt.provider_ref) == ("sent", 1, f"ref-{due.pk}")


def test_the_same_dedup_key_written_twice_is_sent_once(recorder):
    user = factories.UserFactory()
    write(user, "visit:1:eve:123")
    write(user, "visit:1:eve:123")
    dispatch_due(channels=channels(recorder))
    write(user, "visit:1:eve:123")
    dispatch_due(channels=channels(recorder))
    assert len(recorder.sent) == 1


def test_transient_errors_retry_with_exponential_backoff_then_fail_at_the_bound(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 4
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    user = factories.UserFactory()
    start = timezone.now()
    (row,) = write(user, "t:flaky", due_at=start)
    failing = Failing(TransientSendError("provider busy"))
    seen_delays = []
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(3):
            dispatch_due(channels=channels(failing))
            row.refresh_from_db()
            assert row.status == "pending" and row.last_error == "provider busy"
            seen_delays.append(row.due_at - timezone.now())
            # Just before the retry is due nothing happens; at the due time it is tried again.
            traveller.move_to(row.due_at - datetime.timedelta(seconds=1))
            assert dispatch_due(channels=channels(failing)).claimed == 0
            traveller.move_to(row.due_at)
        dispatch_due(channels=channels(failing))
    row.refresh_from_db()
    assert seen_delays == [datetime.timedelta(seconds=s) for s in (60, 120, 240)]
    assert row.status == "failed" and row.attempts == 4 and "gave up after 4 attempts" in row.last_error
    assert failing.calls == 4
    outcomes = list(
        NotificationAttempt.objects.filter(notification=row).order_by("number").values_list("outcome", flat=True)
    )
    assert outcomes == ["retry", "retry", "retry", "failed"]


def test_backoff_is_capped(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    settings.OUTBOX_RETRY_MAX_SECONDS = 600
    assert retry_delay(1) == datetime.timedelta(minutes=1)
    assert retry_delay(10) == datetime.timedelta(minutes=10)


def test_a_permanent_error_fails_at_once():
    user = factories.UserFactory()
    (row,) = write(user, "t:bad")
    dispatch_due(channels=channels(Failing(PermanentSendError("no such address"))))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "no such address")


def test_an_unexpected_exception_is_retried_not_lost():
    user = factories.UserFactory()
    (row,) = write(user, "t:bug")
    dispatch_due(channels=channels(Failing(RuntimeError("boom"))))
    row.refresh_from_db()
    assert row.status == "pending" and "RuntimeError: boom" in row.last_error


def test_sms_waits_for_the_end_of_quiet_hours_in_local_time(recorder):
    user = factories.UserFactory(phone="+33612345678")
    late_evening = paris(2026, 3, 28, 22, 30)  # the night the clocks go forward
    with time_machine.travel(late_evening, tick=False):
        sms, email = write(user, "t:quiet", channels=["sms", "email"], payload={"tz": "Europe/Paris"})
        result = dispatch_due(channels=channels(recorder))
    sms.refresh_from_db()
    assert recorder.sent == [email.pk]
    assert result.deferred == 1
    # 08:00 local the next morning, which is already summer time (UTC+2).
    assert sms.status == "pending" and sms.attempts == 0
    assert sms.due_at == paris(2026, 3, 29, 8, 0)
    assert sms.due_at.astimezone(datetime.UTC).hour == 6
    with time_machine.travel(paris(2026, 3, 29, 8, 0), tick=False):
        dispatch_due(channels=channels(recorder))
    assert recorder.sent == [email.pk, sms.pk]


def test_urgent_sms_ignores_quiet_hours(recorder):
    user = factories.UserFactory(phone="+33612345678")
    with time_machine.travel(paris(2026, 6, 1, 3, 0), tick=False):
        (sms,) = write(user, "t:urgent", channels=["sms"], urgent=True)
        dispatch_due(channels=channels(recorder))
    assert recorder.sent == [sms.pk]


def test_a_volunteers_own_quiet_hours_are_used(recorder):
    volunteer = factories.VolunteerFactory(
        user=factories.UserFactory(phone="+33612345678"),
        quiet_from=datetime.time(20, 0),
        quiet_until=datetime.time(9, 30),
    )
    with time_machine.travel(paris(2026, 6, 1, 8, 45), tick=False):
        (sms,) = write(volunteer.user, "t:own-quiet", channels=["sms"])
        dispatch_due(channels=channels(recorder))
    sms.refresh_from_db()
    assert recorder.sent == []
    assert sms.due_at == paris(2026, 6, 1, 9, 30)


def test_without_a_quiet_hours_function_the_default_window_applies(recorder, settings):
    # The volunteer's own window (until 09:30) reaches the dispatcher only through the setting;
    # the default one (21:00 -> 08:00) is over at 08:45, so the SMS goes.
    settings.OUTBOX_QUIET_WINDOWS = ""
    volunteer = factories.VolunteerFactory(
        user=factories.UserFactory(phone="+33612345678"),
        quiet_from=datetime.time(20, 0),
        quiet_until=datetime.time(9, 30),
    )
    with time_machine.travel(paris(2026, 6, 1, 8, 45), tick=False):
        write(volunteer.user, "t:default-quiet", channels=["sms"])
        dispatch_due(channels=channels(recorder))
    assert len(recorder.sent) == 1


def test_rows_stuck_in_sending_are_requeued_after_the_threshold_and_sent_once(recorder, settings):
    settings.OUTBOX_STUCK_AFTER_SECONDS = 600
    user = factories.UserFactory()
    (row,) = write(user, "t:stuck")
    claimed = timezone.now() - datetime.timedelta(minutes=5)
    Notification.objects.filter(pk=row.pk).update(status="sending", claimed_at=claimed, attempts=1)

    assert outbox_requeue_stuck() == {"requeued": 0, "failed": 0}
    assert dispatch_due(channels=channels(recorder)).claimed == 0
    with time_machine.travel(claimed + datetime.timedelta(minutes=11), tick=False):
        assert outbox_requeue_stuck() == {"requeued": 1, "failed": 0}
        dispatch_due(channels=channels(recorder))
        assert outbox_requeue_stuck() == {"requeued": 0, "failed": 0}
    row.refresh_from_db()
    assert recorder.sent == [row.pk]
    assert row.status == "sent" and row.attempts == 2


def test_a_row_that_keeps_getting_stuck_fails_at_the_bound(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    user = factories.UserFactory()
    (row,) = write(user, "t:poison")
    Notification.objects.filter(pk=row.pk).update(
        status="sending", claimed_at=timezone.now() - datetime.timedelta(hours=2), attempts=3
    )
    assert outbox_requeue_stuck() == {"requeued": 0, "failed": 1}
    row.refresh_from_db()
    assert row.status == "failed"


def test_an_expired_row_is_dropped_not_sent(recorder):
    user = factories.UserFactory()
    past = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()
    (row,) = write(user, "t:expired", payload={"expires_at": past})
    result = dispatch_due(channels=channels(recorder))
    row.refresh_from_db()
    assert recorder.sent == [] and result.dropped == 1
    assert row.status == "cancelled" and "expired" in row.last_error


def test_a_row_without_a_channel_fails_instead_of_waiting_forever():
    user = factories.UserFactory()
    # In the daytime: a push would otherwise wait out the quiet hours before being looked at.
    with time_machine.travel(datetime.datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=True):
        (row,) = write(user, "t:push", channels=["push"])
        dispatch_due(channels={})
    row.refresh_from_db()
    assert row.status == "failed"


def test_the_management_command_dispatches(settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = factories.UserFactory()
    (row,) = write(user, "t:cmd")
    call_command("dispatch_notifications", "--requeue-stuck")
    row.refresh_from_db()
    assert row.status == "sent"
    assert '"sent": 1' in capsys.readouterr().out


def test_a_channel_that_cannot_open_is_retried_and_the_batch_goes_on(recorder, settings):
    settings.SMS_BACKEND = "liens.outbox.channels.HttpSmsBackend"
    settings.SMS_API_TOKEN = ""  # misconfigured provider
    settings.OUTBOX_QUIET_HOURS = (settings.OUTBOX_QUIET_HOURS[0], settings.OUTBOX_QUIET_HOURS[0])
    user = factories.UserFactory(phone="+33612345678")
    sms, email = write(user, "t:noprovider", channels=["sms", "email"])
    result = dispatch_due(channels={"sms": SmsChannel(), "email": recorder})
    sms.refresh_from_db()
    assert recorder.sent == [email.pk] and result.retried == 1
    assert sms.status == "pending" and "SMS_API_URL and SMS_API_TOKEN must be set" in sms.last_error


def test_nothing_goes_to_a_closed_account(recorder):
    user = factories.UserFactory(is_active=False)
    (row,) = write(user, "t:closed")
    dispatch_due(channels=channels(recorder))
    row.refresh_from_db()
    assert recorder.sent == [] and row.status == "cancelled"
