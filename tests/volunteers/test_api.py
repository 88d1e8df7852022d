"""The volunteer API: same services as the pages, token or session auth, 400s with field errors."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from tests import factories
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def _put(client, path, data, **extra):
    return client.put(f"/api/volunteer/{path}", data, content_type="application/json", **extra)


def test_every_volunteer_endpoint_is_in_the_openapi_schema(admin_client_):
    schema = admin_client_.get("/api/schema/?format=json").json()
    paths = set(schema["paths"])
    expected = {
        "/api/auth/token/",
        "/api/volunteer/profile/",
        "/api/volunteer/profile/availability/",
        "/api/volunteer/profile/place/",
        "/api/volunteer/profile/interests/",
        "/api/volunteer/profile/kinds/",
        "/api/volunteer/profile/charter/",
        "/api/volunteer/profile/notifications/",
        "/api/volunteer/vetting/",
        "/api/volunteer/missions/",
        "/api/volunteer/missions/{mission_id}/",
        "/api/volunteer/missions/{mission_id}/offer/",
        "/api/volunteer/matches/",
        "/api/volunteer/matches/{match_id}/",
        "/api/volunteer/matches/{match_id}/accept/",
        "/api/volunteer/matches/{match_id}/decline/",
        "/api/volunteer/visits/",
        "/api/volunteer/visits/{visit_id}/cancel/",
        "/api/volunteer/visits/{visit_id}/move/",
        "/api/volunteer/visits/{visit_id}/report/",
        "/api/volunteer/calendar/",
        "/api/volunteer/calendar/reset/",
        "/api/volunteer/pause/",
        "/api/volunteer/resume/",
        "/api/volunteer/leave/",
    }
    assert expected <= paths
    report = schema["paths"]["/api/volunteer/visits/{visit_id}/report/"]["post"]
    assert report["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/VolunteerReportIn")


def test_a_token_is_given_for_a_verified_email_only(client, volunteer):
    response = client.post("/api/auth/token/", {"email": volunteer.user.email, "password": factories.PASSWORD})
    token = response.json()["token"]
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/volunteer/profile/").json()["email"] == volunteer.user.email
    assert client.post("/api/auth/token/", {"email": volunteer.user.email, "password": "nope"}).status_code == 400
    EmailAddress.objects.filter(user=volunteer.user).update(verified=False)
    assert (
        client.post("/api/auth/token/", {"email": volunteer.user.email, "password": factories.PASSWORD}).status_code
        == 400
    )


def test_the_wizard_through_the_api(volunteer_client, volunteer):
    assert (
        _put(
            volunteer_client, "profile/availability/", {"slots": [{"weekday": 2, "start": "09:00", "end": "12:00"}]}
        ).status_code
        == 200
    )
    assert _put(volunteer_client, "profile/place/", {"postcode": "69100", "travel_radius_km": "4"}).status_code == 200
    assert (
        _put(volunteer_client, "profile/interests/", {"interests": ["music"], "languages": ["fr", "ar"]}).status_code
        == 200
    )
    assert (
        _put(volunteer_client, "profile/kinds/", {"visit_kinds": ["phone_call"], "max_commitments": 1}).status_code
        == 200
    )
    assert _put(volunteer_client, "profile/charter/", {"charter": True, "data_consent": True}).status_code == 200
    body = _put(
        volunteer_client,
        "profile/notifications/",
        {
            "notify_email": False,
            "notify_sms": True,
            "phone": "+33 6 12 34 56 78",
            "quiet_from": "22:00",
            "quiet_until": "07:30",
        },
    ).json()
    assert body["slots"] == [{"weekday": 2, "start": "09:00:00", "end": "12:00:00"}]
    assert (body["postcode"], body["city"], body["phone"]) == ("69100", "Villeurbanne", "+33612345678")
    assert body["languages"] == ["fr", "ar"] and body["visit_kinds"] == ["phone_call"]
    assert len(body["profile_steps_done"]) == 6
    assert (body["notify_email"], body["notify_sms"]) == (False, True)
    volunteer.user.refresh_from_db()
    assert volunteer.user.notify_channels == {"reminders": ["sms"], "matches": ["sms"], "messages": ["sms"]}
    assert "latitude" not in body and "longitude" not in body


@pytest.mark.parametrize(
    "path, data, field",
    [
        (
            "profile/notifications/",
            {"notify_email": True, "notify_sms": True, "phone": "123", "quiet_from": "21:00", "quiet_until": "08:00"},
            "phone",
        ),
        ("profile/place/", {"postcode": "01500", "travel_radius_km": "3"}, "postcode"),
        ("profile/place/", {"postcode": "ABCDE", "travel_radius_km": "3"}, "postcode"),
        ("profile/place/", {"postcode": "69004", "travel_radius_km": "300"}, "travel_radius_km"),
        ("profile/availability/", {"slots": [{"weekday": 1, "start": "12:00", "end": "09:00"}]}, "slots"),
        ("profile/availability/", {"slots": []}, "slots"),
        ("profile/interests/", {"interests": ["skydiving"], "languages": ["fr"]}, "interests"),
        ("profile/kinds/", {"visit_kinds": [], "max_commitments": 2}, "visit_kinds"),
        ("profile/charter/", {"charter": True, "data_consent": False}, "data_consent"),
    ],
)
def test_bad_api_input_is_a_400_with_the_field_and_nothing_is_written(volunteer_client, volunteer, path, data, field):
    before = Volunteer.objects.get(pk=volunteer.pk)
    response = _put(volunteer_client, path, data, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    after = Volunteer.objects.get(pk=volunteer.pk)
    assert (after.profile_steps_done, after.postcode, after.travel_radius_km) == (
        before.profile_steps_done,
        before.postcode,
        before.travel_radius_km,
    )
    assert after.slots.count() == 0


def test_an_address_that_does_not_geocode_is_a_400_on_the_address(volunteer_client, volunteer):
    response = _put(
        volunteer_client, "profile/place/", {"postcode": "01500", "address": "3 rue X", "travel_radius_km": "3"}
    )
    assert response.status_code == 400 and "address" in response.json()


def test_the_vetting_endpoint_says_what_is_left(volunteer_client, volunteer, coordinator_a):
    from volunteers.vetting import vetting_record

    Volunteer.objects.filter(pk=volunteer.pk).update(vetting_state="pending", approved_at=None)
    vetting_record(volunteer=volunteer, step="background_check", on=timezone.localdate(), by=coordinator_a)
    body = volunteer_client.get("/api/volunteer/vetting/").json()
    assert body["steps_left"] == ["interview", "training"]
    assert body["background_check_by"] == coordinator_a.get_full_name()
    page = volunteer_client.get("/volunteer/vetting/").content.decode()
    assert f"par {coordinator_a.get_full_name()}" in page and "Vérifié le" in page
    assert "upload" not in page and 'type="file"' not in page


def test_outsiders_get_nothing(anonymous_client, coordinator_a_client):
    assert anonymous_client.get("/api/volunteer/profile/").status_code in (401, 403)
    assert anonymous_client.get("/api/volunteer/visits/").status_code in (401, 403)
    assert coordinator_a_client.get("/api/volunteer/profile/").status_code == 404
    assert coordinator_a_client.get("/api/volunteer/missions/").status_code == 404
