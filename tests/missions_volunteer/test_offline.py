"""What a volunteer's phone may keep offline: the pages of the coming week's visits, a person's
page only while the match is active, and nothing once the right has ended; the install hint."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liens.pwa import OFFLINE_HEADER, offline_key
from missions.matching.life import match_end, match_pause
from missions.models import Match, VisitReport
from missions.volunteer.selectors import install_hint_due, offline_pages
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(volunteer, association_a):
    person = factories.BeneficiaryFactory(association=association_a, address="5 rue Dumenge")
    mission = factories.MissionFactory(beneficiary=person)
    return factories.MatchFactory(volunteer=volunteer, mission=mission, status=Match.Status.ACTIVE)


def _visit(match, **delta):
    start = timezone.now() + datetime.timedelta(**delta)
    return factories.VisitFactory(match=match, starts_at=start, ends_at=start + datetime.timedelta(hours=1))


def _report_page(visit) -> str:
    return reverse("volunteers:visit_report", args=[visit.pk])


def _mission_page(match) -> str:
    return reverse("volunteers:mission_detail", args=[match.mission_id])


def test_the_phone_keeps_the_coming_weeks_visits_and_the_reports_to_write(volunteer, match):
    done, coming, later = _visit(match, hours=-3), _visit(match, days=6), _visit(match, days=8)
    pages = offline_pages(volunteer, now=timezone.now())
    assert pages[:2] == [reverse("volunteers:home"), reverse("volunteers:visits")]
    assert _report_page(done) in pages and _report_page(coming) in pages
    assert _report_page(later) not in pages
    assert _mission_page(match) in pages


def test_a_reported_visit_leaves_the_list(volunteer, match):
    done = _visit(match, hours=-3)
    VisitReport.objects.create(visit=done, happened=True, mood="good")
    assert _report_page(done) not in offline_pages(volunteer, now=timezone.now())


def test_no_persons_page_without_a_visit_in_the_coming_week(volunteer, match):
    _visit(match, days=9)
    assert _mission_page(match) not in offline_pages(volunteer, now=timezone.now())


def test_the_persons_page_leaves_the_list_when_the_match_ends_or_pauses(volunteer, match, coordinator_a):
    _visit(match, days=2)
    match_pause(match=match, by=coordinator_a, reason="Vacances")
    assert _mission_page(match) not in offline_pages(volunteer, now=timezone.now())

    other = factories.MatchFactory(volunteer=volunteer, mission__beneficiary__association=match.mission.association)
    _visit(other, days=3)
    assert _mission_page(other) in offline_pages(volunteer, now=timezone.now())
    match_end(match=other, by=coordinator_a, reason="Déménagement")
    assert _mission_page(other) not in offline_pages(volunteer, now=timezone.now())


def test_kept_pages_are_marked_with_their_owner_and_others_are_not(volunteer_client, volunteer, match, coordinator_a):
    _visit(match, days=2)
    key = offline_key(volunteer.user)
    for path in (reverse("volunteers:home"), reverse("volunteers:visits"), _mission_page(match)):
        assert volunteer_client.get(path)[OFFLINE_HEADER] == key
    assert OFFLINE_HEADER not in volunteer_client.get(reverse("volunteers:profile"))

    match_end(match=match, by=coordinator_a, reason="Déménagement")
    response = volunteer_client.get(_mission_page(match))
    # The page may still open (a mission of theirs), but without the address, and unmarked: the
    # service worker drops its copy on this answer.
    assert "5 rue Dumenge" not in response.content.decode()
    assert OFFLINE_HEADER not in response


def test_a_report_form_is_marked_exactly_when_it_is_on_the_list(volunteer_client, volunteer, match):
    waiting, coming, later = _visit(match, days=-1), _visit(match, days=2), _visit(match, days=10)
    key = offline_key(volunteer.user)
    kept = offline_pages(volunteer, now=timezone.now())
    for visit in (waiting, coming, later):
        response = volunteer_client.get(_report_page(visit))
        assert response.status_code == 200
        assert (response.get(OFFLINE_HEADER) == key) == (_report_page(visit) in kept)
    assert _report_page(waiting) in kept and _report_page(coming) in kept and _report_page(later) not in kept


def test_the_list_names_whose_pages_and_only_the_volunteers_have_any(
    volunteer_client, volunteer, match, coordinator_a_client, coordinator_a, anonymous_client
):
    _visit(match, days=2)
    url = reverse("volunteers:offline_list")
    mine = volunteer_client.get(url).json()
    assert mine["user"] == offline_key(volunteer.user) and _mission_page(match) in mine["pages"]
    assert coordinator_a_client.get(url).json() == {"user": offline_key(coordinator_a), "pages": []}
    # Signed out: the phone keeps nothing.
    assert anonymous_client.get(url).json() == {"user": "", "pages": []}
    assert "no-store" in volunteer_client.get(url)["Cache-Control"]


def test_a_report_sent_twice_is_recorded_once_and_the_second_answer_says_it_was_received(volunteer_client, match):
    done = _visit(match, hours=-3)
    for _ in range(2):
        response = volunteer_client.post(_report_page(done), {"happened": "yes", "mood": "good"})
        assert response.status_code == 302
        assert response["Location"] == reverse("volunteers:report_done", args=[done.pk])
    assert VisitReport.objects.filter(visit=done).count() == 1


def test_the_install_hint_waits_for_a_first_accepted_match(volunteer_client, volunteer, association_a):
    assert not install_hint_due(volunteer)
    assert b"data-install-hint" not in volunteer_client.get(reverse("volunteers:home")).content
    proposed = factories.MatchFactory(
        volunteer=volunteer,
        status=Match.Status.PROPOSED,
        activated_at=None,
        mission__beneficiary__association=association_a,
    )
    assert not install_hint_due(volunteer)
    # The missions page and the home answer from the matches they list (the home: its visits'
    # matches) when they can: a proposal is not enough.
    factories.VisitFactory(match=proposed)
    assert b"data-install-hint" not in volunteer_client.get(reverse("volunteers:missions")).content
    assert b"data-install-hint" not in volunteer_client.get(reverse("volunteers:home")).content
    proposed.status = Match.Status.ACCEPTED
    proposed.save()
    assert install_hint_due(volunteer)
    assert b"data-install-hint" in volunteer_client.get(reverse("volunteers:home")).content
    assert b"data-install-hint" in volunteer_client.get(reverse("volunteers:missions")).content

    volunteer_client.post(reverse("install_hint_dismiss"), {"next": "/volunteer/"})
    assert b"data-install-hint" not in volunteer_client.get(reverse("volunteers:home")).content


def test_the_install_hint_stays_once_a_match_went_live_even_when_it_has_ended(
    volunteer_client, volunteer, association_a
):
    """The missions page lists live matches only: an ended one that was active still counts."""
    factories.MatchFactory(
        volunteer=volunteer,
        status=Match.Status.ENDED,
        ended_at=timezone.now(),
        mission__beneficiary__association=association_a,
    )
    assert install_hint_due(volunteer)
    assert b"data-install-hint" in volunteer_client.get(reverse("volunteers:missions")).content


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_deciding_what_the_phone_keeps_costs_the_same_queries_however_many_visits_are_coming(
    volunteer_client, volunteer, match, association_a
):
    done = _visit(match, hours=-3)
    _visit(match, days=2)
    pages = [
        reverse("volunteers:home"),
        reverse("volunteers:visits"),
        _report_page(done),
        reverse("volunteers:offline_list"),
    ]
    before = [_queries(volunteer_client, path) for path in pages]
    # Four more people visited this week, each with a visit waiting for its report.
    for _ in range(4):
        other = factories.MatchFactory(
            volunteer=volunteer, status=Match.Status.ACTIVE, mission__beneficiary__association=association_a
        )
        _visit(other, days=3)
        _visit(other, hours=-5)
    assert len(volunteer_client.get(pages[-1]).json()["pages"]) == 2 + 2 + 4 * 2 + 5
    assert [_queries(volunteer_client, path) for path in pages] == before
