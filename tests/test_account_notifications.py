"""The Notifications page and API: channels per group of messages, devices receiving web push."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liens.accounts.notifications import ChannelChoices
from liens.models import PushSubscription
from liens.notify import NOTIFICATION_GROUPS
from liens.push import device_label
from tests import factories
from volunteers.services import volunteer_leave

pytestmark = pytest.mark.django_db

ANDROID_CHROME = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


def device(user, service) -> PushSubscription:
    return PushSubscription.objects.create(user=user, endpoint=service.browser().endpoint, p256dh="x", auth="y")


def post_channels(client, **groups):
    """The Notifications form posted with these channels per group (its inputs are prefixed)."""
    data = {f"channels-{group}": channels for group, channels in groups.items()}
    return client.post(reverse("account_notifications"), data)


def subscription_body(browser) -> dict:
    """What the browser's PushSubscription.toJSON() posts."""
    return {"endpoint": browser.endpoint, "keys": {"p256dh": browser.p256dh, "auth": browser.auth_b64}}


def test_every_role_finds_notifications_in_its_menu(volunteer_client, coordinator_a_client, admin_client_):
    url = reverse("account_notifications")
    for client in (volunteer_client, coordinator_a_client):
        assert f'href="{url}"' in client.get(reverse("account_language")).content.decode()
        assert client.get(url).status_code == 200


def test_a_volunteer_is_not_offered_alerts_and_staff_are(volunteer_client, coordinator_a_client):
    url = reverse("account_notifications")
    assert 'name="channels-alerts"' not in volunteer_client.get(url).content.decode()
    page = coordinator_a_client.get(url).content.decode()
    assert 'name="channels-alerts"' in page
    # A bare name="matches" would hide the form's own matches() from the page's scripts.
    assert 'name="matches"' not in page


