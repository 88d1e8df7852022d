"""Escalation: an alert nobody acknowledges goes to the coordinators again, then the managers."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from liens.models import Notification
from missions.alerts.services import alert_acknowledge, alert_raise_urgent, alerts_escalate
from missions.alerts.sweep import isolation_sweep
from missions.models import AlertEvent, IsolationAlert, Membership
from tests import factories
from tests.alerts.conftest import report_on, visit_of

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def manager_a(association_a):
    return factories.MembershipFactory(association=association_a, role=Membership.Role.MANAGER).user


def _escalations(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, kind="alert_escalated", channel="email").values_list(
            "dedup_key", flat=True
        )
    )


def test_an_unacknowledged_alert_goes_to_coordinators_then_managers_and_never_twice(follow, coordinator_a, manager_a):
    follow(days_silent=10)
    isolation_sweep()
    alert = IsolationAlert.objects.get()
    assert alerts_escalate() == 0  # not yet: 24 hours to acknowledge

    with time_machine.travel(timezone.now() + 25 * HOUR):
        assert alerts_escalate() == 1
        assert alerts_escalate() == 0  # run twice: nothing more
    alert.refresh_from_db()
    assert alert.escalation_level == 1
    assert len(_escalations(coordinator_a)) == 1
    assert _escalations(manager_a) == []

    with time_machine.travel(timezone.now() + 50 * HOUR):
        assert alerts_escalate() == 1
        assert alerts_escalate() == 0
    alert.refresh_from_db()
    assert alert.escalation_level == 2
    assert alert.escalate_after is None  # managers told: the job stops chasing
    assert len(_escalations(manager_a)) == 1
    assert len(_escalations(coordinator_a)) == 1
    levels = [event.data["level"] for event in alert.events.filter(kind=AlertEvent.Kind.ESCALATED)]
    assert levels == [1, 2]


def test_an_urgent_alert_escalates_after_an_hour_by_sms_too(follow, coordinator_a):
    coordinator_a.phone = "+33611111111"
    coordinator_a.save()
    alert_raise_urgent(report=report_on(visit_of(follow(days_silent=1)), concerns=["suicide"]))
    with time_machine.travel(timezone.now() + 61 * datetime.timedelta(minutes=1)):
        assert alerts_escalate() == 1
    channels = Notification.objects.filter(recipient=coordinator_a, kind="alert_escalated").values_list(
        "channel", flat=True
    )
    assert set(channels) == {"email", "sms"}


def test_an_acknowledged_alert_does_not_escalate(follow, coordinator_a):
    follow(days_silent=10)
    isolation_sweep()
    alert_acknowledge(alert=IsolationAlert.objects.get(), by=coordinator_a)
    with time_machine.travel(timezone.now() + 30 * HOUR):
        assert alerts_escalate() == 0
    assert not Notification.objects.filter(kind="alert_escalated").exists()


def test_rising_severity_needs_a_fresh_acknowledgement(follow, coordinator_a):
    follow(days_silent=10)
    isolation_sweep()
    alert = IsolationAlert.objects.get()
    alert_acknowledge(alert=alert, by=coordinator_a)
    with time_machine.travel(timezone.now() + 5 * datetime.timedelta(days=1)):
        isolation_sweep()
    alert.refresh_from_db()
    assert alert.severity == IsolationAlert.Severity.OVERDUE
    assert alert.acknowledged_at is None
    assert alert.escalate_after is not None


def test_a_worse_situation_after_the_managers_were_told_tells_them_again_at_the_last_level(
    follow, coordinator_a, manager_a
):
    follow(days_silent=10)
    isolation_sweep()
    alert = IsolationAlert.objects.get()
    start = timezone.now()
    with time_machine.travel(start + 25 * HOUR):
        alerts_escalate()
    with time_machine.travel(start + 50 * HOUR):
        alerts_escalate()
    # Days later the silence has turned overdue: the sweep restarts the escalation clock.
    with time_machine.travel(start + 5 * datetime.timedelta(days=1)):
        isolation_sweep()
    alert.refresh_from_db()
    assert alert.severity == IsolationAlert.Severity.OVERDUE
    assert alert.escalate_after is not None
    with time_machine.travel(start + 7 * datetime.timedelta(days=1)):
        assert alerts_escalate() == 1
        assert alerts_escalate() == 0
    alert.refresh_from_db()
    assert alert.escalation_level == 2
    assert alert.escalate_after is None
    assert len(_escalations(manager_a)) == 2
    levels = [event.data["level"] for event in alert.events.filter(kind=AlertEvent.Kind.ESCALATED)]
    assert levels == [1, 2, 2]
