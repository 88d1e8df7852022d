"""The coordinators' digest, and the staff pages it links to."""

import datetime
import html
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from liens.models import Notification
from missions.models import Membership, Mission, Visit
from missions.visits.digest import digest_send, digests_send_all
from tests import factories

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
MORNING = datetime.datetime(2026, 4, 2, 7, 30, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _signed_in_that_morning(fixed_clock):
    """Each test starts at 05:30 on the digest's morning, so the staff it signs in are still
    signed in at 07:30: a staff session ends 12 hours after sign-in. (Signed in at TEST_NOW,
    they would be signed out on a morning more than 12 hours later, e.g. from the March DST night.)
    """
    fixed_clock.move_to(MORNING - datetime.timedelta(hours=2))


def ended_visit(match, *, days_ago=1, status=Visit.Status.SCHEDULED, **extra) -> Visit:
    starts_at = MORNING - datetime.timedelta(days=days_ago, hours=2)
    return factories.VisitFactory(
        match=match,
        occurrence=starts_at.date(),
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=90),
        status=status,
        **extra,
    )


def test_nothing_is_sent_when_there_is_nothing_to_say(weekly_match, coordinator_a):
    with time_machine.travel(MORNING, tick=False):
        assert digest_send(association=weekly_match.mission.association) == 0
        assert digests_send_all() == 0
        call_command("send_digests")
    assert not Notification.objects.filter(kind="coordinator_digest").exists()


def test_a_visit_without_report_makes_one_digest_per_staff_member_per_day(
    weekly_match, coordinator_a, realtime_coordinator
):
    ended_visit(weekly_match)
    with time_machine.travel(MORNING, tick=False):
        assert digests_send_all() == 2
        assert digests_send_all() == 0  # the same morning again: nothing new
    digests = Notification.objects.filter(kind="coordinator_digest")
    assert {row.recipient_id for row in digests} == {coordinator_a.pk, realtime_coordinator.pk}
    french = digests.get(recipient=coordinator_a)
    assert "1 visite sans compte rendu" in french.body_text and "Jeanne D." in french.body_text
    english = digests.get(recipient=realtime_coordinator)
    assert english.subject.startswith("What needs attention today")
    with time_machine.travel(MORNING + datetime.timedelta(days=1), tick=False):
        assert digests_send_all() == 2  # a new day, still unreported: said again


def test_the_digest_lists_cancellations_unconfirmed_visits_and_unfilled_missions(weekly_match, coordinator_a):
    association = weekly_match.mission.association
    ahead = MORNING + datetime.timedelta(days=3)
    with time_machine.travel(MORNING - datetime.timedelta(hours=3), tick=False):
        factories.VisitFactory(
            match=weekly_match,
            occurrence=ahead.date(),
            starts_at=ahead,
            ends_at=ahead + datetime.timedelta(hours=1),
            status=Visit.Status.CANCELLED,
            cancelled_by=weekly_match.volunteer.user,
            cancel_reason="Grippe",
        )
        ended_visit(weekly_match, days_ago=3, status=Visit.Status.UNCONFIRMED)
    with time_machine.travel(MORNING - datetime.timedelta(days=10), tick=False):
        factories.MissionFactory(
            beneficiary=factories.BeneficiaryFactory(association=association), title="Appels du jeudi"
        )
    with time_machine.travel(MORNING, tick=False):
        assert digest_send(association=association) == 1
    text = Notification.objects.get(kind="coordinator_digest").body_text
    assert "Grippe" in text
    assert "non confirmées" in text
    assert "Appels du jeudi" in text


def test_staff_see_their_associations_visits_needing_attention(
    weekly_match, coordinator_a_client, django_assert_max_num_queries
):
    for days in (1, 2, 3):
        ended_visit(weekly_match, days_ago=days)
    with time_machine.travel(MORNING, tick=False), django_assert_max_num_queries(15):
        response = coordinator_a_client.get(reverse("visits:attention"))
    assert response.status_code == 200
    assert "3 visites sans compte rendu" in html.unescape(response.content.decode())


