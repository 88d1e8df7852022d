"""The API under /api/association/: the same services and scoping, in the OpenAPI schema."""

import datetime
import inspect

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from liens.models import SensitiveAccess
from missions.association import serializers
from missions.association.beneficiaries import BENEFICIARY_FIELDS
from missions.association.missions import MISSION_FIELDS
from missions.association.services import ASSOCIATION_SIGNUP_FIELDS, association_signup
from missions.models import Assessment, Beneficiary, Mission
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_a(coordinator_a):
    client = APIClient()
    client.force_authenticate(coordinator_a)
    return client


@pytest.fixture
def api_b(coordinator_b):
    client = APIClient()
    client.force_authenticate(coordinator_b)
    return client


def test_every_association_endpoint_is_in_the_schema(admin_client_):
    schema = admin_client_.get("/api/schema/", {"format": "json"}).json()
    paths = set(schema["paths"])
    for path in (
        "/api/association/home/",
        "/api/association/signup/",
        "/api/association/beneficiaries/",
        "/api/association/beneficiaries/{beneficiary_id}/",
        "/api/association/beneficiaries/{beneficiary_id}/activate/",
        "/api/association/beneficiaries/{beneficiary_id}/assessments/",
        "/api/association/missions/",
        "/api/association/missions/{mission_id}/publish/",
        "/api/association/vetting/",
        "/api/association/vetting/{volunteer_id}/",
        "/api/association/imports/",
        "/api/association/imports/{job_id}/confirm/",
        "/api/association/invitations/",
        "/api/association/staff/{membership_id}/",
        "/api/association/{association_id}/validate/",
    ):
        assert path in paths, path
    create = schema["paths"]["/api/association/beneficiaries/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("BeneficiaryIn")


def test_the_api_bodies_hold_exactly_what_the_services_take():
    # The input serializers spell their fields out (each with its own checks); the services
    # own the lists, so the two may not drift apart.
    assert set(serializers.BeneficiaryIn().fields) == {*BENEFICIARY_FIELDS, "key_contacts"}
    assert set(serializers.MissionIn().fields) == set(MISSION_FIELDS)
    assert list(serializers.AssociationSignupIn().fields) == list(ASSOCIATION_SIGNUP_FIELDS)
    taken = [name for name in inspect.signature(association_signup).parameters if name != "user"]
    assert taken == list(ASSOCIATION_SIGNUP_FIELDS)


def test_a_referral_goes_from_intake_to_a_published_mission(api_a):
    created = api_a.post(
        "/api/association/beneficiaries/",
        {
            "first_name": "Simone",
            "last_name": "Arnaud",
            "address": "5 rue Dumenge",
            "postcode": "69004",
            "city": "Lyon",
            "referral_source": "link_worker",
            "interests": ["music"],
            "key_contacts": [{"kind": "family", "name": "Luc Arnaud", "phone": "06 00 00 00 00"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    refused = api_a.post(f"/api/association/beneficiaries/{pk}/activate/")
    assert refused.status_code == 400 and "consent_by" in refused.json()
    api_a.patch(
        f"/api/association/beneficiaries/{pk}/",
        {"consent_by": "person", "consent_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert api_a.post(f"/api/association/beneficiaries/{pk}/activate/").json()["status"] == "active"
    scored = api_a.post(
        f"/api/association/beneficiaries/{pk}/assessments/",
        {
            "scale": "djg6",
            "answers": ["yes", "more_or_less", "no", "no", "yes", "more_or_less"],
            "taken_on": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert scored.status_code == 201
    assert scored.json()["score"] == 4 and scored.json()["subscales"] == {"emotional": 2, "social": 2}
    mission = api_a.post(
        "/api/association/missions/",
        {
            "kind": "home_visit",
            "beneficiary": pk,
            "title": "Musique le jeudi",
            "recurrence": "weekly",
            "weekday": 3,
            "local_time": "14:30",
            "first_date": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert mission.status_code == 201, mission.content
    published = api_a.post(f"/api/association/missions/{mission.json()['id']}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "open"
    assert api_a.get("/api/association/home/").json()["unfilled_missions"] == 1


def test_bad_input_is_a_400_with_field_details(api_a):
    response = api_a.post("/api/association/beneficiaries/", {"first_name": "X", "postcode": "123"}, format="json")
    assert response.status_code == 400
    assert {"last_name", "postcode", "referral_source"} <= set(response.json())
    response = api_a.post(
        "/api/association/missions/",
        {
            "kind": "group_event",
            "title": "Loto",
            "recurrence": "weekly",
            "weekday": 2,
            "local_time": "14:00",
            "first_date": "2031-01-01",
        },
        format="json",
    )
    assert response.status_code == 400 and "place" in response.json()


def test_reading_one_person_through_the_api_is_logged(api_a, coordinator_a, beneficiary_a):
    response = api_a.get(f"/api/association/beneficiaries/{beneficiary_a.pk}/")
    assert response.status_code == 200 and response.json()["phone"] == beneficiary_a.phone
    access = SensitiveAccess.objects.get()
    assert (access.user, access.subject) == (coordinator_a, f"beneficiary:{beneficiary_a.pk}")


def test_an_outsiders_ids_are_unknown_to_the_api(api_b, beneficiary_a, mission_a):
    assert api_b.get(f"/api/association/beneficiaries/{beneficiary_a.pk}/").status_code == 404
    assert not SensitiveAccess.objects.exists()
    assert (
        api_b.patch(f"/api/association/beneficiaries/{beneficiary_a.pk}/", {"city": "X"}, format="json").status_code
        == 404
    )
    assert api_b.post(f"/api/association/missions/{mission_a.pk}/close/").status_code == 404
    names = [row["last_name"] for row in api_b.get("/api/association/beneficiaries/").json()["results"]]
    assert beneficiary_a.last_name not in names
    # Naming another association's beneficiary in a new mission is refused as unknown.
    response = api_b.post(
        "/api/association/missions/",
        {
            "kind": "home_visit",
            "beneficiary": beneficiary_a.pk,
            "title": "x",
            "recurrence": "weekly",
            "weekday": 1,
            "local_time": "10:00",
            "first_date": "2031-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert not Mission.objects.filter(title="x").exists()
    assert Beneficiary.objects.get(pk=beneficiary_a.pk).city == "Lyon"


def test_signup_then_validation_by_a_platform_admin(admin_user):
    user = factories.UserFactory()
    client = APIClient()
    client.force_authenticate(user)
    bad = client.post(
        "/api/association/signup/",
        {
            "name": "A",
            "address": "1 rue X",
            "postcode": "69004",
            "city": "Lyon",
            "territory": "Lyon",
            "contact_email": "a@b.fr",
            "siret": "123",
        },
        format="json",
    )
    assert bad.status_code == 400 and "siret" in bad.json()
    created = client.post(
        "/api/association/signup/",
        {
            "name": "A",
            "address": "1 rue X",
            "postcode": "69004",
            "city": "Lyon",
            "territory": "Lyon",
            "contact_email": "a@b.fr",
            "rna": "W691234567",
        },
        format="json",
    )
    assert created.status_code == 201 and created.json()["is_validated"] is False
    association_id = created.json()["id"]
    assert client.post(f"/api/association/{association_id}/validate/").status_code == 404
    admin = APIClient()
    admin.force_authenticate(admin_user)
    assert association_id in [a["id"] for a in admin.get("/api/association/pending/").json()]
    assert admin.post(f"/api/association/{association_id}/validate/").json()["is_validated"] is True


def test_imports_and_vetting_through_the_api(api_a, coordinator_a):
    content = (
        "Prénom;Nom;Adresse;Code postal;Ville;Orienté par\n"
        "Rose;Blanc;1 rue X;69004;Lyon;CCAS\n"
        "Paul;Noir;2 rue X;690;Lyon;CCAS\n"
    ).encode()
    job = api_a.post("/api/association/imports/", {"file": SimpleUploadedFile("p.csv", content)}, format="multipart")
    assert job.status_code == 201
    body = job.json()
    assert (body["status"], body["valid_count"], body["invalid_count"]) == ("validated", 1, 1)
    assert body["report"][0]["line"] == 3
    refused = api_a.post(f"/api/association/imports/{body['id']}/confirm/", {}, format="json")
    assert refused.status_code == 400
    done = api_a.post(f"/api/association/imports/{body['id']}/confirm/", {"valid_only": True}, format="json")
    assert done.json()["status"] == "done" and done.json()["imported_count"] == 1

    from volunteers.models import Volunteer

    waiting = factories.VolunteerFactory(postcode="69008", vetting_state=Volunteer.Vetting.PENDING, approved_at=None)
    assert [v["id"] for v in api_a.get("/api/association/vetting/").json()["results"]] == [waiting.pk]
    recorded = api_a.post(f"/api/association/vetting/{waiting.pk}/", {"step": "interview"}, format="json")
    assert recorded.status_code == 200 and recorded.json()["steps_left"] == ["training", "background_check"]
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    api_a.post(f"/api/association/vetting/{waiting.pk}/", {"step": "training", "on": yesterday}, format="json")
    waiting.refresh_from_db()
    assert waiting.training_on.isoformat() == yesterday


def test_assessments_are_listed_newest_first(api_a, beneficiary_a, coordinator_a):
    for days, answers in ((30, [1, 1, 1]), (0, [3, 3, 2])):
        Assessment.objects.create(
            beneficiary=beneficiary_a, scale="ucla3", answers=answers, score=sum(answers),
            taken_on=timezone.localdate() - datetime.timedelta(days=days),
        )  # fmt: skip
    rows = api_a.get(f"/api/association/beneficiaries/{beneficiary_a.pk}/assessments/").json()["results"]
    assert [r["score"] for r in rows] == [8, 3] and rows[0]["flagged"] is True
