"""One focused test per hard rule: break it on an otherwise perfect pair, and the volunteer is
neither suggested, nor planned by the batch, nor accepted by a coordinator's proposal."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from liens.errors import DomainError
from liens.lib.geo import haversine_km
from missions.matching import batch, services
from missions.matching.candidates import pair_evaluate
from missions.matching.rules import RULES, rules_broken
from missions.matching.selectors import mission_suggestions, volunteer_recommendations
from missions.models import Contact, Match
from tests import factories
from tests.queries import prepared_statements

pytestmark = pytest.mark.django_db

TUESDAY = 1


@pytest.fixture
def mission(association_a):
    beneficiary = factories.BeneficiaryFactory(association=association_a, latitude=45.7790, longitude=4.8320)
    return factories.MissionFactory(
        beneficiary=beneficiary, weekday=TUESDAY, local_time=datetime.time(15, 0), duration_minutes=90
    )


@pytest.fixture
def candidate():
    """0.55 km from the person, free on Tuesday afternoons, approved, accepts every kind."""
    volunteer = factories.VolunteerFactory(user__password=None, latitude=45.7745, longitude=4.8290)
    factories.AvailabilitySlotFactory(
        volunteer=volunteer, weekday=TUESDAY, start=datetime.time(14), end=datetime.time(18)
    )
    return volunteer


def _fits(volunteer, mission) -> bool:
    """Whether the engine takes the pair, asking every path; they must agree."""
    volunteer.refresh_from_db()
    mission.refresh_from_db()
    suggested = volunteer.pk in {s.volunteer.pk for s in mission_suggestions(mission=mission, limit=50)}
    recommended = mission.pk in {s.mission.pk for s in volunteer_recommendations(volunteer=volunteer, limit=50)}
    judged = not rules_broken(pair_evaluate(volunteer=volunteer, mission=mission, now=timezone.now()))
    plan = batch.plan_build(missions=batch.scope_missions(association=mission.association), now=timezone.now())
    planned = (volunteer.pk, mission.pk) in {
        (int(plan.pairs.volunteer.id[i]), int(plan.pairs.mission.id[i])) for i in range(len(plan.pairs))
    }
    assert suggested == recommended == judged == planned, (suggested, recommended, judged, planned)
    return suggested


def _broken(volunteer, mission) -> list[str]:
    return [rule.name for rule in rules_broken(pair_evaluate(volunteer=volunteer, mission=mission, now=timezone.now()))]


def test_the_perfect_pair_fits(candidate, mission):
    assert _fits(candidate, mission)
    assert _broken(candidate, mission) == []


def test_every_rule_has_a_name_people_can_read():
    assert len({rule.name for rule in RULES}) == len(RULES) == 12
    assert all(str(rule.label) for rule in RULES)


def test_a_draft_or_past_mission_is_not_open(candidate, mission):
    mission.status = "draft"
    mission.save()
    assert not _fits(candidate, mission)
    assert _broken(candidate, mission) == ["mission_open"]
    mission.status = "open"
    mission.recurrence, mission.weekday, mission.local_time = "one_off", None, None
    mission.starts_at = timezone.now() - datetime.timedelta(days=1)
    mission.save()
    assert "mission_open" in _broken(candidate, mission)


def test_a_volunteer_who_left_is_never_suggested(candidate, mission):
    candidate.left_at = timezone.now()
    candidate.save()
    assert not _fits(candidate, mission)
    assert _broken(candidate, mission) == ["not_left"]


def test_home_visits_need_an_approved_volunteer_but_calls_do_not(candidate, mission):
    candidate.vetting_state, candidate.approved_at = "pending", None
    candidate.save()
    assert not _fits(candidate, mission)
    assert _broken(candidate, mission) == ["vetted"]
    mission.kind = "phone_call"
    mission.save()
    assert _fits(candidate, mission)


def test_a_rejected_volunteer_takes_no_kind_at_all(candidate, mission):
    candidate.vetting_state, candidate.approved_at = "rejected", None
    candidate.save()
    mission.kind = "phone_call"
    mission.save()
    assert not _fits(candidate, mission)


def test_the_volunteer_must_accept_the_kind(candidate, mission):
    candidate.visit_kinds = ["phone_call"]
    candidate.save()
    assert not _fits(candidate, mission)
    assert _broken(candidate, mission) == ["kind"]


def test_a_pause_covering_the_mission_date_excludes(candidate, mission):
    candidate.paused_until = timezone.localdate() + datetime.timedelta(days=7)  # covers the next Tuesday
    candidate.save()
    assert not _fits(candidate, mission)
    assert _broken(candidate, mission) == ["not_paused"]
    candidate.paused_until = timezone.localdate() - datetime.timedelta(days=1)
    candidate.save()
    assert _fits(candidate, mission)


@pytest.mark.parametrize(
    ("weekday", "start", "end", "fits"),
    [
        (TUESDAY, (15, 0), (16, 30), True),  # exactly the visit
        (TUESDAY, (15, 1), (18, 0), False),  # starts a minute late
        (TUESDAY, (14, 0), (16, 29), False),  # ends a minute early
        (TUESDAY + 1, (14, 0), (18, 0), False),  # the wrong day
    ],
)
def test_the_availability_slot_must_hold_the_whole_visit(candidate, mission, weekday, start, end, fits):
    candidate.slots.all().delete()
    factories.AvailabilitySlotFactory(
        volunteer=candidate, weekday=weekday, start=datetime.time(*start), end=datetime.time(*end)
    )
    assert _fits(candidate, mission) is fits
    assert (_broken(candidate, mission) == []) is fits


def test_a_one_off_visit_uses_its_local_weekday_and_time(candidate, mission):
    # Tuesday 15:00 in Paris is 13:00 or 14:00 UTC: the slot is compared in local time.
    day = timezone.localdate() + datetime.timedelta(days=(TUESDAY - timezone.localdate().weekday()) % 7 or 7)
    mission.recurrence, mission.weekday, mission.local_time = "one_off", None, None
    mission.starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(15, 0)))
    mission.save()
    assert _fits(candidate, mission)
    mission.starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 0)))
    mission.save()
    assert _broken(candidate, mission) == ["available"]


def test_home_visits_stay_within_the_travel_radius(candidate, mission):
    distance = haversine_km(45.7745, 4.8290, 45.7790, 4.8320)
    assert 0.5 < distance < 0.6
    candidate.travel_radius_km = 0.5
    candidate.save()
    assert not _fits(candidate, mission)
    assert _broken(candidate, mission) == ["reach"]
    candidate.travel_radius_km = 0.6
    candidate.save()
    assert _fits(candidate, mission)


def test_phone_calls_ignore_the_travel_radius_but_not_the_horizon(candidate, mission, settings):
    candidate.travel_radius_km = 0.5
    candidate.save()
    mission.kind = "phone_call"
    mission.save()
    assert _fits(candidate, mission)
    settings.LIENS_MATCHING_MAX_RADIUS_KM = 0.5  # the horizon: people are matched locally
    assert not _fits(candidate, mission)


def test_a_home_visit_without_a_known_address_has_no_candidate(candidate, mission):
    beneficiary = mission.beneficiary
    beneficiary.latitude = beneficiary.longitude = None
    beneficiary.save()
    assert not _fits(candidate, mission)
    mission.kind = "phone_call"
    mission.save()
    assert _fits(candidate, mission)


def test_a_required_language_must_be_shared(candidate, mission):
    beneficiary = mission.beneficiary
    beneficiary.required_languages = ["ar", "es"]
    beneficiary.save()
    assert not _fits(candidate, mission)
    assert _broken(candidate, mission) == ["language"]
    candidate.languages = ["fr", "ar"]
    candidate.save()
    assert _fits(candidate, mission)


def test_the_visitor_preference_is_respected(candidate, mission):
    beneficiary = mission.beneficiary
    beneficiary.visitor_preference = "female"
    beneficiary.save()
    candidate.gender = "male"
    candidate.save()
    assert not _fits(candidate, mission)
    assert _broken(candidate, mission) == ["preference"]
    candidate.gender = "female"
    candidate.save()
    assert _fits(candidate, mission)


def test_a_volunteer_at_full_commitment_is_not_suggested(candidate, mission):
    candidate.max_commitments = 1
    candidate.save()
    factories.MatchFactory(volunteer=candidate, mission=factories.MissionFactory(), status="proposed")
    assert not _fits(candidate, mission)
    assert _broken(candidate, mission) == ["volunteer_room"]


def test_a_mission_with_every_place_taken_gets_nobody_more(candidate, mission):
    factories.MatchFactory(mission=mission, status="accepted")
    assert not _fits(candidate, mission)
    assert _broken(candidate, mission) == ["mission_room"]


def test_no_second_live_match_between_the_same_two(candidate, mission):
    mission.volunteers_needed = 3
    mission.save()
    factories.MatchFactory(volunteer=candidate, mission=mission, status="proposed")
    assert not _fits(candidate, mission)
    assert _broken(candidate, mission) == ["not_matched"]
    Match.objects.filter(volunteer=candidate, mission=mission).update(status="declined", ended_at=timezone.now())
    assert _fits(candidate, mission)


def test_a_coordinator_cannot_propose_a_pair_that_breaks_a_rule(candidate, mission, coordinator_a):
    candidate.visit_kinds = ["phone_call"]
    candidate.save()
    with pytest.raises(DomainError) as refused:
        services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)
    assert refused.value.field == "volunteer"
    assert "accepte ce type de visite" in str(refused.value.message) or "accepts this kind" in str(
        refused.value.message
    )
    assert not Match.objects.filter(mission=mission).exists()


def test_a_call_looks_at_the_nearest_volunteers_and_those_who_know_the_person(mission, settings):
    settings.LIENS_MATCHING_REMOTE_CANDIDATES = 2
    mission.kind = "phone_call"
    mission.save()
    people = []
    for step in range(4):  # 0.3 km apart, northwards
        volunteer = factories.VolunteerFactory(
            user__password=None, latitude=45.7790 + 0.0027 * (step + 1), longitude=4.8320
        )
        factories.AvailabilitySlotFactory(
            volunteer=volunteer, weekday=TUESDAY, start=datetime.time(14), end=datetime.time(18)
        )
        people.append(volunteer)
    Contact.objects.create(
        beneficiary=mission.beneficiary, kind=Contact.Kind.CALL, occurred_at=timezone.now(), volunteer=people[3]
    )
    found = {s.volunteer.pk for s in mission_suggestions(mission=mission, limit=10)}
    assert found == {people[0].pk, people[1].pk, people[3].pk}


def test_a_mission_s_facts_are_planned_for_its_own_candidates_never_from_a_prepared_plan(mission, candidate):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (set DATABASE_URL)")
    for _ in range(7):  # past the connection's threshold for preparing a query (five runs)
        assert [s.volunteer.pk for s in mission_suggestions(mission=mission, limit=10)] == [candidate.pk]
    prepared = prepared_statements()
    # One text serves a mission with a handful of candidates and one with hundreds: a generic plan
    # for both made the slowest suggestions three times slower (benchmark matching).
    assert not [sql for sql in prepared if "SELECT CAST(1 AS BIGINT), m.mission_id" in sql]
    assert [sql for sql in prepared if "SELECT v.id FROM volunteers_volunteer v" in sql]  # the candidates are
