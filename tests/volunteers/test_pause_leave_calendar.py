"""Pause until a date, leave the programme, and reset the calendar address (the feed itself is
tested with the volunteer's side of missions, tests/missions_volunteer/test_calendar_feed.py)."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from liens.models import Notification, User
from missions.models import Contact, Match, Visit
from tests import factories
from volunteers.models import AvailabilitySlot, Volunteer
from volunteers.services import volunteer_leave, volunteer_pause

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(volunteer, association_a):
    person = factories.BeneficiaryFactory(
        association=association_a,
        first_name="Simone",
        last_name="Rivière",
        address="5 rue Dumenge",
        neighbourhood="Croix-Rousse",
    )
    return factories.MatchFactory(
        volunteer=volunteer, mission=factories.MissionFactory(beneficiary=person, title="Visite du mardi")
    )


# --- calendar ------------------------------------------------------------------------------


def test_resetting_the_token_kills_the_old_feed_url(volunteer_client, client, volunteer):
    old = volunteer.calendar_token
    page = volunteer_client.get(reverse("volunteers:calendar")).content.decode()
    assert old in page and "webcal://" in page
    volunteer_client.post(reverse("volunteers:calendar_reset"))
    volunteer.refresh_from_db()
    assert volunteer.calendar_token != old
    gone = client.get(reverse("volunteers:calendar_feed", args=[old]))
    assert gone.status_code == 404 and "ne fonctionne plus" in gone.content.decode()
    assert client.get(reverse("volunteers:calendar_feed", args=[volunteer.calendar_token])).status_code == 200
    api = volunteer_client.post("/api/volunteer/calendar/reset/").json()
    volunteer.refresh_from_db()
    assert api["url"].endswith(f"/volunteer/calendar/{volunteer.calendar_token}.ics")
    assert client.get(reverse("volunteers:calendar_feed", args=["made-up-token"])).status_code == 404


def test_the_calendar_reset_is_a_post(volunteer_client, volunteer):
    assert volunteer_client.get(reverse("volunteers:calendar_reset")).status_code == 405


# --- pause ---------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [-3, 0, 400])
def test_a_pause_needs_a_date_after_today_within_a_year(volunteer_client, volunteer, days):
    until = timezone.localdate() + datetime.timedelta(days=days)
    response = volunteer_client.post(reverse("volunteers:pause"), {"until": until.isoformat(), "reason": "Vacances"})
    assert response.status_code == 400
    assert "après aujourd’hui" in response.content.decode() or "un an au plus" in response.content.decode()
    api = volunteer_client.post("/api/volunteer/pause/", {"until": until.isoformat()}, content_type="application/json")
    assert api.status_code == 400 and "until" in api.json()
    volunteer.refresh_from_db()
    assert volunteer.paused_until is None


def test_pausing_asks_matching_to_cover_and_resuming_ends_it(volunteer_client, volunteer, match, monkeypatch):
    from missions.matching import services as matching

    calls = []
    real = matching.cover_propose_for_pause
    monkeypatch.setattr(matching, "cover_propose_for_pause", lambda **kw: calls.append(kw) or real(**kw))
    until = timezone.localdate() + datetime.timedelta(days=14)
    volunteer_client.post(reverse("volunteers:pause"), {"until": until.isoformat(), "reason": "Vacances"})
    volunteer.refresh_from_db()
    assert (volunteer.paused_until, volunteer.pause_reason) == (until, "Vacances")
    assert calls == [{"volunteer": volunteer, "until": until}]
    assert "Vous êtes en pause jusqu’au" in volunteer_client.get(reverse("volunteers:home")).content.decode()
    volunteer_client.post(reverse("volunteers:resume"))
    volunteer.refresh_from_db()
    assert volunteer.paused_until is None


# --- leave ---------------------------------------------------------------------------------


def test_leaving_erases_the_person_but_keeps_the_anonymous_ledger(volunteer_client, volunteer, match):
    from missions.ledger import contact_record

    user = volunteer.user
    user.phone = "+33612345678"
    user.save()
    factories.AvailabilitySlotFactory(volunteer=volunteer)
    past = factories.VisitFactory(
        match=match,
        starts_at=timezone.now() - datetime.timedelta(days=3),
        ends_at=timezone.now() - datetime.timedelta(days=3) + datetime.timedelta(hours=1),
        status=Visit.Status.DONE,
    )
    contact_record(
        beneficiary=match.mission.beneficiary, kind="visit", occurred_at=past.starts_at, volunteer=volunteer, visit=past
    )
    future = factories.VisitFactory(match=match)
    Notification.objects.create(recipient=user, channel="email", kind="reminder", dedup_key="x:1")

    page = volunteer_client.post(reverse("volunteers:leave"), {"confirm": "yes"}, follow=True)
    assert "données personnelles ont été effacées" in page.content.decode()

    user = User.objects.get(pk=user.pk)
    assert user.email.endswith("@anonyme.invalid") and "volunteer" not in user.email
    assert (user.first_name, user.last_name, user.phone, user.is_active, user.has_usable_password()) == (
        "",
        "",
        "",
        False,
        False,
    )
    assert not EmailAddress.objects.filter(user=user).exists()
    v = Volunteer.objects.get(pk=volunteer.pk)
    assert (v.postcode, v.address, v.city, v.latitude, v.longitude, v.interests) == ("", "", "", None, None, [])
    assert v.left_at is not None
    assert not AvailabilitySlot.objects.filter(volunteer=v).exists()
    match.refresh_from_db()
    assert match.status == Match.Status.ENDED
    future.refresh_from_db()
    assert future.status == Visit.Status.CANCELLED
    assert Contact.objects.get(visit=past).volunteer_id == v.pk  # the history stays, anonymous
    assert Notification.objects.get(dedup_key="x:1").status == Notification.Status.CANCELLED
    # Signed out, and the old credentials no longer work.
    assert volunteer_client.get(reverse("volunteers:home")).status_code == 302
    assert not volunteer_client.login(email="volunteer@exemple.fr", password=factories.PASSWORD)


PAUSES = []


def record_pause(**kwargs):
    """Stands in for the demand side's function in the test below."""
    PAUSES.append(kwargs)


