"""Visits ahead: weekly series in local time across DST, idempotent, never resurrecting a visit."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liens.models import Notification
from missions.models import Beneficiary, Match, Mission, Visit
from missions.visits.services import (
    visit_cancel,
    visit_move,
    visits_materialise,
    visits_materialise_all,
    visits_reschedule,
)
from tests import factories

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


def local_starts(match) -> list[tuple[datetime.date, str, int]]:
    return [
        (v.occurrence, v.starts_at.astimezone(PARIS).strftime("%H:%M"), v.starts_at.astimezone(datetime.UTC).hour)
        for v in Visit.objects.filter(match=match).order_by("starts_at")
    ]


def test_a_weekly_visit_stays_at_15_00_local_across_the_march_change(weekly_match):
    with time_machine.travel(paris(2026, 3, 20, 12, 0), tick=False):
        created = visits_materialise(match=weekly_match, weeks=4)
    assert created == 4
    assert local_starts(weekly_match) == [
        (datetime.date(2026, 3, 24), "15:00", 14),  # winter time, UTC+1
        (datetime.date(2026, 3, 31), "15:00", 13),  # summer time, UTC+2
        (datetime.date(2026, 4, 7), "15:00", 13),
        (datetime.date(2026, 4, 14), "15:00", 13),
    ]
    visit = Visit.objects.filter(match=weekly_match).first()
    assert visit.ends_at - visit.starts_at == datetime.timedelta(minutes=90)


def test_a_weekly_visit_stays_at_15_00_local_across_the_october_change(weekly_match):
    with time_machine.travel(paris(2026, 10, 14, 12, 0), tick=False):
        visits_materialise(match=weekly_match, weeks=2)
    assert local_starts(weekly_match) == [
        (datetime.date(2026, 10, 20), "15:00", 13),  # summer time
        (datetime.date(2026, 10, 27), "15:00", 14),  # winter time
    ]


def test_materialising_again_neither_duplicates_nor_resurrects_moved_or_cancelled_visits(weekly_match):
    with time_machine.travel(paris(2026, 3, 20, 12, 0), tick=False):
        visits_materialise(match=weekly_match, weeks=4)
        first, second, *_ = Visit.objects.filter(match=weekly_match).order_by("starts_at")
        visit_move(visit=first, by=None, starts_at=paris(2026, 3, 25, 10, 0), reason="kiné")
        visit_cancel(visit=second, by=None, reason="hospital")
        assert visits_materialise(match=weekly_match, weeks=4) == 0
        assert visits_materialise(match=weekly_match, weeks=5) == 1
    assert Visit.objects.filter(match=weekly_match).count() == 5
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.starts_at == paris(2026, 3, 25, 10, 0) and first.occurrence == datetime.date(2026, 3, 24)
    assert second.status == "cancelled"


def test_only_active_matches_get_visits(weekly_match):
    Match.objects.filter(pk=weekly_match.pk).update(status=Match.Status.PAUSED)
    assert visits_materialise(match=weekly_match) == 0


def test_mission_dates_and_pauses_are_respected(weekly_match):
    mission = weekly_match.mission
    Mission.objects.filter(pk=mission.pk).update(
        first_date=datetime.date(2026, 3, 30), end_date=datetime.date(2026, 4, 20)
    )
    volunteer = weekly_match.volunteer
    volunteer.paused_until = datetime.date(2026, 4, 7)
    volunteer.save()
    with time_machine.travel(paris(2026, 3, 20, 12, 0), tick=False):
        visits_materialise(match=weekly_match, weeks=8)
    # 31 Mar and 7 Apr fall in the volunteer's pause; 14 Apr is the last before end_date... and 21 Apr is after it.
    assert [v[0] for v in local_starts(weekly_match)] == [datetime.date(2026, 4, 14)]


def test_a_paused_beneficiary_gets_no_visits_until_the_pause_ends(weekly_match):
    beneficiary = weekly_match.mission.beneficiary
    Beneficiary.objects.filter(pk=beneficiary.pk).update(
        status=Beneficiary.Status.PAUSED, paused_until=datetime.date(2026, 3, 31)
    )
    with time_machine.travel(paris(2026, 3, 20, 12, 0), tick=False):
        visits_materialise(match=weekly_match, weeks=3)
    assert [v[0] for v in local_starts(weekly_match)] == [datetime.date(2026, 4, 7)]


def test_a_one_off_mission_gets_its_single_visit(association_a):
    beneficiary = factories.BeneficiaryFactory(association=association_a)
    mission = factories.MissionFactory(
        beneficiary=beneficiary,
        recurrence=Mission.Recurrence.ONE_OFF,
        weekday=None,
        local_time=None,
        starts_at=paris(2026, 5, 2, 10, 30),
    )
    match = factories.MatchFactory(mission=mission)
    with time_machine.travel(paris(2026, 4, 1, 9, 0), tick=False):
        assert visits_materialise(match=match) == 1
        assert visits_materialise(match=match) == 0
    (visit,) = Visit.objects.filter(match=match)
    assert visit.starts_at == paris(2026, 5, 2, 10, 30) and visit.occurrence == datetime.date(2026, 5, 2)


def test_the_nightly_job_covers_every_active_match_and_is_idempotent(weekly_match, association_a):
    other = factories.MatchFactory(
        mission=factories.MissionFactory(beneficiary=factories.BeneficiaryFactory(association=association_a), weekday=4)
    )
    ended = factories.MatchFactory(status=Match.Status.ENDED, ended_at=paris(2026, 1, 1, 0, 0))
    with time_machine.travel(paris(2026, 3, 20, 12, 0), tick=False):
        assert visits_materialise_all(weeks=4) == 8
        assert visits_materialise_all(weeks=4) == 0
        call_command("materialise_visits", "--weeks", "4")
    assert Visit.objects.filter(match=other).count() == 4
    assert not Visit.objects.filter(match=ended).exists()


def test_a_schedule_change_realigns_upcoming_visits(weekly_match):
    with time_machine.travel(paris(2026, 3, 20, 12, 0), tick=False):
        visits_materialise(match=weekly_match, weeks=4)
        Mission.objects.filter(pk=weekly_match.mission_id).update(local_time=datetime.time(10, 0))
        assert visits_reschedule(match=weekly_match) == 0
        assert [v[1] for v in local_starts(weekly_match)] == ["10:00"] * 4
        Mission.objects.filter(pk=weekly_match.mission_id).update(weekday=3)  # Thursdays now
        assert visits_reschedule(match=weekly_match) == 4
    visits = Visit.objects.filter(match=weekly_match)
    thursdays = [datetime.date(2026, 3, 26) + datetime.timedelta(weeks=n) for n in range(4)]
    assert sorted(v.occurrence for v in visits.filter(status="scheduled")) == thursdays
    assert visits.filter(status="cancelled", cancel_reason="schedule changed").count() == 4


def test_editing_the_missions_time_moves_the_upcoming_visits_of_its_matches(weekly_match, coordinator_a):
    from missions.association.missions import mission_update

    Mission.objects.filter(pk=weekly_match.mission_id).update(first_date=datetime.date(2026, 3, 3))
    weekly_match.mission.refresh_from_db()
    with time_machine.travel(paris(2026, 3, 20, 12, 0), tick=False):
        visits_materialise(match=weekly_match, weeks=4)
        mission_update(mission=weekly_match.mission, by=coordinator_a, title="Goûter du mardi")
        assert [v[1] for v in local_starts(weekly_match)] == ["15:00"] * 4  # not a schedule change
        mission_update(mission=weekly_match.mission, by=coordinator_a, local_time=datetime.time(10, 30))
    assert [v[1] for v in local_starts(weekly_match)] == ["10:30"] * 4


def _materialise_all_queries(association, count: int) -> int:
    """The queries of a nightly materialisation after `count` more active matches appeared."""
    for _n in range(count):
        beneficiary = factories.BeneficiaryFactory(association=association)
        factories.MatchFactory(mission=factories.MissionFactory(beneficiary=beneficiary, weekday=1))
    with time_machine.travel(paris(2026, 3, 20, 12, 0), tick=False), CaptureQueriesContext(connection) as captured:
        visits_materialise_all(weeks=4)
    heads = [query["sql"].split(" VALUES", 1)[0] for query in captured.captured_queries]
    # One bulk insert is one statement; SQLite's limit on a statement's parameters makes Django
    # send a long one in several batches (the embedded default), counted there as the one it is.
    if connection.vendor != "sqlite":
        return len(heads)
    return sum(1 for i, head in enumerate(heads) if not (i and head.startswith("INSERT") and head == heads[i - 1]))


def test_the_nightly_materialisation_makes_as_many_queries_for_many_matches_as_for_few(association_a):
    few = _materialise_all_queries(association_a, 2)
    visits, reminders = Visit.objects.count(), Notification.objects.count()
    many = _materialise_all_queries(association_a, 6)
    # The new visits did get their reminders, planned together rather than one visit at a time.
    assert Visit.objects.count() == 4 * visits and Notification.objects.count() == 4 * reminders > 0
    assert few == many
