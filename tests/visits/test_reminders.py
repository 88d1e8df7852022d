"""The reminder plan: the right local hour on both sides of each DST change, rewritten on every change."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liens.models import Notification
from liens.outbox.dispatch import dispatch_due
from missions.models import Membership, Visit
from missions.visits.reminders import reminder_key, reminders_plan, reminders_plan_upcoming
from missions.visits.services import reports_chase, unconfirmed_notify, visit_cancel, visit_move
from tests import factories
from tests.outbox.fakes import Recorder, channels

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


def visit_on(match, day: datetime.date, at=datetime.time(15, 0), minutes=90) -> Visit:
    starts_at = datetime.datetime.combine(day, at, tzinfo=PARIS)
    return factories.VisitFactory(
        match=match, occurrence=day, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(minutes=minutes)
    )


def due_times(visit) -> dict[str, datetime.datetime]:
    rows = Notification.objects.filter(dedup_key__startswith=f"visit:{visit.pk}:", status="pending")
    return {row.kind: row.due_at.astimezone(PARIS) for row in rows}


DAYS = [
    datetime.date(2026, 3, 28),  # the Saturday before clocks go forward
    datetime.date(2026, 3, 29),  # the Sunday they do
    datetime.date(2026, 3, 30),  # the Monday after
    datetime.date(2026, 10, 24),  # the Saturday before clocks go back
    datetime.date(2026, 10, 25),  # the Sunday they do
    datetime.date(2026, 10, 26),  # the Monday after
]


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_reminders_land_at_the_right_local_hour_around_dst_changes(weekly_match, day):
    visit = visit_on(weekly_match, day)
    with time_machine.travel(paris(2026, 3, 1, 12) if day.month == 3 else paris(2026, 10, 1, 12), tick=False):
        assert reminders_plan(visit=visit) == 4
    one_day = datetime.timedelta(days=1)
    expected = {
        "visit_reminder_eve": datetime.datetime.combine(day - one_day, datetime.time(18, 0), tzinfo=PARIS),
        "visit_reminder_soon": datetime.datetime.combine(day, datetime.time(13, 0), tzinfo=PARIS),
        "report_nudge": datetime.datetime.combine(day, datetime.time(18, 30), tzinfo=PARIS),
        "report_nudge_morning": datetime.datetime.combine(day + one_day, datetime.time(9, 0), tzinfo=PARIS),
    }
    planned = due_times(visit)
    assert planned == expected
    # Wall-clock hours, not just equal instants: the UTC offsets really differ across the change.
    assert {kind: when.strftime("%H:%M") for kind, when in planned.items()} == {
        "visit_reminder_eve": "18:00",
        "visit_reminder_soon": "13:00",
        "report_nudge": "18:30",
        "report_nudge_morning": "09:00",
    }

    recorder = Recorder()
    rows = {row.kind: row.pk for row in Notification.objects.filter(dedup_key__startswith=f"visit:{visit.pk}:")}
    for kind, when in sorted(expected.items(), key=lambda item: item[1]):
        with time_machine.travel(when - datetime.timedelta(minutes=1), tick=False):
            dispatch_due(channels=channels(recorder))
            assert rows[kind] not in recorder.sent, f"{kind} went out early"
        with time_machine.travel(when, tick=False):
            dispatch_due(channels=channels(recorder))
            assert recorder.sent[-1] == rows[kind], f"{kind} did not go out at {when}"
    assert len(recorder.sent) == 4


def test_the_eve_reminder_is_in_the_volunteers_language_with_a_one_tap_link(weekly_match):
    visit = visit_on(weekly_match, datetime.date(2026, 3, 31))
    with time_machine.travel(paris(2026, 3, 20, 12), tick=False):
        reminders_plan(visit=visit)
    row = Notification.objects.get(kind="visit_reminder_eve")
    assert row.subject == "Demain à 15:00 : votre visite chez Jeanne D."
    # Case-blind: the day name's case comes from the shared French catalogue.
    assert "mardi 31 mars à 15:00" in row.body_text.lower()
    assert "/visits/cant-come/" in row.body_text and "/visits/cant-come/" in row.body_html
    assert row.payload["tz"] == "Europe/Paris" and row.payload["guard"] == "visit_scheduled"


def test_an_english_speaking_volunteer_gets_english(weekly_match):
    weekly_match.volunteer.user.language = "en"
    weekly_match.volunteer.user.save()
    visit = visit_on(weekly_match, datetime.date(2026, 3, 31))
    with time_machine.travel(paris(2026, 3, 20, 12), tick=False):
        reminders_plan(visit=visit)
    row = Notification.objects.get(kind="visit_reminder_eve")
    assert row.subject == "Tomorrow at 15:00: your visit to Jeanne D."
    assert "Tuesday 31 March at 15:00" in row.body_text


def test_sms_reminders_go_out_too_when_the_volunteer_wants_them(weekly_match):
    volunteer = weekly_match.volunteer
    volunteer.user.phone = "06 12 34 56 78"
    volunteer.user.notify_channels = {"reminders": ["email", "sms"]}
    volunteer.user.save()
    visit = visit_on(weekly_match, datetime.date(2026, 3, 31))
    with time_machine.travel(paris(2026, 3, 20, 12), tick=False):
        assert reminders_plan(visit=visit) == 8
    sms = Notification.objects.get(kind="visit_reminder_eve", channel="sms")
    assert sms.body_text.startswith("Liens : visite chez Jeanne D. demain à 15:00. Empêché·e ? http")


def test_planning_twice_writes_nothing_new(weekly_match):
    visit = visit_on(weekly_match, datetime.date(2026, 3, 31))
    with time_machine.travel(paris(2026, 3, 20, 12), tick=False):
        assert reminders_plan(visit=visit) == 4
        assert reminders_plan(visit=visit) == 0
        call_command("plan_reminders")
    assert Notification.objects.filter(dedup_key__startswith=f"visit:{visit.pk}:").count() == 4


def test_moving_a_visit_cancels_the_stale_reminders_and_moving_it_back_revives_them(weekly_match):
    visit = visit_on(weekly_match, datetime.date(2026, 3, 31))
    with time_machine.travel(paris(2026, 3, 20, 12), tick=False):
        reminders_plan(visit=visit)
        old_eve = reminder_key(visit, "visit_reminder_eve")
        visit_move(visit=visit, by=None, starts_at=paris(2026, 4, 2, 10, 0), reason="")
        visit.refresh_from_db()
        assert due_times(visit) == {
            "visit_reminder_eve": paris(2026, 4, 1, 18, 0),
            "visit_reminder_soon": paris(2026, 4, 2, 8, 0),
            "report_nudge": paris(2026, 4, 2, 13, 30),
            "report_nudge_morning": paris(2026, 4, 3, 9, 0),
        }
        assert Notification.objects.get(dedup_key=f"{old_eve}:email").status == "cancelled"
        assert Notification.objects.filter(kind="visit_moved", recipient=weekly_match.volunteer.user).exists()

        visit_move(visit=visit, by=None, starts_at=paris(2026, 3, 31, 15, 0), reason="")
        visit.refresh_from_db()
    assert Notification.objects.get(dedup_key=f"{old_eve}:email").status == "pending"
    assert Notification.objects.filter(dedup_key__startswith=f"visit:{visit.pk}:", status="pending").count() == 4


def test_per_association_reminder_hours_override_the_defaults(weekly_match):
    association = weekly_match.mission.association
    association.preferences = {"reminders": {"evening_hour": 19, "before_hours": 1, "morning_hour": "10"}}
    association.save()
    visit = visit_on(weekly_match, datetime.date(2026, 3, 31))
    with time_machine.travel(paris(2026, 3, 20, 12), tick=False):
        reminders_plan(visit=visit)
    planned = due_times(visit)
    assert planned["visit_reminder_eve"] == paris(2026, 3, 30, 19, 0)
    assert planned["visit_reminder_soon"] == paris(2026, 3, 31, 14, 0)
    assert planned["report_nudge_morning"] == paris(2026, 4, 1, 10, 0)


def test_a_cancelled_visit_keeps_no_pending_reminder(weekly_match):
    visit = visit_on(weekly_match, datetime.date(2026, 3, 31))
    with time_machine.travel(paris(2026, 3, 20, 12), tick=False):
        reminders_plan(visit=visit)
        visit_cancel(visit=visit, by=None, reason="hospital")
    assert due_times(visit) == {}


def test_a_report_filed_in_between_stops_the_nudges_at_dispatch_time(weekly_match):
    visit = visit_on(weekly_match, datetime.date(2026, 3, 31))
    with time_machine.travel(paris(2026, 3, 20, 12), tick=False):
        reminders_plan(visit=visit)
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.DONE)  # as the report service does
    recorder = Recorder()
    with time_machine.travel(paris(2026, 3, 31, 18, 30), tick=False):
        result = dispatch_due(channels=channels(recorder))
    nudge = Notification.objects.get(kind="report_nudge")
    assert nudge.pk not in recorder.sent
    assert nudge.status == "cancelled" and result.dropped >= 1


def test_after_48_hours_without_report_the_visit_is_unconfirmed_and_realtime_staff_are_told(
    weekly_match, coordinator_a, realtime_coordinator
):
    visit = visit_on(weekly_match, datetime.date(2026, 3, 31))  # ends 16:30 local
    with time_machine.travel(paris(2026, 4, 2, 16, 29), tick=False):
        assert reports_chase() == 0
    with time_machine.travel(paris(2026, 4, 2, 16, 31), tick=False):
        assert reports_chase() == 1
        assert reports_chase() == 0
        call_command("chase_reports")
    visit.refresh_from_db()
    assert visit.status == "unconfirmed"
    told = Notification.objects.filter(kind="visit_unconfirmed")
    assert {row.recipient_id for row in told} == {realtime_coordinator.pk}
    assert told.get().subject == "No report: visit to Jeanne D. on Tuesday 31 March"


def _five_silent_visits(association) -> list[Visit]:
    """Five visits of five people on Tuesday 31 March, ending 16:30 local, none reported."""
    visits = []
    for n in range(5):
        beneficiary = factories.BeneficiaryFactory(association=association, first_name=f"Personne{n}", last_name="Zed")
        mission = factories.MissionFactory(beneficiary=beneficiary, weekday=1, local_time=datetime.time(15, 0))
        match = factories.MatchFactory(mission=mission, volunteer=factories.VolunteerFactory())
        visits.append(visit_on(match, datetime.date(2026, 3, 31)))
    return visits


def test_five_visits_marked_unconfirmed_in_one_run_make_one_notice_per_coordinator_in_their_language(
    association_a, coordinator_a, realtime_coordinator
):
    french = factories.UserFactory(email="temps-reel@exemple.fr", language="fr", first_name="Rémi")
    factories.MembershipFactory(user=french, association=association_a, digest_mode=Membership.DigestMode.REALTIME)
    _five_silent_visits(association_a)
    with time_machine.travel(paris(2026, 4, 2, 17, 5), tick=False):
        assert reports_chase() == 5
    emails = Notification.objects.filter(kind="visit_unconfirmed", channel="email")
    # One each for the two who chose real time; the one reading the morning digest gets none.
    assert sorted(emails.values_list("recipient_id", flat=True)) == sorted([realtime_coordinator.pk, french.pk])
    english = emails.get(recipient=realtime_coordinator)
    assert english.subject == "No report: 5 visits marked unconfirmed"
    assert all(f"Personne{n} Z." in english.body_text for n in range(5))
    assert "/visits/attention/" in english.body_text
    assert emails.get(recipient=french).subject == "Sans compte rendu : 5 visites marquées non confirmées"
    assert Visit.objects.filter(status=Visit.Status.UNCONFIRMED).count() == 5


def test_two_runs_in_the_same_hour_do_not_tell_twice(association_a, realtime_coordinator):
    visits = _five_silent_visits(association_a)
    with time_machine.travel(paris(2026, 4, 2, 17, 5), tick=False):
        assert reports_chase() == 5
    with time_machine.travel(paris(2026, 4, 2, 17, 35), tick=False):
        assert reports_chase() == 0
        call_command("chase_reports")
    assert Notification.objects.filter(kind="visit_unconfirmed", channel="email").count() == 1
    # Writing the same notice again (a run retried after it wrote) is a no-op by its dedup key.
    with time_machine.travel(paris(2026, 4, 2, 17, 40), tick=False):
        assert unconfirmed_notify(visits=list(Visit.objects.filter(pk__in=[v.pk for v in visits]))) == 0
    assert Notification.objects.filter(kind="visit_unconfirmed", channel="email").count() == 1


def test_visits_marked_by_a_later_run_get_a_notice_of_their_own(association_a, realtime_coordinator, weekly_match):
    _five_silent_visits(association_a)
    visit_on(weekly_match, datetime.date(2026, 3, 31), at=datetime.time(17, 0))  # ends 18:30 local
    with time_machine.travel(paris(2026, 4, 2, 17, 5), tick=False):
        assert reports_chase() == 5
    with time_machine.travel(paris(2026, 4, 2, 18, 35), tick=False):
        assert reports_chase() == 1
    subjects = sorted(
        Notification.objects.filter(kind="visit_unconfirmed", channel="email").values_list("subject", flat=True)
    )
    assert subjects == ["No report: 5 visits marked unconfirmed", "No report: visit to Jeanne D. on Tuesday 31 March"]


def _matches_with_visits(association, count: int) -> None:
    for n in range(count):
        beneficiary = factories.BeneficiaryFactory(association=association)
        mission = factories.MissionFactory(beneficiary=beneficiary, weekday=1, local_time=datetime.time(15, 0))
        match = factories.MatchFactory(mission=mission, volunteer=factories.VolunteerFactory())
        for week in range(2):
            visit_on(match, datetime.date(2026, 3, 24) + datetime.timedelta(days=7 * week + n % 2))


def _plan_upcoming_queries() -> tuple[int, int]:
    """(queries of a first nightly plan, of a second one), at a fixed instant."""
    counts = []
    with time_machine.travel(paris(2026, 3, 20, 12), tick=False):
        for _run in range(2):
            with CaptureQueriesContext(connection) as captured:
                reminders_plan_upcoming()
            counts.append(len(captured))
    return counts[0], counts[1]


def test_the_nightly_plan_makes_as_many_queries_for_many_visits_as_for_few(association_a):
    _matches_with_visits(association_a, 2)
    few = _plan_upcoming_queries()
    rows = Notification.objects.count()
    _matches_with_visits(association_a, 6)
    many = _plan_upcoming_queries()
    assert Notification.objects.count() == 4 * rows  # the visits did get their reminders
    assert few == many
