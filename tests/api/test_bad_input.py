"""Bad input answers 400 (or 413) in the caller's language, never 500; bodies, lists and pages
are bounded; OPTIONS answers on every endpoint; a refusal from a service is a 400 with its field."""

import json

import pytest
from django.test import override_settings
from django.utils import timezone

from liens import api
from missions.models import Beneficiary, KeyContact
from tests import factories

pytestmark = pytest.mark.django_db

# The endpoints whose OPTIONS answered 500: views that choose their serializer per method.
OPTIONS_PATHS = [
    "/api/association/invitations/",
    "/api/association/imports/",
    "/api/association/imports/1/confirm/",
    "/api/association/vetting/1/",
    "/api/association/beneficiaries/1/activate/",
    "/api/association/beneficiaries/1/pause/",
    "/api/association/beneficiaries/1/resume/",
    "/api/association/beneficiaries/1/end/",
    "/api/association/missions/1/publish/",
    "/api/association/missions/1/fill/",
    "/api/association/missions/1/reopen/",
    "/api/association/missions/1/close/",
]


@pytest.fixture
def person_a(association_a):
    return factories.BeneficiaryFactory(association=association_a)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("path", OPTIONS_PATHS)
def test_options_answers_on_every_endpoint(coordinator_a_client, path):
    response = coordinator_a_client.options(path)
    assert response.status_code == 200
    assert response.json()["parses"]


def test_an_assignee_that_is_not_me_none_or_a_number_is_refused_in_french(coordinator_a_client):
    response = coordinator_a_client.get("/api/alerts/?assignee=abc")
    assert response.status_code == 400
    assert response.json() == {"assignee": ["Choisissez «\xa0me\xa0», «\xa0none\xa0» ou le numéro d’une personne."]}


@pytest.mark.parametrize("query", ["status=asleep", "q=" + "x" * 101, "q=a%00b", "association=abc"])
def test_list_filters_are_validated(coordinator_a_client, query):
    response = coordinator_a_client.get(f"/api/association/beneficiaries/?{query}")
    assert response.status_code == 400, response.content


def test_a_limit_beyond_bigint_is_clamped_to_the_largest_page(coordinator_a_client, association_a):
    factories.BeneficiaryFactory.create_batch(3, association=association_a)
    response = coordinator_a_client.get(f"/api/association/beneficiaries/?limit={10**30}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3
    assert f"limit={api.LimitOffsetPagination.max_limit}" in (response.json()["next"] or f"limit={200}")


@pytest.mark.parametrize("query", [f"offset={10**30}", "offset=-1", "limit=abc", "limit=-5", "offset=1e3"])
def test_an_offset_too_far_or_a_page_size_not_a_number_is_refused(coordinator_a_client, query):
    response = coordinator_a_client.get(f"/api/alerts/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [query.split("=")[0]]


def test_json_nested_fifty_thousand_deep_is_refused(coordinator_a_client, person_a):
    response = coordinator_a_client.patch(
        f"/api/association/beneficiaries/{person_a.pk}/", _nested(50_000), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Ce contenu est imbriqué trop profondément."


def test_json_nested_past_the_depth_limit_is_refused_even_when_python_could_read_it(coordinator_a_client, person_a):
    response = coordinator_a_client.patch(
        f"/api/association/beneficiaries/{person_a.pk}/",
        json.dumps({"interests": json.loads(_nested(api.JSON_MAX_DEPTH))}),
        content_type="application/json",
    )
    assert response.status_code == 400


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_past_the_size_limit_is_refused_unread(coordinator_a_client, person_a):
    body = json.dumps({"best_times": "x" * 2000})
    response = coordinator_a_client.patch(
        f"/api/association/beneficiaries/{person_a.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 413
    person_a.refresh_from_db()
    assert person_a.best_times == ""


def test_a_json_body_over_one_megabyte_is_refused(coordinator_a_client, person_a):
    body = json.dumps({"best_times": "x" * (1024 * 1024)})
    response = coordinator_a_client.patch(
        f"/api/association/beneficiaries/{person_a.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "Cette requête est trop volumineuse."


def test_at_most_twenty_key_contacts(coordinator_a_client, person_a):
    contacts = [{"kind": "family", "name": f"Proche {n}"} for n in range(21)]
    response = coordinator_a_client.patch(
        f"/api/association/beneficiaries/{person_a.pk}/", {"key_contacts": contacts}, content_type="application/json"
    )
    assert response.status_code == 400 and "key_contacts" in response.json()
    assert not KeyContact.objects.exists()


def test_a_list_of_interests_longer_than_its_choices_is_refused(coordinator_a_client, person_a):
    response = coordinator_a_client.patch(
        f"/api/association/beneficiaries/{person_a.pk}/",
        {"interests": ["music"] * 1000},
        content_type="application/json",
    )
    assert response.status_code == 400 and "interests" in response.json()


@pytest.mark.parametrize("answers", [[[1], [2], [3]], [{"a": 1}, 2, 3], [True, 2, 3], [1, 2, 3, 1, 2, 3, 1]])
def test_nested_or_odd_assessment_answers_are_refused(coordinator_a_client, person_a, answers):
    response = coordinator_a_client.post(
        f"/api/association/beneficiaries/{person_a.pk}/assessments/",
        {"scale": "ucla3", "answers": answers, "taken_on": timezone.localdate().isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 400 and "answers" in response.json()


def test_a_refusal_from_a_service_is_a_400_under_its_field(coordinator_a_client, association_a):
    intake = factories.BeneficiaryFactory(
        association=association_a, status=Beneficiary.Status.INTAKE, consent_by="", consent_on=None
    )
    response = coordinator_a_client.post(f"/api/association/beneficiaries/{intake.pk}/activate/")
    assert response.status_code == 400
    assert list(response.json()) == ["consent_by"]


def test_an_unknown_api_address_answers_json(coordinator_a_client):
    response = coordinator_a_client.get("/api/association/beneficiaries/not-a-number/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_the_schema_documents_paged_lists_and_error_answers(anonymous_client):
    schema = anonymous_client.get("/api/schema/?format=json").json()
    alerts = schema["paths"]["/api/alerts/"]["get"]
    ok = alerts["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("PaginatedAlertOutList")
    assert {"400", "403", "404"} <= set(alerts["responses"])
    # The token endpoint is public, but a door that takes a password: its limiter answers 429,
    # and an account that must first set up two-factor authentication is refused with 403.
    token = schema["paths"]["/api/auth/token/"]["post"]["responses"]
    assert {"400", "403", "429"} <= set(token) and "404" not in token
