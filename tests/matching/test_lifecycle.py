"""The life of a match: proposed -> accepted -> introduced -> active -> paused -> ended, with
declines, expiry, reviews, stand-ins, and every refusal as a DomainError."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from liens.errors import DomainError
from liens.models import Notification
from missions.matching import life, services
from missions.matching.reviews import reviews_due
from missions.matching.selectors import rematch_suggestions
from missions.models import Contact, Match, Mission, Visit
from tests import factories

pytestmark = pytest.mark.django_db

TUESDAY = 1


def _volunteer(**extra):
    extra = {"latitude": 45.7745, "longitude": 4.8290, **extra}
    volunteer = factories.VolunteerFactory(user__password=None, **extra)
    factories.AvailabilitySlotFactory(
        volunteer=volunteer, weekday=TUESDAY, start=datetime.time(14), end=datetime.time(18)
    )
    return volunteer


@pytest.fixture
def mission(association_a):
    beneficiary = factories.BeneficiaryFactory(
        association=association_a, latitude=45.7790, longitude=4.8320, first_name="Jeanne", last_name="Roux"
    )
    return factories.MissionFactory(
        beneficiary=beneficiary, weekday=TUESDAY, local_time=datetime.time(15, 0), duration_minutes=90
    )


@pytest.fixture
def candidate():
    return _volunteer()


def _kinds(user) -> set[str]:
    return set(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def _active(mission, volunteer, coordinator) -> Match:
    match = services.match_propose(mission=mission, volunteer=volunteer, by=coordinator)
    services.match_accept(match=match, volunteer=volunteer)
    life.match_introduce(match=match, by=coordinator, on=timezone.localdate())
    return life.match_activate(match=match, by=coordinator)


# --- proposal and answer --------------------------------------------------------------------------


def test_a_proposal_records_its_score_and_tells_the_volunteer(mission, candidate, coordinator_a):
    match = services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)
    assert match.status == Match.Status.PROPOSED
    assert match.proposed_by == coordinator_a
    assert set(match.score_parts) == {"distance", "interests", "slack", "continuity", "load", "reliability"}
    assert 0 < match.score <= 1
    assert "match_proposed" in _kinds(candidate.user)


def test_a_coordinator_of_another_association_cannot_propose(mission, candidate, coordinator_b):
    with pytest.raises(DomainError) as refused:
        services.match_propose(mission=mission, volunteer=candidate, by=coordinator_b)
    assert refused.value.code == "forbidden"
    assert not Match.objects.exists()


def test_proposing_twice_is_refused(mission, candidate, coordinator_a):
    mission.volunteers_needed = 2
    mission.save()
    services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)
    with pytest.raises(DomainError):
        services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)
    assert Match.objects.count() == 1


def test_the_volunteer_accepts_and_coordinators_hear_of_it(mission, candidate, coordinator_a):
    match = services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)
    accepted = services.match_accept(match=match, volunteer=candidate)
    assert accepted.status == Match.Status.ACCEPTED
    assert accepted.responded_at is not None
    assert "match_accepted" in _kinds(coordinator_a)
    with pytest.raises(DomainError):
        services.match_accept(match=match, volunteer=candidate)  # only once


def test_nobody_accepts_someone_else_s_proposal(mission, candidate, coordinator_a):
    match = services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)
    with pytest.raises(DomainError) as refused:
        services.match_accept(match=match, volunteer=_volunteer())
    assert refused.value.code == "forbidden"
    with pytest.raises(DomainError):
        services.match_decline(match=match, by=_volunteer().user, reason="pas moi")
    match.refresh_from_db()
    assert match.status == Match.Status.PROPOSED


def test_a_volunteer_offer_starts_accepted_and_keeps_the_rules(mission, candidate, coordinator_a):
    match = services.match_offer(mission=mission, volunteer=candidate)
    assert match.status == Match.Status.ACCEPTED
    assert "match_offered" in _kinds(coordinator_a)
    far = factories.VolunteerFactory(user__password=None, latitude=46.5, longitude=4.8)
    with pytest.raises(DomainError):
        services.match_offer(mission=mission, volunteer=far)


def test_a_decline_keeps_who_why_and_when(mission, candidate, coordinator_a):
    match = services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)
    with pytest.raises(DomainError) as refused:
        services.match_decline(match=match, by=candidate.user, reason="  ")
    assert refused.value.field == "reason"
    declined = services.match_decline(match=match, by=candidate.user, reason="Trop loin de chez moi")
    assert declined.status == Match.Status.DECLINED
    assert (declined.ended_by, declined.end_reason) == (candidate.user, "Trop loin de chez moi")
    assert declined.ended_at is not None
    assert "match_declined" in _kinds(coordinator_a)


def test_a_coordinator_withdraws_a_proposal_and_the_volunteer_is_told(mission, candidate, coordinator_a):
    match = services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)
    services.match_decline(match=match, by=coordinator_a, reason="La personne est hospitalisée")
    assert "match_withdrawn" in _kinds(candidate.user)


# --- introduction, start, review, pause, end ------------------------------------------------------


def test_the_match_starts_only_after_the_introduction_visit(mission, candidate, coordinator_a):
    match = services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)
    with pytest.raises(DomainError):
        life.match_introduce(match=match, by=coordinator_a, on=timezone.localdate())  # not accepted yet
    services.match_accept(match=match, volunteer=candidate)
    with pytest.raises(DomainError) as refused:
        life.match_activate(match=match, by=coordinator_a)
    assert refused.value.field == "introduced_on"
    with pytest.raises(DomainError) as refused:
        life.match_introduce(match=match, by=coordinator_a, on=timezone.localdate() + datetime.timedelta(days=1))
    assert refused.value.field == "on"
    life.match_introduce(match=match, by=coordinator_a, on=timezone.localdate())
    active = life.match_activate(match=match, by=coordinator_a)
    assert active.status == Match.Status.ACTIVE
    assert active.activated_at is not None


def test_the_first_review_comes_six_weeks_after_the_start_then_every_three_months(
    mission, candidate, coordinator_a, settings
):
    with time_machine.travel(datetime.datetime(2025, 3, 3, 10, tzinfo=datetime.UTC), tick=False):
        match = _active(mission, candidate, coordinator_a)
        assert match.next_review_on == datetime.date(2025, 4, 14)
    with time_machine.travel(datetime.datetime(2025, 4, 15, 10, tzinfo=datetime.UTC), tick=False):
        assert list(reviews_due(association_ids=[mission.association_id])) == [match]
        reviewed = life.match_review(match=match, by=coordinator_a, on=datetime.date(2025, 4, 15))
        assert reviewed.next_review_on == datetime.date(2025, 7, 15)
        assert not reviews_due(association_ids=[mission.association_id]).exists()


def test_review_delays_are_settings(mission, candidate, coordinator_a, settings):
    settings.LIENS_MATCH_FIRST_REVIEW_WEEKS = 2
    settings.LIENS_MATCH_REVIEW_EVERY_MONTHS = 1
    match = _active(mission, candidate, coordinator_a)
    assert match.next_review_on == timezone.localdate() + datetime.timedelta(weeks=2)
    reviewed = life.match_review(match=match, by=coordinator_a, on=datetime.date(2025, 1, 31))
    assert reviewed.next_review_on == datetime.date(2025, 2, 28)


def test_starting_fills_the_mission_and_materialises_visits(
    mission, candidate, coordinator_a, django_capture_on_commit_callbacks, tasks_in_process
):
    # The visits come from the materialise_match task sent after commit (run here in-process).
    with django_capture_on_commit_callbacks(execute=True):
        match = _active(mission, candidate, coordinator_a)
    mission.refresh_from_db()
    assert mission.status == Mission.Status.FILLED
    pytest.importorskip("missions.visits.services")
    assert Visit.objects.filter(match=match).exists()


def test_starting_sends_the_visits_task_after_commit_and_creates_no_visit_in_the_request(
    mission, candidate, coordinator_a, django_capture_on_commit_callbacks, monkeypatch
):
    from celery import Task

    sent = []
    monkeypatch.setattr(
        Task, "apply_async", lambda task, args=None, kwargs=None, **options: sent.append((task.name, args))
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        match = _active(mission, candidate, coordinator_a)
    assert not Visit.objects.filter(match=match).exists()
    assert sent == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert sent == [("missions.visits.materialise_match", (match.pk,))]
    assert not Visit.objects.filter(match=match).exists()  # the worker's job, not the request's


def test_the_visits_task_materialises_a_stand_in_only_within_its_cover_period(mission, candidate, coordinator_a):
    from missions.visits.tasks import materialise_match

    other = _volunteer()
    match = _active(mission, candidate, coordinator_a)
    until = timezone.localdate() + datetime.timedelta(days=10)
    stand_in = Match.objects.create(
        mission=mission, volunteer=other, status=Match.Status.ACTIVE, covers=match, cover_until=until,
        activated_at=timezone.now(),
    )  # fmt: skip
    assert materialise_match(stand_in.pk) > 0
    scheduled = Visit.objects.filter(match=stand_in, status=Visit.Status.SCHEDULED)
    assert scheduled.exists()
    assert not scheduled.filter(occurrence__gt=until).exists()
    assert materialise_match(stand_in.pk) == 0  # idempotent
    assert materialise_match(stand_in.pk + 1000) == 0  # a vanished match is a no-op


def test_pause_resume_and_end(mission, candidate, coordinator_a, django_capture_on_commit_callbacks, tasks_in_process):
    with django_capture_on_commit_callbacks(execute=True):
        match = _active(mission, candidate, coordinator_a)
    with pytest.raises(DomainError):
        life.match_pause(match=match, by=coordinator_a, reason="")
    paused = life.match_pause(match=match, by=candidate.user, reason="Vacances")
    assert (paused.status, paused.pause_reason) == (Match.Status.PAUSED, "Vacances")
    assert "match_paused" in _kinds(coordinator_a)
    resumed = life.match_activate(match=match, by=coordinator_a)
    assert resumed.status == Match.Status.ACTIVE and resumed.paused_at is None
    later = timezone.now() + datetime.timedelta(days=3)
    Visit.objects.create(match=match, occurrence=later.date() + datetime.timedelta(days=30),
                         starts_at=later, ends_at=later + datetime.timedelta(hours=1))  # fmt: skip
    ended = life.match_end(match=match, by=coordinator_a, reason="Déménagement")
    assert (ended.status, ended.ended_by, ended.end_reason) == (Match.Status.ENDED, coordinator_a, "Déménagement")
    assert not Visit.objects.filter(match=match, status=Visit.Status.SCHEDULED, starts_at__gt=timezone.now()).exists()
    mission.refresh_from_db()
    assert mission.status == Mission.Status.OPEN  # the place is free again
    assert life.match_end(match=match, by=coordinator_a, reason="encore") == ended  # idempotent
    with pytest.raises(DomainError):
        life.match_pause(match=match, by=coordinator_a, reason="trop tard")


def test_ending_offers_a_rematch_without_the_volunteer_who_left(mission, candidate, coordinator_a):
    other = _volunteer()
    match = _active(mission, candidate, coordinator_a)
    life.match_end(match=match, by=candidate.user, reason="Plus de temps")
    assert "match_ended" in _kinds(coordinator_a)
    assert [s.volunteer for s in rematch_suggestions(match=match)] == [other]


def test_only_staff_of_the_association_run_the_life_of_a_match(mission, candidate, coordinator_a, coordinator_b):
    match = services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)
    services.match_accept(match=match, volunteer=candidate)
    for step, extra in [
        (life.match_introduce, {"on": timezone.localdate()}),
        (life.match_activate, {}),
        (life.match_end, {"reason": "non"}),
        (services.match_decline, {"reason": "non"}),
    ]:
        with pytest.raises(DomainError):
            step(match=match, by=coordinator_b, **extra)
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED


# --- jobs -------------------------------------------------------------------------------------


def test_unanswered_proposals_expire_with_a_reason(mission, candidate, coordinator_a, settings):
    settings.LIENS_PROPOSAL_EXPIRY_DAYS = 10
    with time_machine.travel(timezone.now() - datetime.timedelta(days=11)):
        old = services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)
    fresh_mission = factories.MissionFactory(beneficiary=factories.BeneficiaryFactory(association=mission.association))
    fresh = services.match_propose(mission=fresh_mission, volunteer=candidate, by=coordinator_a)
    assert services.proposals_expire() == 1
    assert services.proposals_expire() == 0  # idempotent
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == Match.Status.EXPIRED and old.end_reason and old.ended_at
    assert fresh.status == Match.Status.PROPOSED


# --- stand-ins ----------------------------------------------------------------------------------


def test_a_pause_brings_a_stand_in_who_already_knows_the_person(mission, candidate, coordinator_a):
    regular = _active(mission, candidate, coordinator_a)
    day = timezone.localdate() + datetime.timedelta(days=(TUESDAY - timezone.localdate().weekday()) % 7 or 7)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(15, 0)))
    Visit.objects.get_or_create(
        match=regular,
        occurrence=timezone.localdate(start),
        defaults={"starts_at": start, "ends_at": start + datetime.timedelta(minutes=90)},
    )
    stranger = _volunteer(interests=["gardening", "board_games", "music"])  # scores better otherwise
    friend = _volunteer(latitude=45.78, longitude=4.835, interests=[])
    Contact.objects.create(
        beneficiary=mission.beneficiary, kind=Contact.Kind.VISIT, occurred_at=timezone.now(), volunteer=friend
    )
    until = timezone.localdate() + datetime.timedelta(days=20)
    candidate.paused_until = until
    candidate.save()
    covers = services.cover_propose_for_pause(volunteer=candidate, until=until)
    assert [c.volunteer for c in covers] == [friend]
    assert stranger  # not chosen although nearer in every other way
    cover = covers[0]
    assert (cover.status, cover.covers, cover.cover_until) == (Match.Status.PROPOSED, regular, until)
    assert "match_cover_proposed" in _kinds(coordinator_a)
    assert services.cover_propose_for_pause(volunteer=candidate, until=until) == []  # idempotent
    longer = until + datetime.timedelta(days=5)
    services.cover_propose_for_pause(volunteer=candidate, until=longer)
    cover.refresh_from_db()
    assert cover.cover_until == longer


def test_a_cancelled_visit_gets_a_substitute_proposal(mission, candidate, coordinator_a):
    regular = _active(mission, candidate, coordinator_a)
    # An afternoon four days ahead, whatever the hour now: "now + 4 days" late in the evening made
    # a visit running past midnight, outside any one day's availability.
    day = timezone.localdate() + datetime.timedelta(days=4)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(15, 0)))
    visit, _ = Visit.objects.get_or_create(
        match=regular,
        occurrence=timezone.localdate(start),
        defaults={"starts_at": start, "ends_at": start + datetime.timedelta(minutes=90)},
    )
    local = timezone.localtime(visit.starts_at)
    substitute = factories.VolunteerFactory(user__password=None, latitude=45.7745, longitude=4.8290)
    factories.AvailabilitySlotFactory(
        volunteer=substitute, weekday=local.weekday(), start=datetime.time(0), end=datetime.time(23, 59)
    )
    visit.status = Visit.Status.CANCELLED
    visit.save()
    cover = services.substitute_propose(visit=visit)
    assert cover.volunteer == substitute
    assert (cover.covers, cover.cover_until) == (regular, visit.occurrence)
    assert services.substitute_propose(visit=visit) == cover  # idempotent


def test_stand_ins_close_after_their_period(mission, candidate, coordinator_a):
    regular = _active(mission, candidate, coordinator_a)
    other = _volunteer()
    cover = Match.objects.create(
        mission=mission, volunteer=other, status="active", covers=regular, cover_until=timezone.localdate()
    )
    later = timezone.now() + datetime.timedelta(days=9)
    after = Visit.objects.create(match=cover, occurrence=timezone.localdate(later), starts_at=later,
                                 ends_at=later + datetime.timedelta(hours=1))  # fmt: skip
    assert life.covers_close() == 0  # still covering today
    after.refresh_from_db()
    assert after.status == Visit.Status.CANCELLED  # but no visit after its period
    assert life.covers_close(today=timezone.localdate() + datetime.timedelta(days=1)) == 1
    cover.refresh_from_db()
    assert cover.status == Match.Status.ENDED
