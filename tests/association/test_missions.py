"""Missions: kinds, one-off and weekly schedules in local time, states, suggestions on the page."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from liens.errors import DomainError
from missions.association import selectors
from missions.association.missions import (
    local_to_utc,
    mission_close,
    mission_create,
    mission_fill,
    mission_publish,
    mission_reopen,
    mission_update,
)
from missions.models import Match, Mission
from tests import factories, queries

pytestmark = pytest.mark.django_db


def _weekly(**overrides):
    return {
        "kind": "home_visit",
        "title": "Visite du mardi",
        "recurrence": "weekly",
        "weekday": "1",
        "local_time": "15:00",
        "first_date": timezone.localdate().isoformat(),
        "duration_minutes": "90",
        "volunteers_needed": "1",
    } | overrides


def test_a_one_off_in_winter_and_summer_is_stored_in_utc_from_paris_time(association_a, beneficiary_a, coordinator_a):
    common = {"kind": "phone_call", "beneficiary": beneficiary_a, "title": "Appel", "recurrence": "one_off"}
    winter = mission_create(
        association=association_a,
        by=coordinator_a,
        first_date=datetime.date(2031, 1, 15),
        local_time=datetime.time(15),
        **common,
    )
    summer = mission_create(
        association=association_a,
        by=coordinator_a,
        first_date=datetime.date(2031, 7, 15),
        local_time=datetime.time(15),
        **common,
    )
    assert winter.starts_at == datetime.datetime(2031, 1, 15, 14, 0, tzinfo=datetime.UTC)
    assert summer.starts_at == datetime.datetime(2031, 7, 15, 13, 0, tzinfo=datetime.UTC)


def test_a_time_skipped_by_the_spring_change_lands_just_after_it(association_a):
    # 30 March 2031: clocks go from 02:00 to 03:00 in Paris.
    at = local_to_utc(association=association_a, on=datetime.date(2031, 3, 30), at=datetime.time(2, 30))
    assert at == datetime.datetime(2031, 3, 30, 1, 30, tzinfo=datetime.UTC)


def test_a_weekly_mission_keeps_its_wall_clock_time_across_the_autumn_change(association_a, beneficiary_a):
    mission = factories.MissionFactory(
        beneficiary=beneficiary_a, weekday=5, local_time=datetime.time(15), first_date=datetime.date(2031, 10, 25)
    )
    with time_machine.travel(datetime.datetime(2031, 10, 24, 12, tzinfo=datetime.UTC)):
        first, second = selectors.mission_occurrences(mission=mission, count=2)
    assert (first.hour, second.hour) == (15, 15)
    assert first.utcoffset() == datetime.timedelta(hours=2) and second.utcoffset() == datetime.timedelta(hours=1)


def test_a_coordinator_posts_a_weekly_mission_from_the_form(coordinator_a_client, beneficiary_a):
    response = coordinator_a_client.post(
        reverse("association:mission-new"), _weekly(beneficiary=str(beneficiary_a.pk), end_date="")
    )
    mission = Mission.objects.get()
    assert response.status_code == 302
    assert (mission.status, mission.weekday, mission.local_time) == ("draft", 1, datetime.time(15))
    assert (mission.latitude, mission.longitude) == (beneficiary_a.latitude, beneficiary_a.longitude)
    coordinator_a_client.post(reverse("association:mission-publish", args=[mission.pk]))
    mission.refresh_from_db()
    assert mission.status == Mission.Status.OPEN


def test_a_group_event_has_no_beneficiary_but_a_place_and_places(coordinator_a_client):
    response = coordinator_a_client.post(
        reverse("association:mission-new"),
        _weekly(kind="group_event", title="Thé dansant", place="Mairie du 4e, 69004 Lyon", volunteers_needed="4"),
    )
    assert response.status_code == 302
    mission = Mission.objects.get()
    assert mission.beneficiary is None and mission.volunteers_needed == 4 and mission.latitude is not None


def test_form_errors_come_back_next_to_their_field(coordinator_a_client, beneficiary_a):
    response = coordinator_a_client.post(reverse("association:mission-new"), _weekly(kind="group_event"))
    assert response.status_code == 200
    assert "Indiquez où a lieu l’activité." in response.content.decode()
    response = coordinator_a_client.post(reverse("association:mission-new"), _weekly(weekday=""))
    assert "Choisissez la personne" in response.content.decode()
    response = coordinator_a_client.post(
        reverse("association:mission-new"), _weekly(beneficiary=str(beneficiary_a.pk), weekday="")
    )
    assert "Choisissez le jour de la semaine." in response.content.decode()
    assert not Mission.objects.exists()


def test_another_associations_beneficiary_cannot_be_chosen(coordinator_a_client, association_b):
    other = factories.BeneficiaryFactory(association=association_b)
    response = coordinator_a_client.post(reverse("association:mission-new"), _weekly(beneficiary=str(other.pk)))
    assert response.status_code == 200 and not Mission.objects.exists()


def test_publishing_needs_consent_and_the_assessment_visit(association_a, coordinator_a, intake_a):
    mission = mission_create(
        association=association_a,
        by=coordinator_a,
        kind="home_visit",
        beneficiary=intake_a,
        title="Visite",
        recurrence="weekly",
        weekday=1,
        local_time=datetime.time(15),
        first_date=timezone.localdate(),
    )
    with pytest.raises(DomainError, match="Commencez le suivi"):
        mission_publish(mission=mission, by=coordinator_a)
    intake_a.consent_by, intake_a.consent_on = "person", timezone.localdate()
    intake_a.status, intake_a.followed_since = "active", timezone.now()
    intake_a.save()
    with pytest.raises(DomainError, match="visite d’évaluation"):
        mission_publish(mission=mission, by=coordinator_a)
    intake_a.assessed_on = timezone.localdate()
    intake_a.save()
    assert mission_publish(mission=mission, by=coordinator_a).status == "open"
    assert mission_publish(mission=mission, by=coordinator_a).status == "open"  # idempotent


def test_states_go_draft_open_filled_closed(mission_a, coordinator_a):
    assert mission_fill(mission=mission_a, by=coordinator_a).status == "filled"
    assert mission_reopen(mission=mission_a, by=coordinator_a).status == "open"
    assert mission_close(mission=mission_a, by=coordinator_a).status == "closed"
    with pytest.raises(DomainError):
        mission_reopen(mission=mission_a, by=coordinator_a)
    with pytest.raises(DomainError):
        mission_update(mission=mission_a, by=coordinator_a, title="Nouveau")


def test_a_mission_with_volunteers_still_matched_cannot_be_closed(far_volunteer_matched_a, mission_a, coordinator_a):
    with pytest.raises(DomainError):
        mission_close(mission=mission_a, by=coordinator_a)
    Match.objects.update(status=Match.Status.ENDED, ended_at=timezone.now())
    assert mission_close(mission=mission_a, by=coordinator_a).status == "closed"


def test_the_mission_page_shows_suggested_volunteers_with_a_propose_button(
    mission_a, coordinator_a_client, django_assert_max_num_queries
):
    volunteer = factories.VolunteerFactory(user=factories.UserFactory(first_name="Chloé", last_name="Bernard"))
    factories.AvailabilitySlotFactory(volunteer=volunteer, weekday=mission_a.weekday)
    url = reverse("association:mission", args=[mission_a.pk])
    with django_assert_max_num_queries(29):
        page = coordinator_a_client.get(url).content.decode()
    assert 'id="suggestions"' in page
    assert "Chloé" in page
    assert reverse("matching:propose", args=[mission_a.pk]) in page


def test_the_mission_page_says_why_when_nobody_fits(mission_a, coordinator_a_client):
    page = coordinator_a_client.get(reverse("association:mission", args=[mission_a.pk])).content.decode()
    assert 'id="suggestions"' in page
    assert "Aucun bénévole ne convient à cette mission" in page


def test_the_mission_list_filters_and_keeps_its_query_count(
    association_a, beneficiary_a, coordinator_a_client, django_assert_max_num_queries
):
    factories.MissionFactory(beneficiary=beneficiary_a, title="Appel du lundi", status="draft")
    url = reverse("association:missions")
    assert "Appel du lundi" not in coordinator_a_client.get(url, {"status": "open"}).content.decode()
    # The user, their memberships with the association, and the page with the list's total.
    with django_assert_max_num_queries(3 + queries.SESSION) as few:
        coordinator_a_client.get(url)
    factories.MissionFactory.create_batch(15, beneficiary=beneficiary_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        coordinator_a_client.get(url)