def test_a_pause_calls_the_function_the_setting_names(volunteer, settings):
    settings.LIENS_VOLUNTEER_PAUSED = f"{__name__}.record_pause"
    PAUSES.clear()
    until = timezone.localdate() + datetime.timedelta(days=14)
    volunteer_pause(volunteer=volunteer, until=until)
    assert [(call["volunteer"].pk, call["until"]) for call in PAUSES] == [(volunteer.pk, until)]


def test_without_the_named_functions_pause_and_leave_still_work_and_leave_matches_alone(volunteer, match, settings):
    # The volunteers app imports nothing from missions: the matches change only through the
    # functions the settings name. Without them, nothing covers and nothing ends.
    settings.LIENS_VOLUNTEER_PAUSED = ""
    settings.LIENS_VOLUNTEER_LEAVING = ""
    volunteer_pause(volunteer=volunteer, until=timezone.localdate() + datetime.timedelta(days=14))
    volunteer_leave(volunteer=volunteer)
    match.refresh_from_db()
    volunteer.refresh_from_db()
    assert volunteer.left_at is not None
    assert match.status != Match.Status.ENDED


def test_leaving_needs_the_box_ticked(volunteer_client, volunteer):
    assert volunteer_client.post(reverse("volunteers:leave"), {}).status_code == 400
    api = volunteer_client.post("/api/volunteer/leave/", {}, content_type="application/json")
    assert api.status_code == 400 and "confirm" in api.json()
    volunteer.refresh_from_db()
    assert volunteer.left_at is None and volunteer.user.is_active


def test_leaving_through_the_api(volunteer_client, volunteer):
    assert (
        volunteer_client.post("/api/volunteer/leave/", {"confirm": True}, content_type="application/json").status_code
        == 204
    )
    volunteer.refresh_from_db()
    assert volunteer.left_at is not None and not volunteer.user.is_active


def test_leaving_twice_changes_nothing(volunteer):
    volunteer_leave(volunteer=volunteer)
    email = User.objects.get(pk=volunteer.user_id).email
    volunteer_leave(volunteer=Volunteer.objects.get(pk=volunteer.pk))
    assert User.objects.get(pk=volunteer.user_id).email == email
