"""Web push, the outbox's third channel, against a push service on loopback that checks the
VAPID signature and decrypts each message with the subscription's keys."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from liens.models import Notification, NotificationAttempt, PushSubscription
from liens.notify import default_channels, notify
from liens.outbox.dispatch import dispatch_due
from liens.services import push_subscription_save
from missions.visits.reminders import reminders_plan
from tests import factories
from tests.visits.conftest import weekly_match  # noqa: F401 (a fixture)

from .fakes import race

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def daytime():
    """Each test here starts on a weekday at 10:00 in Paris, whatever instant the suite runs at
    (TEST_NOW): a push waits for the morning in quiet hours, which only the quiet-hours test
    below is about; the others would find every row deferred at 06:30."""
    with time_machine.travel(datetime.datetime(2026, 11, 18, 10, 0, tzinfo=PARIS), tick=True):
        yield


def subscribe(user, service, *, agent="Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36"):
    browser = service.browser()
    push_subscription_save(
        user=user, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth_b64, user_agent=agent
    )
    return browser


def push_row(user, key: str, **payload) -> Notification:
    return Notification.objects.create(
        recipient=user,
        channel="push",
        kind="visit_reminder_soon",
        subject="Visite à 15:00",
        body_text="Jeanne vous attend à 15:00.",
        payload={"url": "https://liens.example.org/volunteer/visits/", **payload},
        dedup_key=f"{key}:push",
        due_at=timezone.now(),
    )


def dispatched_to_one_device(service, *, answer: int):
    """A person with one device whose push service answers `answer`, and their row after a dispatch."""
    user = factories.UserFactory()
    browser = subscribe(user, service)
    service.answer(browser.token, answer)
    row = push_row(user, f"answer-{answer}")
    dispatch_due()
    row.refresh_from_db()
    return user, browser, row


@pytest.mark.django_db
def test_a_reminder_with_push_chosen_reaches_the_push_service_encrypted_for_the_subscription(
    weekly_match,  # noqa: F811
    push_service,
):
    user = weekly_match.volunteer.user
    user.notify_channels = {"reminders": ["push"]}
    user.save()
    browser = subscribe(user, push_service)
    starts_at = datetime.datetime(2026, 11, 19, 15, 0, tzinfo=PARIS)  # tomorrow, 15:00
    ends_at = starts_at + datetime.timedelta(hours=1)
    day = starts_at.date()
    visit = factories.VisitFactory(match=weekly_match, occurrence=day, starts_at=starts_at, ends_at=ends_at)
    reminders_plan(visit=visit)
    planned = Notification.objects.filter(dedup_key__startswith=f"visit:{visit.pk}:")
    assert set(planned.values_list("channel", flat=True)) == {"push"}

    with time_machine.travel(datetime.datetime(2026, 11, 19, 13, 0, 30, tzinfo=PARIS), tick=False):
        result = dispatch_due()

    assert push_service.refused == []
    assert result.sent == 2  # the evening before and two hours before
    messages = push_service.messages_for(browser)
    soon = next(message for message in messages if "soon" in message["tag"])
    # In the volunteer's language (French), the short text of the SMS, and where a tap leads.
    assert soon["title"] and "Jeanne" in soon["body"] and "15:00" in soon["body"]
    assert soon["url"].endswith(f"/volunteer/visits/{visit.pk}/report/")
    assert soon["lang"] == "fr"
    headers = next(item.headers for item in push_service.received if "soon" in item.message["tag"])
    assert 0 < int(headers["ttl"]) <= 2 * 3600  # no later than the visit's start, when it expires
    assert headers["urgency"] == "normal"
    assert PushSubscription.objects.get(endpoint=browser.endpoint).last_used_at is not None


@pytest.mark.django_db
def test_every_device_of_the_person_gets_the_message(push_service):
    user = factories.UserFactory()
    phone = subscribe(user, push_service)
    laptop = subscribe(user, push_service, agent="Firefox/133.0 (Windows NT 10.0)")
    push_row(user, "two-devices")

    assert dispatch_due().sent == 1

    assert [m["body"] for m in push_service.messages_for(phone)] == ["Jeanne vous attend à 15:00."]
    assert [m["body"] for m in push_service.messages_for(laptop)] == ["Jeanne vous attend à 15:00."]


@pytest.mark.django_db
def test_a_410_from_the_push_service_removes_the_subscription(push_service):
    user = factories.UserFactory()
    gone, kept = subscribe(user, push_service), subscribe(user, push_service)
    push_service.answer(gone.token, 410)
    row = push_row(user, "gone")

    dispatch_due()

    assert list(PushSubscription.objects.filter(user=user).values_list("endpoint", flat=True)) == [kept.endpoint]
    row.refresh_from_db()
    assert row.status == "sent"


@pytest.mark.django_db
def test_when_every_subscription_is_gone_the_row_fails_and_the_devices_are_forgotten(push_service):
    user, _browser, row = dispatched_to_one_device(push_service, answer=404)

    assert row.status == "failed" and "expired" in row.last_error
    assert not PushSubscription.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_a_busy_push_service_is_retried_with_backoff(push_service):
    user, browser, row = dispatched_to_one_device(push_service, answer=503)

    assert row.status == "pending" and row.attempts == 1 and "503" in row.last_error
    assert row.due_at >= timezone.now() + datetime.timedelta(seconds=50)
    assert PushSubscription.objects.filter(user=user).exists()
    push_service.answer(browser.token, 201)
    with time_machine.travel(row.due_at + datetime.timedelta(seconds=1), tick=False):
        assert dispatch_due().sent == 1
    assert len(push_service.messages_for(browser)) == 1


@pytest.mark.django_db
def test_a_push_in_quiet_hours_waits_for_the_morning_unless_urgent(push_service, volunteer):
    user = volunteer.user  # quiet from 21:00 to 08:00
    browser = subscribe(user, push_service)
    calm = push_row(user, "calm", tz="Europe/Paris")
    urgent = push_row(user, "urgent", tz="Europe/Paris", urgent=True)

    with time_machine.travel(datetime.datetime(2026, 11, 18, 22, 30, tzinfo=PARIS), tick=False):
        dispatch_due()

    calm.refresh_from_db()
    urgent.refresh_from_db()
    assert calm.status == "pending"
    assert calm.due_at == datetime.datetime(2026, 11, 19, 8, 0, tzinfo=PARIS)
    assert urgent.status == "sent"
    assert [m["tag"] for m in push_service.messages_for(browser)] == ["urgent:push"]
    assert push_service.received[0].headers["urgency"] == "high"


@pytest.mark.django_db
def test_the_same_dedup_key_pushes_once(push_service):
    user = factories.UserFactory(notify_channels={"matches": ["push"]})
    browser = subscribe(user, push_service)
    for _ in range(2):
        notify(recipient=user, kind="match_proposed", context={}, dedup_key="match:1:proposed")
    dispatch_due()
    notify(recipient=user, kind="match_proposed", context={}, dedup_key="match:1:proposed")
    dispatch_due()

    assert len(push_service.messages_for(browser)) == 1


@pytest.mark.django_db
def test_a_push_no_longer_relevant_is_dropped(push_service, weekly_match):  # noqa: F811
    user = weekly_match.volunteer.user
    browser = subscribe(user, push_service)
    row = push_row(user, "stale", expires_at=(timezone.now() - datetime.timedelta(minutes=1)).isoformat())

    dispatch_due()

    row.refresh_from_db()
    assert row.status == "cancelled"
    assert push_service.messages_for(browser) == []


@pytest.mark.django_db
def test_push_chosen_without_a_device_falls_back_to_email(push_service):
    user = factories.UserFactory(notify_channels={"reminders": ["push"], "matches": ["push", "sms"]})

    assert default_channels(user, urgent=False, kind="visit_reminder_eve") == ["email"]
    subscribe(user, push_service)
    assert default_channels(user, urgent=False, kind="visit_reminder_eve") == ["push"]
    # No phone: SMS cannot be kept; push alone is enough when not urgent.
    assert default_channels(user, urgent=False, kind="match_offered") == ["push"]


@pytest.mark.django_db
def test_without_vapid_keys_push_is_never_chosen_and_rows_do_not_crash(settings, push_service):
    user = factories.UserFactory(notify_channels={"reminders": ["push"]})
    subscribe(user, push_service)
    settings.VAPID_PRIVATE_KEY = ""

    assert default_channels(user, urgent=False, kind="visit_reminder_eve") == ["email"]
    row = push_row(user, "unconfigured")
    dispatch_due()
    row.refresh_from_db()
    assert row.status == "pending" and "not configured" in row.last_error


@pytest.mark.django_db(transaction=True)
def test_four_dispatchers_racing_on_due_pushes_send_each_once(push_service):
    if connection.vendor != "postgresql":
        pytest.skip("the race is tested on PostgreSQL (set DATABASE_URL)")
    users = [factories.UserFactory() for _ in range(4)]
    browsers = {user.pk: subscribe(user, push_service) for user in users}
    for i in range(120):
        push_row(users[i % 4], f"race:{i}")
    errors = race(dispatchers=4, batch_size=10)

    assert errors == [] and push_service.refused == []
    tags = [item.message["tag"] for item in push_service.received]
    # What went wrong, should anything: the attempts that did not end in "sent".
    trouble = list(NotificationAttempt.objects.exclude(outcome="sent").values_list("outcome", "error")[:5])
    assert len(tags) == len(set(tags)) == 120, f"a push was sent twice or lost: {len(tags)} sent, {trouble}"
    assert sum(len(push_service.messages_for(b)) for b in browsers.values()) == 120
    assert Notification.objects.filter(channel="push").exclude(status="sent").count() == 0


@pytest.mark.django_db
def test_an_urgent_message_never_rests_on_push_alone(push_service):
    user = factories.UserFactory(notify_channels={"alerts": ["push"]})
    subscribe(user, push_service)
    assert default_channels(user, urgent=True, kind="alert_raised") == ["email", "push"]
    user.phone = "+33612345678"
    assert default_channels(user, urgent=True, kind="alert_raised") == ["sms", "push"]
    assert default_channels(user, urgent=False, kind="alert_raised") == ["push"]


def test_a_placeholder_or_mismatched_key_pair_turns_push_off_and_fails_the_start_up_check(settings, push_service):
    from liens.push import push_available, vapid_keys_form_a_pair

    good_public, good_private = settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY
    assert push_available() and vapid_keys_form_a_pair(None) == []

    other_public = push_service.browser().p256dh  # a valid P-256 point, not the site's
    for public, private in [("change-me", "change-me"), (other_public, good_private), (good_public, "")]:
        settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = public, private
        assert not push_available(), (public, private)
        [error] = vapid_keys_form_a_pair(None)
        assert error.id == "liens.E001"

    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    assert not push_available() and vapid_keys_form_a_pair(None) == []
