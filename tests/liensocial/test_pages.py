"""The pages and endpoints of lien-social hours: who reaches what (404 for everyone else),
what a home-care service sees of a person, the session form, and constant query counts."""

import datetime
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liens.models import SensitiveAccess
from missions import disclosure
from missions.liensocial.services import plan_create, plan_end, session_record
from missions.models import ApaPlan, IsolationAlert, LienSocialSession
from tests import factories

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def plan_urls(plan) -> list[tuple[str, str]]:
    """Every new URL and endpoint naming the plan or its person."""
    return [
        ("GET", reverse("liensocial:session-new", args=[plan.pk])),
        ("POST", reverse("liensocial:session-new", args=[plan.pk])),
        ("GET", reverse("liensocial:plan-statement", args=[plan.pk, 2026, 11, "csv"])),
        ("GET", reverse("liensocial:plan-statement", args=[plan.pk, 2026, 11, "pdf"])),
        ("GET", reverse("liensocial:plan-new", args=[plan.beneficiary_id])),
        ("POST", reverse("liensocial:plan-new", args=[plan.beneficiary_id])),
        ("POST", reverse("liensocial:plan-end", args=[plan.pk])),
        ("POST", reverse("api-lien-social-plan-end", args=[plan.pk])),
    ]


def test_staff_of_another_service_or_association_get_404_on_every_url_of_the_plan(
    plan_a, coordinator_b, manager_b, professional_b, volunteer
):
    for user in (coordinator_b, manager_b, professional_b, volunteer.user):
        client = client_for(user)
        for method, url in plan_urls(plan_a):
            response = getattr(client, method.lower())(url, {"ends_on": "2026-11-30"})
            assert response.status_code == 404, f"{user.email} {method} {url} → {response.status_code}"
    assert ApaPlan.objects.get(pk=plan_a.pk).ends_on is None
    assert not LienSocialSession.objects.exists()


