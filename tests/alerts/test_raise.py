"""Urgent-concern and missed-visit alerts: raised at once, by the report or the visit status."""

import datetime

import pytest
from django.utils import timezone

from liens.models import Notification
from missions.alerts.selectors import alert_file
from missions.alerts.services import alert_raise_missed_visits, alert_raise_urgent
from missions.alerts.sweep import isolation_sweep
from missions.models import AlertEvent, IsolationAlert, Visit
from tests import factories
from tests.alerts.conftest import report_on, visit_of

pytestmark = pytest.mark.django_db

Kind = IsolationAlert.Kind


def test_an_urgent_report_raises_an_urgent_alert_without_waiting_for_the_sweep(follow, coordinator_a):
    coordinator_a.phone = "+33612345678"
    coordinator_a.save()
    beneficiary = follow(days_silent=1)
    report = report_on(visit_of(beneficiary), concerns=["fall", "lonely"], notes="Elle est tombée hier soir.")

    alert = alert_raise_urgent(report=report)

    assert alert.kind == Kind.URGENT_CONCERN
    assert alert.severity == IsolationAlert.Severity.URGENT
    assert alert.report == report
    assert alert.escalate_after is not None
    # The row records the raising; the timeline opens with a line made from it.
    assert not alert.events.exists()
    raised = alert_file(alert=alert).events[0]
    assert raised.kind == AlertEvent.Kind.RAISED and raised.at == alert.raised_at
    assert raised.data == {"severity": IsolationAlert.Severity.URGENT, "report": report.pk, "concerns": ["fall"]}
    assert raised.author == report.submitted_by
    # At once, by SMS too.
    channels = set(
        Notification.objects.filter(recipient=coordinator_a, kind="alert_raised").values_list("channel", flat=True)
    )
    assert channels == {"email", "sms"}
    sms = Notification.objects.get(recipient=coordinator_a, channel="sms")
    assert beneficiary.first_name in sms.body_text
    assert isolation_sweep().raised == 0  # the sweep has nothing to do with it


def test_the_same_report_twice_raises_one_alert_and_sends_once(follow, coordinator_a):
    report = report_on(visit_of(follow(days_silent=1)), concerns=["health"])
    first = alert_raise_urgent(report=report)
    again = alert_raise_urgent(report=report)
    assert first.pk == again.pk
    assert IsolationAlert.objects.count() == 1
    assert not AlertEvent.objects.exists()  # no note either: the report is the alert's own
    assert Notification.objects.filter(kind="alert_raised").count() == 1


def test_a_second_urgent_report_adds_to_the_open_alert_and_needs_a_fresh_look(follow, coordinator_a):
    beneficiary = follow(days_silent=1)
    first = alert_raise_urgent(report=report_on(visit_of(beneficiary, days_ago=3), concerns=["no_food"]))
    IsolationAlert.objects.filter(pk=first.pk).update(acknowledged_at=timezone.now(), escalate_after=None)
    second = alert_raise_urgent(report=report_on(visit_of(beneficiary, days_ago=1), concerns=["fall"]))
    assert second.pk == first.pk
    second.refresh_from_db()
    assert second.acknowledged_at is None
    assert second.escalate_after is not None
    assert list(second.events.values_list("kind", flat=True)) == [AlertEvent.Kind.NOTE]
    assert [event.kind for event in alert_file(alert=second).events] == [AlertEvent.Kind.RAISED, AlertEvent.Kind.NOTE]
    assert IsolationAlert.objects.filter(kind=Kind.URGENT_CONCERN).count() == 1
    assert Notification.objects.filter(kind="alert_raised", recipient=coordinator_a, channel="email").count() == 2


def test_a_report_without_urgent_concern_raises_nothing(follow):
    report = report_on(visit_of(follow(days_silent=1)), concerns=["lonely", "admin"])
    assert alert_raise_urgent(report=report) is None
    assert not IsolationAlert.objects.exists()


