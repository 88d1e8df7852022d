"""A paused match suspends what it grants: no "I can't come" link, no calendar entry, no
reminder for its visits while it is paused; resuming brings them back."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from liens.models import Notification
from liens.outbox.dispatch import dispatch_due
from missions.matching.life import match_activate, match_pause
from missions.models import Match, Visit
from missions.visits.links import cant_come_token
from missions.visits.reminders import reminders_plan, reminders_plan_upcoming
from missions.visits.services import reports_chase
from tests import factories
from tests.outbox.fakes import Recorder, channels

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(weekly_match):
    starts_at = (timezone.now() + datetime.timedelta(days=5)).replace(microsecond=0)
    return factories.VisitFactory(
        match=weekly_match,
        occurrence=timezone.localdate(starts_at),
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=90),
    )


def _pending_reminders(visit) -> set[str]:
    rows = Notification.objects.filter(dedup_key__startswith=f"visit:{visit.pk}:", status="pending")
    return set(rows.values_list("kind", flat=True))


def _link(visit) -> str:
    return reverse("visits:cant_come", args=[cant_come_token(visit, visit.match.volunteer.user)])


def test_pausing_cancels_the_reminders_and_resuming_plans_them_again(visit, coordinator_a):
    assert reminders_plan(visit=visit) > 0
    planned = _pending_reminders(visit)
    assert "visit_reminder_eve" in planned and "visit_reminder_soon" in planned

    match_pause(match=visit.match, by=coordinator_a, reason="Hospital stay")
    assert _pending_reminders(visit) == set()
    # Neither a re-plan nor the nightly safety net writes any while paused.
    assert reminders_plan(visit=visit) == 0
    reminders_plan_upcoming()
    assert _pending_reminders(visit) == set()

    match_activate(match=visit.match, by=coordinator_a)
    assert _pending_reminders(visit) == planned


def test_nothing_goes_out_for_a_paused_match_s_visits(visit, coordinator_a):
    reminders_plan(visit=visit)
    rows = list(Notification.objects.filter(dedup_key__startswith=f"visit:{visit.pk}:", status="pending"))
    # Paused behind the planner's back (as a row planned just before the pause would be).
    Match.objects.filter(pk=visit.match_id).update(status=Match.Status.PAUSED, paused_at=timezone.now())
    recorder = Recorder()
    for row in sorted(rows, key=lambda r: r.due_at):
        with time_machine.travel(row.due_at, tick=False):
            dispatch_due(channels=channels(recorder))
    assert not set(recorder.sent) & {row.pk for row in rows}
    assert not Notification.objects.filter(pk__in=[row.pk for row in rows], status="sent").exists()


def test_the_cant_come_link_refuses_while_paused_and_works_again_after(visit, coordinator_a, anonymous_client):
    url = _link(visit)
    assert anonymous_client.get(url).status_code == 200
    match_pause(match=visit.match, by=coordinator_a, reason="Hospital stay")

    page = anonymous_client.get(url)
    assert page.status_code == 409
    assert "en pause" in page.content.decode() and "Jeanne" in page.content.decode()
    posted = anonymous_client.post(url, {"reason": "ill"})
    assert posted.status_code == 409
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SCHEDULED
    assert not Notification.objects.filter(kind="visit_cancelled").exists()

    match_activate(match=visit.match, by=coordinator_a)
    assert anonymous_client.get(url).status_code == 200


def test_the_calendar_feed_leaves_out_a_paused_match_s_visits(visit, coordinator_a, client):
    volunteer = visit.match.volunteer
    url = reverse("volunteers:calendar_feed", args=[volunteer.calendar_token])
    assert f"UID:visit-{visit.pk}@" in client.get(url).content.decode()

    match_pause(match=visit.match, by=coordinator_a, reason="Hospital stay")
    feed = client.get(url).content.decode()
    assert f"visit-{visit.pk}@" not in feed
    assert "BEGIN:VCALENDAR" in feed

    match_activate(match=visit.match, by=coordinator_a)
    assert f"UID:visit-{visit.pk}@" in client.get(url).content.decode()


def test_visits_due_during_the_pause_are_not_chased_and_are_called_off_on_resume(
    weekly_match, coordinator_a, realtime_coordinator
):
    now = timezone.now()
    match_pause(match=weekly_match, by=coordinator_a, reason="Hospital stay")
    starts_at = (now + datetime.timedelta(days=2)).replace(microsecond=0)
    during = factories.VisitFactory(
        match=weekly_match,
        occurrence=timezone.localdate(starts_at),
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=90),
    )
    later = now + datetime.timedelta(days=6)
    with time_machine.travel(later, tick=False):
        assert reports_chase() == 0
        during.refresh_from_db()
        assert during.status == Visit.Status.SCHEDULED
        assert not Notification.objects.filter(kind="visit_unconfirmed").exists()
        match_activate(match=weekly_match, by=coordinator_a)
    during.refresh_from_db()
    assert during.status == Visit.Status.CANCELLED
    assert during.cancel_reason
    assert _pending_reminders(during) == set()