def test_without_vapid_keys_push_is_neither_offered_nor_accepted(volunteer_client, volunteer, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    page = volunteer_client.get(reverse("account_notifications")).content.decode()
    assert 'value="push"' not in page and "data-push-subscribe" not in page
    response = post_channels(volunteer_client, reminders=["push"], matches=["email"])
    assert response.status_code == 200 and response.context["form"].errors["reminders"]
    volunteer.user.refresh_from_db()
    assert volunteer.user.notify_channels == {}


def test_the_page_saves_the_channels_per_group(volunteer_client, volunteer, push_service):
    response = post_channels(volunteer_client, reminders=["push", "email"], matches=["email"], messages=["push"])
    assert response.status_code == 302
    volunteer.user.refresh_from_db()
    assert volunteer.user.notify_channels == {
        "reminders": ["email", "push"],
        "matches": ["email"],
        "messages": ["push"],
    }


def test_a_group_left_with_no_channel_is_refused_by_its_field(volunteer_client, volunteer, push_service):
    response = post_channels(volunteer_client, reminders=[], matches=["email"])
    assert response.status_code == 200
    assert response.context["form"].errors["reminders"]
    volunteer.user.refresh_from_db()
    assert volunteer.user.notify_channels == {}


def test_sms_without_a_phone_is_refused(volunteer_client, push_service):
    response = post_channels(volunteer_client, reminders=["sms"], matches=["email"])
    assert "numéro de portable" in str(response.context["form"].errors["reminders"])  # in French, the default


def test_the_page_lists_the_devices_and_removes_one(volunteer_client, volunteer, push_service):
    browser = push_service.browser()
    response = volunteer_client.post(
        reverse("api-push-subscriptions"),
        subscription_body(browser),
        content_type="application/json",
        headers={"user-agent": ANDROID_CHROME},
    )
    assert response.status_code == 201 and response.json()["device"] == "Chrome · Android"
    page = volunteer_client.get(reverse("account_notifications")).content.decode()
    assert "Chrome · Android" in page and "data-push-subscribe" in page

    subscription = PushSubscription.objects.get(user=volunteer.user)
    assert volunteer_client.post(reverse("account_device_remove", args=[subscription.pk])).status_code == 302
    assert not PushSubscription.objects.exists()


def test_the_page_costs_the_same_queries_with_one_device_or_five(volunteer_client, volunteer, push_service):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert volunteer_client.get(reverse("account_notifications")).status_code == 200
        return len(captured.captured_queries)

    device(volunteer.user, push_service)
    one = queries()
    for _ in range(4):
        device(volunteer.user, push_service)
    assert queries() == one


def test_subscribing_the_same_browser_twice_keeps_one_row_owned_by_the_last_user(push_service):
    first, second = factories.UserFactory(), factories.UserFactory()
    browser = push_service.browser()
    for user in (first, first, second):
        client = _client(user)
        response = client.post(
            reverse("api-push-subscriptions"), subscription_body(browser), content_type="application/json"
        )
        assert response.status_code == 201
    assert list(PushSubscription.objects.values_list("user_id", flat=True)) == [second.pk]


def test_bad_subscriptions_answer_400_with_the_field(volunteer_client, push_service):
    browser = push_service.browser()
    url = reverse("api-push-subscriptions")
    cases = {
        "endpoint": {**subscription_body(browser), "endpoint": "ftp://push.example/x"},
        "p256dh": {**subscription_body(browser), "keys": {"p256dh": "bm90LWEta2V5", "auth": browser.auth_b64}},
        "auth": {**subscription_body(browser), "keys": {"p256dh": browser.p256dh, "auth": "!!"}},
        "keys": {"endpoint": browser.endpoint},
    }
    for field, body in cases.items():
        response = volunteer_client.post(url, body, content_type="application/json")
        assert response.status_code == 400, field
        assert field in response.json(), (field, response.json())
    assert not PushSubscription.objects.exists()


def test_an_endpoint_over_plain_http_is_refused_outside_tests(volunteer_client, push_service, settings):
    settings.PUSH_ENDPOINT_SCHEMES = ("https",)
    response = volunteer_client.post(
        reverse("api-push-subscriptions"), subscription_body(push_service.browser()), content_type="application/json"
    )
    assert response.status_code == 400 and "endpoint" in response.json()


def test_another_users_device_answers_404_and_stays(volunteer_client, coordinator_a, push_service):
    theirs = device(coordinator_a, push_service)
    assert volunteer_client.delete(reverse("api-push-subscription", args=[theirs.pk])).status_code == 404
    assert volunteer_client.post(reverse("account_device_remove", args=[theirs.pk])).status_code == 404
    assert volunteer_client.get(reverse("api-push-subscriptions")).json() == []
    assert PushSubscription.objects.filter(pk=theirs.pk).exists()


def test_the_api_deletes_ones_own_device(volunteer_client, volunteer, push_service):
    mine = device(volunteer.user, push_service)
    assert volunteer_client.delete(reverse("api-push-subscription", args=[mine.pk])).status_code == 204
    assert not PushSubscription.objects.exists()


def test_the_api_reads_and_updates_the_channels(coordinator_a_client, coordinator_a, push_service):
    url = reverse("api-notification-channels")
    assert coordinator_a_client.get(url).json() == {group: ["email"] for group in NOTIFICATION_GROUPS}
    response = coordinator_a_client.put(url, {"alerts": ["email", "push"]}, content_type="application/json")
    assert response.status_code == 200 and response.json()["alerts"] == ["email", "push"]
    bad = coordinator_a_client.put(url, {"alerts": ["pigeon"]}, content_type="application/json")
    assert bad.status_code == 400 and "alerts" in bad.json()
    empty = coordinator_a_client.put(url, {"alerts": []}, content_type="application/json")
    assert empty.status_code == 400 and "alerts" in empty.json()


def test_the_api_serializer_names_every_group():
    assert set(ChannelChoices().fields) == set(NOTIFICATION_GROUPS)


def test_the_schema_documents_the_device_endpoints(volunteer_client):
    schema = volunteer_client.get(reverse("api-schema"), {"format": "json"}).json()
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values() if "operationId" in op}
    assert {
        "push_subscriptions_list",
        "push_subscriptions_create",
        "push_subscriptions_delete",
        "notification_channels_read",
        "notification_channels_update",
    } <= operations


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (ANDROID_CHROME, "Chrome · Android"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1",
            "Safari · iPhone",
        ),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox · Windows"),
        ("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0", "Edge · Windows"),
        ("curl/8.0", ""),
    ],
)
def test_a_device_is_named_by_its_browser_and_system(agent, label):
    assert device_label(agent) == label


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_volunteer_who_leaves_loses_their_devices_and_choices(volunteer, push_service):
    device(volunteer.user, push_service)
    volunteer.user.notify_channels = {"reminders": ["push"]}
    volunteer.user.save()

    volunteer_leave(volunteer=volunteer)

    volunteer.user.refresh_from_db()
    assert not PushSubscription.objects.exists() and volunteer.user.notify_channels == {}