def test_two_missed_visits_in_a_row_raise_a_missed_visits_alert_once(follow, coordinator_a):
    beneficiary = follow(days_silent=1)
    visit_of(beneficiary, days_ago=15, status=Visit.Status.DONE)
    visit_of(beneficiary, days_ago=8, status=Visit.Status.MISSED)
    last = visit_of(beneficiary, days_ago=1, status=Visit.Status.UNCONFIRMED)
    visit_of(beneficiary, days_ago=-6)  # next week's, still scheduled: does not count

    alert = alert_raise_missed_visits(beneficiary=beneficiary)
    assert alert.kind == Kind.MISSED_VISITS
    assert alert.started_at == last.ends_at
    assert alert_raise_missed_visits(beneficiary=beneficiary).pk == alert.pk
    assert IsolationAlert.objects.filter(kind=Kind.MISSED_VISITS).count() == 1
    assert Notification.objects.filter(kind="alert_raised", recipient=coordinator_a).count() == 1


def test_a_resolved_streak_is_not_raised_again_but_a_new_one_is(follow, coordinator_a):
    from missions.alerts.services import alert_resolve

    beneficiary = follow(days_silent=1)
    visit_of(beneficiary, days_ago=20, status=Visit.Status.MISSED)
    visit_of(beneficiary, days_ago=13, status=Visit.Status.MISSED)
    alert = alert_raise_missed_visits(beneficiary=beneficiary)
    alert_resolve(alert=alert, by=coordinator_a, reason="Le bénévole a changé de créneau.")
    assert alert_raise_missed_visits(beneficiary=beneficiary) is None

    visit_of(beneficiary, days_ago=6, status=Visit.Status.MISSED)
    assert alert_raise_missed_visits(beneficiary=beneficiary) is not None


def test_one_missed_visit_or_a_cancelled_one_raises_nothing(follow):
    beneficiary = follow(days_silent=1)
    visit_of(beneficiary, days_ago=8, status=Visit.Status.CANCELLED)
    visit_of(beneficiary, days_ago=1, status=Visit.Status.MISSED)
    assert alert_raise_missed_visits(beneficiary=beneficiary) is None
    visit_of(beneficiary, days_ago=15, status=Visit.Status.DONE)
    assert alert_raise_missed_visits(beneficiary=beneficiary) is None


def test_a_group_event_report_raises_nothing(association_a):
    mission = factories.MissionFactory(
        beneficiary=None, association=association_a, kind="group_event", title="Loto du jeudi"
    )
    visit = factories.VisitFactory(match__mission=mission, starts_at=timezone.now() - datetime.timedelta(hours=3))
    assert alert_raise_urgent(report=report_on(visit, concerns=["fall"])) is None


def test_the_volunteers_second_did_not_happen_report_raises_the_missed_visits_alert(follow, coordinator_a):
    from missions.reports import visit_report_submit

    beneficiary = follow(days_silent=1)
    visit_of(beneficiary, days_ago=8, status=Visit.Status.MISSED)
    visit = visit_of(beneficiary, days_ago=1)
    visit_report_submit(
        visit=visit, volunteer=visit.match.volunteer, happened=False, mood="", concerns=[], notes="Porte close."
    )
    alert = IsolationAlert.objects.get(beneficiary=beneficiary)
    assert alert.kind == Kind.MISSED_VISITS
    assert Notification.objects.filter(kind="alert_raised", recipient=coordinator_a).exists()


def test_the_report_chaser_raises_the_missed_visits_alert_on_a_second_silent_visit(follow, coordinator_a):
    from missions.visits.services import reports_chase

    beneficiary = follow(days_silent=1)
    visit_of(beneficiary, days_ago=10, status=Visit.Status.UNCONFIRMED)
    visit_of(beneficiary, days_ago=3)  # ended three days ago, never reported
    assert reports_chase() == 1
    assert IsolationAlert.objects.get(beneficiary=beneficiary).kind == Kind.MISSED_VISITS