def test_a_professional_does_not_reach_the_managers_pages_nor_the_associations(plan_a, professional_a, person_a):
    client = client_for(professional_a)
    for url in (
        reverse("liensocial:manager"),
        reverse("liensocial:statement", args=[2026, 11, "pdf"]),
        reverse("liensocial:plan-statement", args=[plan_a.pk, 2026, 11, "csv"]),
        reverse("association:beneficiary", args=[person_a.pk]),
        reverse("liensocial:plan-new", args=[person_a.pk]),
        reverse("api-lien-social-statement", args=[2026, 11]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("api-lien-social-plans")).json() in ([], {"count": 0, "results": []})


def test_the_service_sees_what_going_there_needs_and_nothing_of_the_associations_file(
    plan_a, professional_a, manager_a, coordinator_a, person_a
):
    assert disclosure.parts_allowed(professional_a, person_a) == disclosure.HOME_CARE_PARTS
    assert disclosure.KEY_CONTACTS not in disclosure.HOME_CARE_PARTS
    assert disclosure.ASSESSMENTS not in disclosure.HOME_CARE_PARTS
    page = client_for(professional_a).get(reverse("liensocial:session-new", args=[plan_a.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "5 rue Dumenge" in html and "Code 4B12" in html and "04 78 00 00 00" in html
    assert page.context["month"].delivered_minutes == 0
    assert SensitiveAccess.objects.filter(user_id=professional_a.pk, subject=f"beneficiary:{person_a.pk}").exists()
    # Once the plan has ended, the service sees nothing more of the person.
    plan_end(plan=plan_a, ends_on=datetime.date(2026, 11, 1), by=coordinator_a)
    assert disclosure.parts_allowed(professional_a, person_a) == frozenset()
    after = client_for(professional_a).get(reverse("liensocial:session-new", args=[plan_a.pk]))
    assert after.status_code == 200 and "5 rue Dumenge" not in after.content.decode()


def test_a_professional_records_a_session_with_a_plain_post(plan_a, professional_a):
    client = client_for(professional_a)
    response = client.post(
        reverse("liensocial:session-new", args=[plan_a.pk]),
        {
            "date": "2026-11-18",
            "time": "09:00",
            "duration_minutes": "60",
            "activity": "creative",
            "mood": "worrying",
            "concerns": ["health"],
            "notes": "Essoufflée",
        },
    )
    assert response.status_code == 302 and response.url == reverse("liensocial:home")
    session = LienSocialSession.objects.get()
    assert (session.duration_minutes, session.activity, session.concerns) == (60, "creative", ["health"])
    assert IsolationAlert.objects.get(kind="urgent_concern").lien_social_session_id == session.pk


def test_the_session_form_shows_the_months_delivered_minutes(plan_a, professional_a):
    session_record(
        plan=plan_a,
        professional=professional_a,
        starts_at=datetime.datetime(2026, 11, 17, 14, tzinfo=datetime.UTC),
        duration_minutes=90,
        activity="games",
        mood="good",
    )
    page = client_for(professional_a).get(reverse("liensocial:session-new", args=[plan_a.pk]))
    assert (page.context["month"].delivered_minutes, page.context["month"].remaining_minutes) == (90, 270)


def test_going_beyond_the_plan_asks_for_the_reason_next_to_its_field(plan_a, professional_a):
    client = client_for(professional_a)
    url = reverse("liensocial:session-new", args=[plan_a.pk])
    data = {"date": "2026-11-17", "time": "10:00", "duration_minutes": "120", "activity": "games", "mood": "ok"}
    for hour in ("10:00", "13:00", "16:00"):
        assert client.post(url, data | {"time": hour}).status_code == 302
    refused = client.post(url, data | {"time": "08:00", "duration_minutes": "30"})
    assert refused.status_code == 400
    assert "over_plan_reason" in refused.context["form"].errors
    assert (
        client.post(
            url, data | {"time": "08:00", "duration_minutes": "30", "over_plan_reason": "Rattrapage"}
        ).status_code
        == 302
    )


def test_the_persons_coordinator_sees_the_plan_apart_from_volunteer_time(
    plan_a, professional_a, coordinator_a, person_a
):
    session_record(
        plan=plan_a,
        professional=professional_a,
        starts_at=datetime.datetime(2026, 11, 17, 14, tzinfo=datetime.UTC),
        duration_minutes=90,
        activity="games",
        mood="good",
    )
    html = client_for(coordinator_a).get(reverse("association:beneficiary", args=[person_a.pk])).content.decode()
    assert 'id="section-lien-social"' in html
    assert "Aide à domicile Saône" in html and "90 min" in html


def test_the_coordinator_gives_a_plan_through_the_form(person_a, service_a, coordinator_a):
    client = client_for(coordinator_a)
    url = reverse("liensocial:plan-new", args=[person_a.pk])
    assert service_a.name in client.get(url).content.decode()
    refused = client.post(url, {"service": service_a.pk, "hours_per_month": "12", "starts_on": "2026-11-01"})
    assert refused.status_code == 400 and "hours_per_month" in refused.context["form"].errors
    done = client.post(url, {"service": service_a.pk, "hours_per_month": "4", "starts_on": "2026-11-01"})
    assert done.status_code == 302
    assert ApaPlan.objects.get(beneficiary=person_a).hours_per_month == 4


def test_the_api_records_a_session_and_answers_400_with_details(plan_a, professional_a, manager_a):
    client = client_for(professional_a)
    url = reverse("api-lien-social-sessions")
    body = {
        "plan": plan_a.pk,
        "starts_at": "2026-11-18T08:00:00+01:00",
        "duration_minutes": 45,
        "activity": "wellbeing",
        "mood": "good",
    }
    created = client.post(url, json.dumps(body), content_type="application/json")
    assert created.status_code == 201 and created.json()["duration_minutes"] == 45
    bad = client.post(url, json.dumps(body | {"duration_minutes": 0, "activity": "x"}), content_type="application/json")
    assert bad.status_code == 400 and {"duration_minutes", "activity"} <= set(bad.json())
    listed = client.get(url).json()
    assert [row["id"] for row in (listed["results"] if isinstance(listed, dict) else listed)] == [created.json()["id"]]
    statement = client_for(manager_a).get(reverse("api-lien-social-statement", args=[2026, 11])).json()
    assert (statement["planned_minutes"], statement["delivered_minutes"]) == (360, 45)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_services_pages_cost_the_same_with_one_plan_or_four(
    plan_a, service_a, professional_a, manager_a, coordinator_a, association_a
):
    pro, manager = client_for(professional_a), client_for(manager_a)
    urls = [(pro, reverse("liensocial:home")), (manager, reverse("liensocial:manager"))]
    before = [_queries(client, url) for client, url in urls]
    for n in range(3):
        person = factories.BeneficiaryFactory(association=association_a)
        plan = plan_create(
            beneficiary=person,
            service=service_a,
            hours_per_month=3,
            starts_on=datetime.date(2026, 11, 1),
            by=coordinator_a,
        )
        session_record(
            plan=plan,
            professional=professional_a,
            starts_at=datetime.datetime(2026, 11, 10 + n, 9, tzinfo=datetime.UTC),
            duration_minutes=60,
            activity="games",
            mood="ok",
        )
    after = [_queries(client, url) for client, url in urls]
    assert after == before
