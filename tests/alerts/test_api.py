"""The alerts API: same services as the pages, scoped, in the OpenAPI schema."""

import pytest
from django.urls import reverse

from missions.alerts.sweep import isolation_sweep
from missions.models import AlertEvent, Contact, IsolationAlert
from tests.alerts.conftest import followed

pytestmark = pytest.mark.django_db

ACTIONS = {
    "acknowledge": {},
    "assign": {"assignee": 0},
    "note": {"note": "Appel prévu demain."},
    "call": {"reached": True, "note": "Va bien."},
    "refer": {"service": "gp", "note": "Dr Martin prévenu."},
    "resolve": {"reason": "Hospitalisée, la famille suit."},
}


@pytest.fixture
def alert_a(follow):
    follow(days_silent=12)
    isolation_sweep()
    return IsolationAlert.objects.get()


def test_the_list_is_the_queue_in_the_same_order_and_scope(alert_a, association_b, coordinator_a_client, admin_client_):
    other = followed(association_b, days_silent=30)
    isolation_sweep()
    mine = coordinator_a_client.get("/api/alerts/").json()
    assert [row["id"] for row in mine["results"]] == [alert_a.pk]
    assert mine["results"][0]["severity_label"]
    everything = admin_client_.get("/api/alerts/").json()
    assert [row["beneficiary"]["id"] for row in everything["results"]] == [other.pk, alert_a.beneficiary_id]
    assert coordinator_a_client.get("/api/alerts/", {"kind": "urgent_concern"}).json()["count"] == 0
    assert coordinator_a_client.get("/api/alerts/", {"severity": 9}).status_code == 400


def test_the_detail_has_the_file_and_logs_the_access(alert_a, coordinator_a_client):
    body = coordinator_a_client.get(f"/api/alerts/{alert_a.pk}/").json()
    assert body["phone"] == alert_a.beneficiary.phone
    assert [event["kind"] for event in body["events"]] == ["raised"]
    assert len(body["contacts"]) == 1


def test_every_action_works_through_the_api(alert_a, coordinator_a, coordinator_a_client):
    payloads = ACTIONS | {"assign": {"assignee": coordinator_a.pk}}
    for name in ("acknowledge", "assign", "note", "refer"):
        response = coordinator_a_client.post(
            reverse(f"alerts_api:{name}", args=[alert_a.pk]), payloads[name], content_type="application/json"
        )
        assert response.status_code == 200, (name, response.content)
    body = coordinator_a_client.post(
        reverse("alerts_api:call", args=[alert_a.pk]), payloads["call"], content_type="application/json"
    ).json()
    assert body["resolved_at"] is not None  # the call was a contact
    assert Contact.objects.filter(kind="staff_call").count() == 1
    # The timeline opens with the raising, made from the alert row, then every action in turn.
    timeline = coordinator_a_client.get(f"/api/alerts/{alert_a.pk}/").json()["events"]
    kinds = [event["kind"] for event in timeline]
    assert kinds == ["raised", "acknowledged", "assigned", "note", "referred", "call", "resolved"]
    assert timeline[0]["id"] is None and timeline[0]["data"] == {"severity": alert_a.severity}
    assert all(event["author"]["id"] == coordinator_a.pk for event in timeline[1:])


def test_a_refusal_is_a_400_under_the_field(alert_a, coordinator_a_client, coordinator_b):
    response = coordinator_a_client.post(
        reverse("alerts_api:assign", args=[alert_a.pk]), {"assignee": coordinator_b.pk}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "assignee" in response.json()
    missing = coordinator_a_client.post(
        reverse("alerts_api:resolve", args=[alert_a.pk]), {}, content_type="application/json"
    )
    assert missing.status_code == 400
    assert "reason" in missing.json()
    assert not AlertEvent.objects.exists()


def test_an_outsider_coordinator_gets_404_on_the_api(alert_a, coordinator_b_client):
    assert coordinator_b_client.get(f"/api/alerts/{alert_a.pk}/").status_code == 404
    for name, payload in ACTIONS.items():
        response = coordinator_b_client.post(
            reverse(f"alerts_api:{name}", args=[alert_a.pk]), payload, content_type="application/json"
        )
        assert response.status_code == 404, name
    assert coordinator_b_client.get("/api/alerts/").json()["count"] == 0
    alert_a.refresh_from_db()
    assert alert_a.acknowledged_at is None and alert_a.resolved_at is None


def test_volunteers_and_anonymous_are_refused(alert_a, volunteer_client, anonymous_client):
    assert volunteer_client.get("/api/alerts/").status_code == 404
    assert volunteer_client.get(f"/api/alerts/{alert_a.pk}/").status_code == 404
    assert anonymous_client.get("/api/alerts/").status_code in (401, 403)


def test_the_token_authenticates_too(alert_a, coordinator_a):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=coordinator_a).key}")
    assert client.get("/api/alerts/numbers/").json()["counts"]["late"] == 1


def test_the_endpoints_are_in_the_openapi_schema(admin_client_):
    schema = admin_client_.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/alerts/",
        "/api/alerts/numbers/",
        "/api/alerts/{id}/",
        "/api/alerts/{id}/acknowledge/",
        "/api/alerts/{id}/assign/",
        "/api/alerts/{id}/notes/",
        "/api/alerts/{id}/calls/",
        "/api/alerts/{id}/referrals/",
        "/api/alerts/{id}/resolve/",
    ):
        assert path in paths, path
    assert "ResolveIn" in schema["components"]["schemas"]
