"""The one access log: every API answer carrying a person's private details writes exactly one
row; the admin's pages of those rows write one too; nobody can change or delete a row."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from liens.models import SensitiveAccess
from missions.models import Beneficiary, IsolationAlert
from tests import factories

pytestmark = pytest.mark.django_db


def _log_rows(beneficiary) -> int:
    return SensitiveAccess.objects.filter(subject=f"beneficiary:{beneficiary.pk}").count()


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _person(association, **extra) -> Beneficiary:
    return factories.BeneficiaryFactory(association=association, **extra)


def _new_person_payload() -> dict:
    return {
        "first_name": "Yvette",
        "last_name": "Rolland",
        "address": "3 rue d'Austerlitz",
        "postcode": "69004",
        "city": "Lyon",
        "referral_source": "ccas",
        "phone": "04 78 11 22 33",
    }


def _alert(person) -> IsolationAlert:
    now = timezone.now()
    return IsolationAlert.objects.create(
        beneficiary=person,
        association=person.association,
        kind=IsolationAlert.Kind.NO_CONTACT,
        started_at=now - datetime.timedelta(days=1),
        raised_at=now,
        escalate_after=now + datetime.timedelta(hours=24),
    )


# Every API operation whose answer carries phone, address, key contacts, notes or assessments
# of a person followed, as the OpenAPI schema names it, with how the test calls it:
# schema path -> (how to set up the person, who asks, url, body).
BENEFICIARY = "/api/association/beneficiaries/{beneficiary_id}/"
ALERT = "/api/alerts/{id}/"
ENDPOINTS = {
    ("GET", BENEFICIARY): ({}, "staff", "/api/association/beneficiaries/{pk}/", None),
    ("PATCH", BENEFICIARY): ({}, "staff", "/api/association/beneficiaries/{pk}/", {"best_times": "matin"}),
    ("POST", BENEFICIARY + "activate/"): (
        {"status": "intake"},
        "staff",
        "/api/association/beneficiaries/{pk}/activate/",
        {},
    ),
    ("POST", BENEFICIARY + "pause/"): (
        {},
        "staff",
        "/api/association/beneficiaries/{pk}/pause/",
        {"reason": "Hôpital", "until": "{tomorrow}"},
    ),
    ("POST", BENEFICIARY + "resume/"): (
        {"status": "paused"},
        "staff",
        "/api/association/beneficiaries/{pk}/resume/",
        {},
    ),
    ("POST", BENEFICIARY + "end/"): (
        {},
        "staff",
        "/api/association/beneficiaries/{pk}/end/",
        {"reason": "Déménagement"},
    ),
    ("GET", BENEFICIARY + "assessments/"): ({}, "staff", "/api/association/beneficiaries/{pk}/assessments/", None),
    ("POST", BENEFICIARY + "assessments/"): (
        {},
        "staff",
        "/api/association/beneficiaries/{pk}/assessments/",
        {"scale": "ucla3", "answers": [1, 2, 3], "taken_on": "{today}"},
    ),
    ("GET", BENEFICIARY + "export/"): ({}, "staff", "/api/association/beneficiaries/{pk}/export/", None),
    ("GET", ALERT): ({"alert": True}, "staff", "/api/alerts/{alert}/", None),
    ("POST", ALERT + "acknowledge/"): ({"alert": True}, "staff", "/api/alerts/{alert}/acknowledge/", {}),
    ("POST", ALERT + "assign/"): ({"alert": True}, "staff", "/api/alerts/{alert}/assign/", {"assignee": "{me}"}),
    ("POST", ALERT + "notes/"): ({"alert": True}, "staff", "/api/alerts/{alert}/notes/", {"note": "Rappelée."}),
    ("POST", ALERT + "calls/"): ({"alert": True}, "staff", "/api/alerts/{alert}/calls/", {"reached": False}),
    ("POST", ALERT + "referrals/"): (
        {"alert": True},
        "staff",
        "/api/alerts/{alert}/referrals/",
        {"service": "ccas"},
    ),
    ("POST", ALERT + "resolve/"): ({"alert": True}, "staff", "/api/alerts/{alert}/resolve/", {"reason": "Joint."}),
    ("GET", "/api/volunteer/matches/{match_id}/"): (
        {"match": True},
        "volunteer",
        "/api/volunteer/matches/{match}/",
        None,
    ),
    ("GET", "/api/volunteer/missions/{mission_id}/"): (
        {"match": True},
        "volunteer",
        "/api/volunteer/missions/{mission}/",
        None,
    ),
}
# The export's answer is a free-form document: the schema lists no field to find.
EXPORTS = {("GET", BENEFICIARY + "export/")}
# Recording a referral answers the new record too; tested on its own below (no person before).
CREATES = {("POST", "/api/association/beneficiaries/")}
# Operations whose answer has such a field but never a person's private detail, and why.
NOT_A_PERSONS_DETAILS = {
    # The association's own postal address.
    ("POST", "/api/association/{association_id}/validate/"): "association address",
    ("GET", "/api/association/pending/"): "association address",
    ("POST", "/api/association/signup/"): "association address",
    # The contact block stays empty here: only the match detail reveals it (and logs).
    ("GET", "/api/volunteer/matches/"): "contact never filled",
    ("POST", "/api/volunteer/matches/{match_id}/accept/"): "contact never filled",
    ("POST", "/api/volunteer/matches/{match_id}/decline/"): "contact never filled",
    ("POST", "/api/volunteer/missions/{mission_id}/offer/"): "contact never filled",
    # The volunteer's own profile, and the reports they wrote themselves.
    ("POST", "/api/volunteer/pause/"): "own profile",
    ("POST", "/api/volunteer/resume/"): "own profile",
    ("GET", "/api/volunteer/profile/"): "own profile",
    ("PUT", "/api/volunteer/profile/availability/"): "own profile",
    ("PUT", "/api/volunteer/profile/charter/"): "own profile",
    ("PUT", "/api/volunteer/profile/interests/"): "own profile",
    ("PUT", "/api/volunteer/profile/kinds/"): "own profile",
    ("PUT", "/api/volunteer/profile/notifications/"): "own profile",
    ("PUT", "/api/volunteer/profile/place/"): "own profile",
    ("GET", "/api/volunteer/visits/"): "own reports",
    ("POST", "/api/volunteer/visits/{visit_id}/cancel/"): "own reports",
    ("POST", "/api/volunteer/visits/{visit_id}/move/"): "own reports",
    ("POST", "/api/volunteer/visits/{visit_id}/report/"): "own reports",
    # A home-care professional's own sessions: their notes, no field of the person's file.
    ("GET", "/api/lien-social/sessions/"): "own session notes",
    ("POST", "/api/lien-social/sessions/"): "own session notes",
    # A referral as the referrer sent it (how to reach the person), to its association's staff
    # only: no person's file yet, so nothing of one to log; the file it becomes logs as any.
    ("GET", "/api/association/referrals/{referral_id}/"): "referral as sent",
    ("POST", "/api/association/referrals/{referral_id}/step/"): "referral as sent",
}
PRIVATE_FIELDS = {"phone", "address", "key_contacts", "notes", "access_notes", "practical_tips", "answers"}


def _fields(schema: dict, components: dict, seen: set) -> set[str]:
    """Every property name reachable from a response schema, through $refs and nesting."""
    found = set()
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return set() if name in seen else _fields(components[name], components, seen | {name})
    for key, value in schema.get("properties", {}).items():
        found |= {key} | _fields(value, components, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            found |= _fields(schema[key], components, seen)
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            found |= _fields(part, components, seen)
    return found


def test_every_operation_answering_private_fields_is_listed_here(admin_client_):
    schema = admin_client_.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    answering = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code, response in operation.get("responses", {}).items():
                for content in response.get("content", {}).values() if str(code).startswith("2") else []:
                    if _fields(content.get("schema", {}), components, set()) & PRIVATE_FIELDS:
                        answering.add((method.upper(), path))

    unlisted = answering - set(ENDPOINTS) - CREATES - set(NOT_A_PERSONS_DETAILS)
    assert not unlisted, f"answers with private fields, neither logged nor explained: {sorted(unlisted)}"
    assert set(ENDPOINTS) - EXPORTS <= answering


@pytest.mark.parametrize("operation", sorted(ENDPOINTS), ids=[f"{m} {p}" for m, p in sorted(ENDPOINTS)])
def test_each_answer_with_private_details_writes_exactly_one_log_row(
    association_a, coordinator_a, volunteer, operation
):
    setup, who, url, body = ENDPOINTS[operation]
    setup = dict(setup)
    wants_alert, wants_match = setup.pop("alert", False), setup.pop("match", False)
    if setup.get("status") == "paused":
        setup["paused_until"] = timezone.localdate() + datetime.timedelta(days=5)
        setup["pause_reason"] = "Vacances"
    person = _person(association_a, **setup)
    ids = {"pk": person.pk}
    if wants_alert:
        ids["alert"] = _alert(person).pk
    if wants_match:
        match = factories.MatchFactory(volunteer=volunteer, mission__beneficiary=person)
        ids["match"], ids["mission"] = match.pk, match.mission_id
    today = timezone.localdate()
    values = {
        "today": today.isoformat(),
        "tomorrow": (today + datetime.timedelta(days=1)).isoformat(),
        "me": coordinator_a.pk,
    }
    if body:
        body = {k: v.format(**values) if isinstance(v, str) else v for k, v in body.items()}
    client = _api(coordinator_a if who == "staff" else volunteer.user)
    before = _log_rows(person)

    response = getattr(client, operation[0].lower())(url.format(**ids), body, format="json")

    assert response.status_code in (200, 201), response.content
    assert _log_rows(person) == before + 1


def test_recording_a_referral_logs_the_answer_that_returns_it(association_a, coordinator_a):
    response = _api(coordinator_a).post("/api/association/beneficiaries/", _new_person_payload(), format="json")

    assert response.status_code == 201
    assert response.json()["phone"]
    assert _log_rows(Beneficiary.objects.get(pk=response.json()["id"])) == 1


def test_a_refused_change_writes_no_row(association_a, coordinator_a):
    person = _person(association_a)

    response = _api(coordinator_a).patch(
        f"/api/association/beneficiaries/{person.pk}/", {"postcode": "x"}, format="json"
    )

    assert response.status_code == 400
    assert _log_rows(person) == 0


def test_the_list_carries_no_private_detail_and_writes_no_row(association_a, coordinator_a):
    person = _person(association_a)

    response = _api(coordinator_a).get("/api/association/beneficiaries/")

    assert "phone" not in response.json()["results"][0]
    assert _log_rows(person) == 0


def test_the_edit_page_logs_once_per_page_shown(association_a, coordinator_a_client):
    person = _person(association_a)

    coordinator_a_client.get(reverse("association:beneficiary-edit", args=[person.pk]))

    assert _log_rows(person) == 1


@pytest.mark.parametrize(
    "url_name, target",
    [
        ("admin:missions_beneficiary_change", "person"),
        ("admin:missions_contact_change", "contact"),
        ("admin:missions_assessment_change", "assessment"),
        ("admin:missions_isolationalert_change", "alert"),
    ],
)
def test_the_admin_change_page_of_private_details_writes_one_row(association_a, admin_client_, url_name, target):
    person = _person(association_a)
    objects = {
        "person": person,
        "contact": factories_contact(person),
        "assessment": person.assessments.create(
            scale="ucla3", answers=[1, 1, 1], score=3, taken_on=timezone.localdate()
        ),
        "alert": _alert(person),
    }

    response = admin_client_.get(reverse(url_name, args=[objects[target].pk]))

    assert response.status_code == 200
    assert _log_rows(person) == 1


def factories_contact(person):
    return person.contacts.create(kind="call", occurred_at=timezone.now(), notes="A parlé de sa fille.")


def test_the_admin_cannot_add_change_or_delete_a_log_row_even_as_superuser(association_a, admin_client_, admin_user):
    person = _person(association_a)
    row = SensitiveAccess.objects.create(user=admin_user, subject=f"beneficiary:{person.pk}", what="address")

    change = admin_client_.post(
        reverse("admin:liens_sensitiveaccess_change", args=[row.pk]), {"subject": "beneficiary:0", "what": "x"}
    )
    delete = admin_client_.post(reverse("admin:liens_sensitiveaccess_delete", args=[row.pk]), {"post": "yes"})
    add = admin_client_.get(reverse("admin:liens_sensitiveaccess_add"))
    bulk = admin_client_.post(
        reverse("admin:liens_sensitiveaccess_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )

    assert change.status_code == 403
    assert delete.status_code == 403
    assert add.status_code == 403
    assert bulk.status_code in (200, 302)
    row.refresh_from_db()
    assert row.subject == f"beneficiary:{person.pk}" and row.what == "address"
    assert SensitiveAccess.objects.filter(pk=row.pk).exists()


def test_the_admin_can_still_read_the_log(admin_client_, admin_user):
    row = SensitiveAccess.objects.create(user=admin_user, subject="beneficiary:1", what="address")

    assert admin_client_.get(reverse("admin:liens_sensitiveaccess_changelist")).status_code == 200
    assert admin_client_.get(reverse("admin:liens_sensitiveaccess_change", args=[row.pk])).status_code == 200


def test_anonymous_reader_of_the_admin_log_is_sent_to_log_in():
    response = Client().get(reverse("admin:liens_sensitiveaccess_changelist"))

    assert response.status_code == 302


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_rewrite_a_log_row(admin_user):
    row = SensitiveAccess.objects.create(user=admin_user, subject="beneficiary:1", what="address")

    with pytest.raises(IntegrityError), transaction.atomic():
        SensitiveAccess.objects.filter(pk=row.pk).update(subject="beneficiary:2")
    admin_user.delete()  # the account's ON DELETE SET NULL still goes through

    row.refresh_from_db()
    assert row.subject == "beneficiary:1" and row.user_id is None
