"""Notifications on the phone: the service worker shows a push message as a notification, and the
Notifications page offers this device's button (or says why not). No outside push service is
reachable here: the message is handed to the worker through the DevTools protocol
(ServiceWorker.deliverPushMessage), as the browser's push service would hand it over."""

import json

import pytest
from allauth.account.models import EmailAddress

from liens.models import Notification
from liens.notify import notify
from liens.outbox.channels import PushChannel
from tests import factories
from tests.browser.conftest import login
from tests.browser.test_pwa import controlled, until
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def person(db):
    user = factories.UserFactory(email="paul@exemple.fr", first_name="Paul", notify_channels={"reminders": ["push"]})
    factories.VolunteerFactory(user=user)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def registration_id(page, cdp) -> str:
    """The service worker registration's id, from the DevTools protocol's own events."""
    found = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(r["registrationId"] for r in event["registrations"] if not r["isDeleted"]),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        if found:
            return found[-1]
        page.wait_for_timeout(100)
    raise AssertionError("no service worker registration reported")


def test_a_push_message_delivered_to_the_service_worker_shows_the_notification(page, person, live_server, push_service):
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    login(page, person.email, PASSWORD)
    page.goto("/accounts/notifications/")
    controlled(page)
    # What the outbox would send for a reminder: the channel's own message, not one made up here.
    notify(
        recipient=person,
        kind="report_nudge",
        context={"who": "Jeanne", "report_link": f"{live_server.url}/volunteer/visits/"},
        dedup_key="browser:nudge",
        channels=[Notification.Channel.PUSH],
    )
    row = Notification.objects.get(dedup_key="browser:nudge:push")
    message = PushChannel().message(row).decode()

    cdp = page.context.new_cdp_session(page)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server.url, "registrationId": registration_id(page, cdp), "data": message},
    )

    shown_js = "navigator.serviceWorker.ready.then(r => r.getNotifications()).then(n => n.length > 0)"
    # The browser shows it through the service worker, a process of its own: slower on a busy machine.
    until(page, shown_js, seconds=30)
    shown = page.evaluate(
        """navigator.serviceWorker.ready.then(r => r.getNotifications()).then(list => list.map(n => ({
            title: n.title, body: n.body, tag: n.tag, icon: n.icon, url: n.data && n.data.url
        })))"""
    )
    expected = json.loads(message)
    assert shown == [
        {
            "title": expected["title"],
            "body": expected["body"],
            "tag": "browser:nudge:push",
            "icon": f"{live_server.url}/static/liens/icon-192.png",
            "url": f"{live_server.url}/volunteer/visits/",
        }
    ]
    assert expected["title"] and "Jeanne" in expected["body"]


def test_the_device_button_shows_where_push_works_and_says_when_it_is_blocked(page, person, push_service):
    # Permission not granted: Chromium answers "denied" to the request, as after a refusal.
    login(page, person.email, PASSWORD)
    page.goto("/accounts/notifications/")
    controlled(page)
    button = page.get_by_role("button", name="Recevoir les notifications sur cet appareil")
    button.wait_for()
    button.click()
    denied = page.locator("[data-push-state=denied]")
    denied.wait_for()
    assert "bloquées" in denied.inner_text()
    assert button.is_hidden()


def test_without_vapid_keys_the_page_offers_no_device_button(page, person, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    login(page, person.email, PASSWORD)
    page.goto("/accounts/notifications/")
    controlled(page)
    assert page.locator("[data-push-subscribe]").count() == 0
    assert page.locator("input[value=push]").count() == 0
