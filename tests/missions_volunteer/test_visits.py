"""My visits: reports in three taps, cancel and move, the calendar feed, hours."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from liens.models import Notification
from missions.models import Contact, IsolationAlert, Match, Visit, VisitReport
from tests import factories, queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(volunteer, association_a):
    person = factories.BeneficiaryFactory(
        association=association_a,
        first_name="Simone",
        last_name="Rivière",
        address="5 rue Dumenge",
        phone="04 78 12 34 56",
    )
    mission = factories.MissionFactory(beneficiary=person, title="Visite du mardi")
    return factories.MatchFactory(volunteer=volunteer, mission=mission, status=Match.Status.ACTIVE)


@pytest.fixture
def past_visit(match):
    start = timezone.now() - datetime.timedelta(hours=2)
    return factories.VisitFactory(match=match, starts_at=start, ends_at=start + datetime.timedelta(minutes=90))


@pytest.fixture
def next_visit(match):
    return factories.VisitFactory(match=match)


def _report(client, visit, **data):
    payload = {"happened": "yes", "mood": "good", **data}
    return client.post(reverse("volunteers:visit_report", args=[visit.pk]), payload)


def test_my_visits_lists_what_to_report_then_what_comes(volunteer_client, past_visit, next_visit):
    page = volunteer_client.get(reverse("volunteers:visits")).content.decode()
    assert page.index("À raconter") < page.index("À venir") < page.index("Visites passées")
    assert reverse("volunteers:visit_report", args=[past_visit.pk]) in page
    assert reverse("volunteers:visit_move", args=[next_visit.pk]) in page
    assert reverse("volunteers:visit_report", args=[next_visit.pk]) not in page
    assert "Rivière" not in page and "5 rue Dumenge" not in page


def test_a_report_in_three_taps_writes_the_ledger_and_counts_the_hours(volunteer_client, volunteer, past_visit):
    response = _report(volunteer_client, past_visit)
    assert response["Location"] == reverse("volunteers:report_done", args=[past_visit.pk])
    report = VisitReport.objects.get(visit=past_visit)
    assert (report.happened, report.mood, report.duration_minutes) == (True, "good", 90)
    past_visit.refresh_from_db()
    assert past_visit.status == Visit.Status.DONE
    contact = Contact.objects.get(visit=past_visit)
    assert (contact.volunteer, contact.kind, contact.occurred_at) == (volunteer, "visit", past_visit.starts_at)
    contact.beneficiary.refresh_from_db()
    assert contact.beneficiary.last_contact_at == past_visit.starts_at
    done = volunteer_client.get(response["Location"]).content.decode()
    assert "Merci\u00a0!" in done and "3977" not in done
    page = volunteer_client.get(reverse("volunteers:visits")).content.decode()
    assert "1,5 h" in page or "1.5 h" in page


def test_an_urgent_concern_shows_the_emergency_numbers_and_alerts_the_coordinator(
    volunteer_client, past_visit, coordinator_a
):
    response = _report(volunteer_client, past_visit, mood="worrying", concerns=["fall", "lonely"], notes="Tombée hier")
    page = volunteer_client.get(response["Location"]).content.decode()
    for number in ["tel:15", "tel:112", "tel:3977"]:
        assert number in page
    alert = IsolationAlert.objects.get(beneficiary=past_visit.match.mission.beneficiary, kind="urgent_concern")
    assert alert.report.concerns == ["fall", "lonely"]
    assert Notification.objects.filter(recipient=coordinator_a).exists()


def test_a_visit_that_did_not_happen_is_missed_and_not_in_the_ledger(volunteer_client, past_visit):
    _report(volunteer_client, past_visit, happened="no", mood="")
    past_visit.refresh_from_db()
    assert past_visit.status == Visit.Status.MISSED
    assert not Contact.objects.exists()
    assert VisitReport.objects.get(visit=past_visit).duration_minutes is None


def test_a_double_submit_is_refused_cleanly_and_leaves_one_report(volunteer_client, past_visit):
    _report(volunteer_client, past_visit)
    second = _report(volunteer_client, past_visit, mood="low", concerns=["fall"])
    assert second.status_code == 302
    follow = volunteer_client.get(second["Location"]).content.decode()
    assert "déjà été racontée" in follow
    api = volunteer_client.post(
        f"/api/volunteer/visits/{past_visit.pk}/report/",
        {"happened": True, "mood": "ok"},
        content_type="application/json",
    )
    assert api.status_code == 400 and "déjà" in api.json()["visit"][0]
    assert VisitReport.objects.filter(visit=past_visit).count() == 1
    assert VisitReport.objects.get(visit=past_visit).mood == "good"
    assert not IsolationAlert.objects.exists()
    assert Contact.objects.count() == 1


def test_someone_elses_visit_is_404_on_pages_and_api(volunteer_client, association_a):
    other = factories.VisitFactory(starts_at=timezone.now() - datetime.timedelta(hours=3))
    for name in ["visit_report", "visit_cancel", "visit_move", "report_done"]:
        assert volunteer_client.get(reverse(f"volunteers:{name}", args=[other.pk])).status_code == 404
    assert _report(volunteer_client, other).status_code == 404
    api = volunteer_client.post(f"/api/volunteer/visits/{other.pk}/report/", {"happened": True, "mood": "ok"})
    assert api.status_code == 404
    assert not VisitReport.objects.exists()


def test_the_report_service_refuses_another_volunteers_visit(past_visit):
    from liens.errors import DomainError
    from missions.reports import visit_report_submit

    stranger = factories.VolunteerFactory()
    with pytest.raises(DomainError):
        visit_report_submit(visit=past_visit, volunteer=stranger, happened=True, mood="ok", concerns=[], notes="")
    assert not VisitReport.objects.exists()


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"mood": ""}, "mood", "comment allait"),
        ({"concerns": ["alien"]}, "concerns", "choix valide"),
        ({"happened": ""}, "happened", "obligatoire"),
        ({"duration_minutes": "900"}, "duration_minutes", "600"),
    ],
)
def test_bad_reports_are_refused_in_french(volunteer_client, past_visit, data, field, message):
    response = _report(volunteer_client, past_visit, **data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field]).lower()
    assert not VisitReport.objects.exists()


def test_a_visit_not_started_yet_cannot_be_reported(volunteer_client, next_visit):
    response = _report(volunteer_client, next_visit)
    assert response.status_code == 400 and "une fois qu’elle aura commencé" in response.content.decode()
    api = volunteer_client.post(
        f"/api/volunteer/visits/{next_visit.pk}/report/",
        {"happened": True, "mood": "ok"},
        content_type="application/json",
    )
    assert api.status_code == 400 and "visit" in api.json()
    assert not VisitReport.objects.exists()


def test_the_api_report_answers_the_emergency_numbers_for_urgent_concerns(volunteer_client, past_visit):
    api = volunteer_client.post(
        f"/api/volunteer/visits/{past_visit.pk}/report/",
        {"happened": True, "mood": "worrying", "concerns": ["suicide"]},
        content_type="application/json",
    )
    assert api.status_code == 201
    numbers = [row["number"] for row in api.json()["emergency_numbers"]]
    assert {"15", "112", "3977"} <= set(numbers)
    assert IsolationAlert.objects.filter(kind="urgent_concern").count() == 1


def test_cancelling_a_visit_needs_a_reason_and_tells_the_coordinator(volunteer_client, next_visit, coordinator_a):
    url = reverse("volunteers:visit_cancel", args=[next_visit.pk])
    assert volunteer_client.post(url, {"reason": ""}).status_code == 400
    next_visit.refresh_from_db()
    assert next_visit.status == Visit.Status.SCHEDULED
    volunteer_client.post(url, {"reason": "Malade"})
    next_visit.refresh_from_db()
    assert (next_visit.status, next_visit.cancel_reason) == (Visit.Status.CANCELLED, "Malade")
    assert Notification.objects.filter(recipient=coordinator_a, kind="visit_cancelled").exists()


def test_a_visit_cannot_be_moved_into_the_past(volunteer_client, next_visit):
    before = next_visit.starts_at
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = volunteer_client.post(
        reverse("volunteers:visit_move", args=[next_visit.pk]),
        {"date": yesterday.isoformat(), "time": "15:00", "reason": "x"},
    )
    assert response.status_code == 400 and "dans le futur" in response.content.decode()
    api = volunteer_client.post(
        f"/api/volunteer/visits/{next_visit.pk}/move/",
        {"starts_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(), "reason": "x"},
        content_type="application/json",
    )
    assert api.status_code == 400 and "starts_at" in api.json()
    next_visit.refresh_from_db()
    assert next_visit.starts_at == before


def test_moving_a_visit_keeps_its_length(volunteer_client, next_visit):
    day = timezone.localdate() + datetime.timedelta(days=5)
    volunteer_client.post(
        reverse("volunteers:visit_move", args=[next_visit.pk]),
        {"date": day.isoformat(), "time": "10:30", "reason": "Rendez-vous"},
    )
    next_visit.refresh_from_db()
    local = timezone.localtime(next_visit.starts_at)
    assert (local.date(), local.hour, local.minute) == (day, 10, 30)
    assert next_visit.ends_at - next_visit.starts_at == datetime.timedelta(minutes=90)


def test_a_past_visit_cannot_be_cancelled(volunteer_client, past_visit):
    response = volunteer_client.post(reverse("volunteers:visit_cancel", args=[past_visit.pk]), {"reason": "Oubli"})
    assert response.status_code == 400
    past_visit.refresh_from_db()
    assert past_visit.status == Visit.Status.SCHEDULED


def test_the_visits_pages_do_a_constant_number_of_queries(volunteer_client, match, django_assert_max_num_queries):
    now = timezone.now()
    visits = []
    for days in range(-6, 7):
        start = now + datetime.timedelta(days=days, hours=1)
        visits.append(factories.VisitFactory(match=match, starts_at=start, ends_at=start + datetime.timedelta(hours=1)))
    # User, then memberships with the volunteer profile (and the session without Redis:
    # tests.queries); the page's own reads (the home's listed visits, of an active match, answer
    # whether to suggest installing the app); the report form reads what the phone may keep
    # offline (the space and visits are always on that list).
    with django_assert_max_num_queries(6 + queries.SESSION):
        assert volunteer_client.get(reverse("volunteers:visits")).status_code == 200
    with django_assert_max_num_queries(5 + queries.SESSION):
        assert volunteer_client.get(reverse("volunteers:home")).status_code == 200
    with django_assert_max_num_queries(4 + queries.SESSION):
        assert volunteer_client.get(reverse("volunteers:visit_report", args=[visits[0].pk])).status_code == 200


def test_the_lists_read_together_are_the_lists_read_one_by_one(volunteer, match):
    """visit_lists reads the visits page's lists together (one moment, a card per mission for
    all): each list, its order and its limit, must be what it gives alone."""
    from missions.volunteer import selectors

    now = timezone.now()
    statuses = [Visit.Status.SCHEDULED, Visit.Status.UNCONFIRMED, Visit.Status.MISSED, Visit.Status.CANCELLED]
    for days in range(-8, 8):
        start = now + datetime.timedelta(days=days, hours=1)
        visit = factories.VisitFactory(
            match=match, starts_at=start, ends_at=start + datetime.timedelta(hours=1), status=statuses[days % 4]
        )
        if days % 3 == 0 and start < now:
            VisitReport.objects.create(visit=visit, happened=True, mood=VisitReport.Mood.GOOD)
    limits = {"to_report": 3, "upcoming": 2, "past": 4}
    together = selectors.visit_lists(volunteer, **limits)
    alone = {name: selectors.visit_lists(volunteer, **{name: limit})[name] for name, limit in limits.items()}
    for name, items in alone.items():
        assert [item.visit.pk for item in together[name]] == [item.visit.pk for item in items], name
        assert len(items) == limits[name]
    assert [item.visit.pk for item in alone["to_report"]] == [
        v.pk
        for v in Visit.objects.filter(
            match=match, status__in=statuses[:2], starts_at__lte=now, report__isnull=True
        ).order_by("starts_at")[:3]
    ]
    assert together["past"][0].report is not None or together["past"][0].visit.status != Visit.Status.SCHEDULED


@pytest.mark.django_db(transaction=True)
def test_two_submits_racing_leave_one_report_one_contact_one_alert(volunteer, past_visit):
    import threading

    from django.db import connection

    from liens.errors import DomainError
    from missions.reports import visit_report_submit

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        from django.db import connections

        try:
            barrier.wait()
            visit_report_submit(
                visit=past_visit, volunteer=volunteer, happened=True, mood="low", concerns=["fall"], notes=""
            )
            outcomes.append("filed")
        except DomainError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["filed", "refused"]
    assert VisitReport.objects.filter(visit=past_visit).count() == 1
    assert Contact.objects.filter(visit=past_visit).count() == 1
    assert IsolationAlert.objects.filter(kind="urgent_concern").count() == 1
