"""The monthly statement's figures against hand-counted fixtures, as data, CSV and PDF, and
the shortfall notice to the service's managers."""

import datetime
import zoneinfo

import pytest
import time_machine

from liens.models import Notification
from missions.liensocial import selectors
from missions.liensocial.services import plan_create, session_record, shortfalls_notify
from missions.liensocial.statement import statement_csv_rows, statement_pdf
from tests import factories

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def month_of_sessions(plan_a, person_a, service_a, coordinator_a, professional_a, association_a):
    """November 2026, counted by hand:
    Odette Marchand (plan 6 h): 60 + 90 + 45 = 195 min in 3 sessions (games, conversation ×2);
      plus one on 31 October 23:30 and one on 1 December 00:15 (Paris), in neither count.
    Lucien Perret (plan 3 h from 10 November): 60 min, 1 session (outing).
    Total: 9 h planned, 255 min = 4.25 h delivered, 4 sessions.
    """
    lucien = factories.BeneficiaryFactory(association=association_a, first_name="Lucien", last_name="Perret")
    plan_l = plan_create(
        beneficiary=lucien,
        service=service_a,
        hours_per_month=3,
        starts_on=datetime.date(2026, 11, 10),
        by=coordinator_a,
    )

    def record(plan, starts_at, minutes, activity):
        session_record(
            plan=plan,
            professional=professional_a,
            starts_at=starts_at,
            duration_minutes=minutes,
            activity=activity,
            mood="ok",
        )

    record(plan_a, at(2026, 10, 31, 23, 30), 60, "games")
    record(plan_a, at(2026, 11, 2, 14), 60, "games")
    record(plan_a, at(2026, 11, 9, 14), 90, "conversation")
    record(plan_a, at(2026, 11, 16, 14), 45, "conversation")
    record(plan_l, at(2026, 11, 12, 10), 60, "outing")
    with time_machine.travel(at(2026, 12, 1, 9), tick=True):
        record(plan_a, at(2026, 12, 1, 0, 15), 30, "wellbeing")
    return plan_l


def test_the_statement_counts_what_a_person_counted_by_hand(month_of_sessions, service_a):
    statement = selectors.statement(service=service_a, year=2026, month=11)
    rows = {row.person: row for row in statement.rows}
    odette, lucien = rows["Odette Marchand"], rows["Lucien Perret"]
    assert (odette.planned_minutes, odette.delivered_minutes, len(odette.dates)) == (360, 195, 3)
    assert dict(odette.activities) == {"games": 1, "conversation": 2}
    assert (lucien.planned_minutes, lucien.delivered_minutes, dict(lucien.activities)) == (180, 60, {"outing": 1})
    assert (statement.planned_minutes, statement.delivered_minutes) == (540, 255)


def test_the_csv_and_the_pdf_show_the_same_figures(month_of_sessions, service_a):
    statement = selectors.statement(service=service_a, year=2026, month=11)
    rows = statement_csv_rows(statement)
    lines = {row[0]: row for row in rows[1:]}
    assert lines["Lucien Perret"][1:4] == ["3.00", "1.00", "1"]
    assert lines["Odette Marchand"][1:4] == ["6.00", "3.25", "3"]
    assert lines["Odette Marchand"][5] == "02/11, 09/11, 16/11"
    assert rows[-1][1:4] == ["9.00", "4.25", "4"]
    pdf = statement_pdf(statement)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000


def test_one_persons_statement_has_only_their_line(month_of_sessions, service_a):
    statement = selectors.statement(service=service_a, year=2026, month=11, plan=month_of_sessions)
    assert [row.person for row in statement.rows] == ["Lucien Perret"]


def test_the_manager_hears_of_a_shortfall_once_in_the_months_last_week(
    plan_a, professional_a, manager_a, month_of_sessions
):
    # 18 November: twelve days left, too early.
    assert shortfalls_notify() == 0
    with time_machine.travel(at(2026, 11, 24, 8, 10), tick=True):
        written = shortfalls_notify()
        assert written >= 2  # both plans are behind, one message each (per channel)
        assert shortfalls_notify() == 0  # the dedup key: once per plan and month
    notices = Notification.objects.filter(kind="lien_social_shortfall")
    assert set(notices.values_list("recipient", flat=True)) == {manager_a.pk}
    assert {key.split(":")[2] for key in notices.values_list("dedup_key", flat=True)} == {
        str(plan_a.pk),
        str(month_of_sessions.pk),
    }


def test_a_plan_delivered_in_full_is_no_shortfall(plan_a, professional_a, manager_a):
    for day in (2, 3, 4):
        session_record(
            plan=plan_a,
            professional=professional_a,
            starts_at=at(2026, 11, day, 14),
            duration_minutes=120,
            activity="games",
            mood="good",
        )
    with time_machine.travel(at(2026, 11, 28, 8, 10), tick=True):
        assert shortfalls_notify() == 0
