"""The activity report's figures against a hand-counted world (tests/outcomes/activity_world.py),
the month's bounds in Paris time, and the default period."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from missions.outcomes import activity
from tests import factories

from .activity_world import WORLD_OCTOBER, D, _alert, _match, _scores, _visit, at, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(association_a, association_b, coordinator_a):
    return build_world(association_a, association_b, coordinator_a)


def test_the_default_period_is_the_last_full_calendar_month():
    assert activity.last_full_month(D(2026, 11, 18)) == (D(2026, 10, 1), D(2026, 10, 31))
    assert activity.last_full_month(D(2027, 1, 1)) == (D(2026, 12, 1), D(2026, 12, 31))
    assert activity.last_full_month(D(2028, 3, 31)) == (D(2028, 2, 1), D(2028, 2, 29))
    assert activity.previous_period(D(2026, 10, 1), D(2026, 10, 31)) == (D(2026, 8, 31), D(2026, 9, 30))


def test_every_figure_of_october_is_the_hand_count(world, association_a):
    report = activity.activity_report(association_ids=[association_a.pk], start=D(2026, 10, 1), end=D(2026, 10, 31))
    data = report.as_dict()
    for name, expected in WORLD_OCTOBER.items():
        assert data[name] == expected, name
    assert data["association_ids"] == [association_a.pk]
    # Volunteer time and paid lien-social time are two figures, never one sum.
    assert "hours" not in data and report.volunteer_hours == 4.8 and report.lien_social_hours == 1.5


def test_a_visit_at_half_past_eleven_paris_on_the_last_evening_belongs_to_that_month(world, association_a):
    october = activity.activity_report(association_ids=[association_a.pk], start=D(2026, 10, 31), end=D(2026, 10, 31))
    # Un's visit at 23:30 (22:30 UTC), Deux's session at 23:30, the public referral at 23:30.
    assert october.visits_by_status == {"done": 1}
    assert (october.volunteer_minutes, october.lien_social_minutes) == (90, 30)
    assert october.referrals_by_source == {"public": 1}
    november = activity.activity_report(association_ids=[association_a.pk], start=D(2026, 11, 1), end=D(2026, 11, 1))
    # Deux's visit and session at 00:30 Paris on 1 November (23:30 UTC on 31 October).
    assert november.visits_by_status == {"done": 1}
    assert (november.volunteer_minutes, november.lien_social_minutes) == (60, 45)
    assert november.referrals_by_source == {"ccas": 1}


def test_a_territory_adds_its_associations_up(world, association_a, association_b):
    both = activity.activity_report(
        association_ids=[association_a.pk, association_b.pk], start=D(2026, 10, 1), end=D(2026, 10, 31)
    )
    assert both.people_followed == WORLD_OCTOBER["people_followed"] + 1
    assert both.visits_by_status["done"] == 6
    assert both.volunteer_minutes == WORLD_OCTOBER["volunteer_minutes"] + 120
    assert both.volunteers_active == 3  # V1 visits for both
    assert both.referrals_by_source["public"] == 2
    assert both.alerts[0].raised == 3
    assert [(s.people, s.mean_first, s.mean_last) for s in both.scores][0] == (3, 8.0, 4.3)


def _queries(association) -> int:
    with CaptureQueriesContext(connection) as captured:
        activity.activity_report(association_ids=[association.pk], start=D(2026, 10, 1), end=D(2026, 10, 31))
    return len(captured.captured_queries)


def test_the_report_reads_a_constant_number_of_queries(world, association_a):
    before = _queries(association_a)
    # Ten more people with visits, contacts, alerts and scores: the same number of queries.
    volunteer = factories.VolunteerFactory()
    for _ in range(10):
        person = factories.BeneficiaryFactory(association=association_a, followed_since=at(2026, 9, 1, 10))
        _visit(_match(volunteer, person), at(2026, 10, 7, 15), minutes=60)
        _alert(person, "no_contact", at(2026, 10, 9, 9))
        _scores(person, "ucla3", (D(2026, 5, 1), 7), (D(2026, 10, 1), 5))
    assert _queries(association_a) == before == 11
