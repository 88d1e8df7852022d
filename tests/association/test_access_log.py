"""The one access log: every API answer carrying a person's private details writes exactly one
row; the admin's pages of those rows write one too; nobody can change or delete a row."""

import datetime

import pytest
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


# Every API endpoint whose answer carries phone, address, key contacts, notes or assessments:
# (name, how to set up the person, who asks, method, url, body).
ENDPOINTS = [
    ("beneficiary get", {}, "staff", "get", "/api/association/beneficiaries/{pk}/", None),
    ("beneficiary patch", {}, "staff", "patch", "/api/association/beneficiaries/{pk}/", {"best_times": "matin"}),
    (
        "beneficiary activate",
        {"status": "intake"},
        "staff",
        "post",
        "/api/association/beneficiaries/{pk}/activate/",
        {},
    ),
    (
        "beneficiary pause",
        {},
        "staff",
        "post",
        "/api/association/beneficiaries/{pk}/pause/",
        {"reason": "Hôpital", "until": "{tomorrow}"},
    ),
    (
        "beneficiary resume",
        {"status": "paused"},
        "staff",
        "post",
        "/api/association/beneficiaries/{pk}/resume/",
        {},
    ),
    ("beneficiary end", {}, "staff", "post", "/api/association/beneficiaries/{pk}/end/", {"reason": "Déménagement"}),
    ("assessments list", {}, "staff", "get", "/api/association/beneficiaries/{pk}/assessments/", None),
    (
        "assessment record",
        {},
        "staff",
        "post",
        "/api/association/beneficiaries/{pk}/assessments/",
        {"scale": "ucla3", "answers": [1, 2, 3], "taken_on": "{today}"},
    ),
    ("file export", {}, "staff", "get", "/api/association/beneficiaries/{pk}/export/", None),
    ("alert detail", {"alert": True}, "staff", "get", "/api/alerts/{alert}/", None),
    ("alert acknowledge", {"alert": True}, "staff", "post", "/api/alerts/{alert}/acknowledge/", {}),
    ("volunteer match", {"match": True}, "volunteer", "get", "/api/volunteer/matches/{match}/", None),
    ("volunteer mission", {"match": True}, "volunteer", "get", "/api/volunteer/missions/{mission}/", None),
]


@pytest.mark.parametrize("setup, who, method, url, body", [e[1:] for e in ENDPOINTS], ids=[e[0] for e in ENDPOINTS])
def test_each_answer_with_private_details_writes_exactly_one_log_row(
    association_a, coordinator_a, volunteer, setup, who, method, url, body
):
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
    values = {"today": today.isoformat(), "tomorrow": (today + datetime.timedelta(days=1)).isoformat()}
    if body:
        body = {k: v.format(**values) if isinstance(v, str) else v for k, v in body.items()}
    client = _api(coordinator_a if who == "staff" else volunteer.user)
    before = _log_rows(person)

    response = getattr(client, method)(url.format(**ids), body, format="json")

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