def test_outsiders_see_nothing_of_another_associations_visits(weekly_match, coordinator_b_client, volunteer_client):
    visit = ended_visit(weekly_match)
    with time_machine.travel(MORNING, tick=False):
        page = coordinator_b_client.get(reverse("visits:attention"))
        assert "Jeanne" not in page.content.decode()
        assert coordinator_b_client.get(reverse("visits:staff_cancel", args=[visit.pk])).status_code == 404
        assert (
            coordinator_b_client.post(reverse("visits:staff_cancel", args=[visit.pk]), {"reason": "x"}).status_code
            == 404
        )
        assert coordinator_b_client.post(reverse("visits:staff_move", args=[visit.pk]), {}).status_code == 404
        assert volunteer_client.get(reverse("visits:attention")).status_code == 404
    visit.refresh_from_db()
    assert visit.status == "scheduled"


def test_a_coordinator_cancels_an_upcoming_visit_and_the_volunteer_is_told(
    weekly_match, coordinator_a, coordinator_a_client
):
    ahead = MORNING + datetime.timedelta(days=2)
    visit = factories.VisitFactory(
        match=weekly_match, occurrence=ahead.date(), starts_at=ahead, ends_at=ahead + datetime.timedelta(hours=1)
    )
    with time_machine.travel(MORNING, tick=False):
        empty = coordinator_a_client.post(reverse("visits:staff_cancel", args=[visit.pk]), {"reason": ""})
        assert empty.status_code == 200 and "errorlist" in empty.content.decode()
        done = coordinator_a_client.post(reverse("visits:staff_cancel", args=[visit.pk]), {"reason": "Hospitalisée"})
    assert done.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "cancelled" and visit.cancelled_by == coordinator_a
    called_off = Notification.objects.get(kind="visit_called_off")
    assert called_off.recipient == weekly_match.volunteer.user and "Hospitalisée" in called_off.body_text


def test_a_coordinator_moves_a_visit_in_local_time(weekly_match, coordinator_a_client):
    ahead = MORNING + datetime.timedelta(days=2)
    visit = factories.VisitFactory(
        match=weekly_match, occurrence=ahead.date(), starts_at=ahead, ends_at=ahead + datetime.timedelta(hours=1)
    )
    with time_machine.travel(MORNING, tick=False):
        past = coordinator_a_client.post(
            reverse("visits:staff_move", args=[visit.pk]), {"day": "2026-03-01", "at": "10:00"}
        )
        assert "Choisissez un moment à venir." in html.unescape(past.content.decode())
        moved = coordinator_a_client.post(
            reverse("visits:staff_move", args=[visit.pk]), {"day": "2026-04-06", "at": "16:15"}
        )
    assert moved.status_code == 302
    visit.refresh_from_db()
    assert visit.starts_at == datetime.datetime(2026, 4, 6, 16, 15, tzinfo=PARIS)
    assert visit.ends_at - visit.starts_at == datetime.timedelta(hours=1)


def test_staff_choose_real_time_or_daily(coordinator_a, coordinator_a_client):
    response = coordinator_a_client.post(reverse("visits:digest_mode"), {"digest_mode": "realtime"})
    assert response.status_code == 302
    assert Membership.objects.get(user=coordinator_a).digest_mode == "realtime"
    coordinator_a_client.post(reverse("visits:digest_mode"), {"digest_mode": "hourly"})
    assert Membership.objects.get(user=coordinator_a).digest_mode == "realtime"


def test_an_open_mission_short_of_volunteers_is_listed_until_it_is_closed(weekly_match, coordinator_a):
    association = weekly_match.mission.association
    Mission.objects.filter(pk=weekly_match.mission_id).update(
        volunteers_needed=2, created_at=MORNING - datetime.timedelta(days=30)
    )
    with time_machine.travel(MORNING, tick=False):
        assert digest_send(association=association) == 1
    Mission.objects.filter(pk=weekly_match.mission_id).update(status=Mission.Status.CLOSED)
    with time_machine.travel(MORNING + datetime.timedelta(days=1), tick=False):
        assert digest_send(association=association) == 0
