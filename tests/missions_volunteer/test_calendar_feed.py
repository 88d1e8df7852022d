"""The volunteer's private calendar feed: what a lost URL may reveal, and RFC 5545 text."""

import datetime

import pytest
from django.urls import reverse

from missions.models import Visit
from missions.volunteer.ics import _escape, _fold
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(volunteer, association_a):
    person = factories.BeneficiaryFactory(
        association=association_a,
        first_name="Simone",
        last_name="Rivière",
        address="5 rue Dumenge",
        neighbourhood="Croix-Rousse",
    )
    return factories.MatchFactory(
        volunteer=volunteer, mission=factories.MissionFactory(beneficiary=person, title="Visite du mardi")
    )


def test_the_feed_lists_visits_without_any_address(client, volunteer, match):
    visit = factories.VisitFactory(match=match)
    cancelled = factories.VisitFactory(
        match=match,
        starts_at=visit.starts_at + datetime.timedelta(days=7),
        ends_at=visit.ends_at + datetime.timedelta(days=7),
        status=Visit.Status.CANCELLED,
    )
    response = client.get(reverse("volunteers:calendar_feed", args=[volunteer.calendar_token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert f"UID:visit-{visit.pk}@" in body and f"UID:visit-{cancelled.pk}@" in body
    assert visit.starts_at.astimezone(datetime.UTC).strftime("DTSTART:%Y%m%dT%H%M%SZ") in body
    assert "SUMMARY:Visite du mardi — Simone R." in body and "STATUS:CANCELLED" in body
    assert "LOCATION:Croix-Rousse" in body
    assert "Rivière" not in body and "Dumenge" not in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_long_lines_are_folded_and_text_escaped():
    assert _escape("a, b; c\\d\ne") == "a\\, b\\; c\\\\d\\ne"
    folded = _fold("SUMMARY:" + "é" * 80)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "SUMMARY:" + "é" * 80
