"""The one-tap "I can't come" link: valid, reused, tampered, expired, outdated — never a 500."""

import datetime
import html
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from liens.models import Notification
from missions.models import Visit
from missions.visits import services as visit_services
from missions.visits.links import cant_come_token, cant_come_url
from missions.visits.services import visit_move
from tests import factories

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=PARIS)


@pytest.fixture
def visit(weekly_match):
    starts_at = datetime.datetime(2026, 3, 31, 15, 0, tzinfo=PARIS)
    return factories.VisitFactory(
        match=weekly_match,
        occurrence=starts_at.date(),
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=90),
    )


@pytest.fixture
def substitutes(monkeypatch):
    """Records the calls the visits services make to matching's substitute_propose."""
    calls = []

    def fake(*, visit):
        calls.append(visit.pk)

    monkeypatch.setattr(visit_services, "substitute_propose", fake)
    return calls


def link_path(visit) -> str:
    return reverse("visits:cant_come", args=[cant_come_token(visit, visit.match.volunteer.user)])


def test_the_link_shows_a_confirm_page_and_a_post_cancels_tells_the_coordinator_and_asks_for_a_substitute(
    visit, anonymous_client, coordinator_a, substitutes
):
    with time_machine.travel(NOW, tick=False):
        assert cant_come_url(visit, visit.match.volunteer.user).startswith("http")
        page = anonymous_client.get(link_path(visit))
        assert page.status_code == 200
        assert 'name="reason"' in page.content.decode()
        visit.refresh_from_db()
        assert visit.status == "scheduled"  # a GET (or a link preview) changes nothing

        done = anonymous_client.post(link_path(visit), {"reason": "Grippe"})
    assert done.status_code == 200
    visit.refresh_from_db()
    assert (visit.status, visit.cancel_reason, visit.cancelled_by) == (
        "cancelled",
        "Grippe",
        visit.match.volunteer.user,
    )
    told = Notification.objects.get(kind="visit_cancelled", recipient=coordinator_a)
    assert "Grippe" in told.body_text and "ne peut pas venir" in told.body_text
    assert substitutes == [visit.pk]
    assert not Notification.objects.filter(kind="visit_called_off").exists()  # the volunteer knows already


def test_a_used_link_gets_a_clear_page_and_does_nothing_more(visit, anonymous_client, coordinator_a, substitutes):
    with time_machine.travel(NOW, tick=False):
        anonymous_client.post(link_path(visit), {"reason": ""})
        again_get = anonymous_client.get(link_path(visit))
        again_post = anonymous_client.post(link_path(visit), {"reason": "again"})
    for response in (again_get, again_post):
        assert response.status_code == 410
        assert "Cette visite est déjà annulée" in response.content.decode()
    assert Notification.objects.filter(kind="visit_cancelled").count() == 1
    assert substitutes == [visit.pk]


def test_a_tampered_link_is_refused_with_a_clear_page(visit, anonymous_client):
    token = cant_come_token(visit, visit.match.volunteer.user)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    with time_machine.travel(NOW, tick=False):
        response = anonymous_client.post(reverse("visits:cant_come", args=[forged]), {"reason": "x"})
        garbage = anonymous_client.get(reverse("visits:cant_come", args=["not-a-token"]))
    assert response.status_code == 400 and garbage.status_code == 400
    assert "Ce lien n'est pas valide" in html.unescape(response.content.decode())
    visit.refresh_from_db()
    assert visit.status == "scheduled"


def test_a_link_for_someone_else_is_refused(visit, anonymous_client):
    stranger = factories.UserFactory()
    with time_machine.travel(NOW, tick=False):
        path = reverse("visits:cant_come", args=[cant_come_token(visit, stranger)])
        response = anonymous_client.post(path, {"reason": ""})
    assert response.status_code == 400
    visit.refresh_from_db()
    assert visit.status == "scheduled"


def test_an_expired_link_gets_a_clear_page(visit, anonymous_client, settings):
    settings.LIENS_CANT_COME_LINK_DAYS = 5
    with time_machine.travel(NOW, tick=False):
        path = link_path(visit)
    with time_machine.travel(NOW + datetime.timedelta(days=6), tick=False):
        response = anonymous_client.post(path, {"reason": ""})
    assert response.status_code == 410
    assert "Ce lien a expiré" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == "scheduled"


def test_the_link_dies_when_the_visit_starts(visit, anonymous_client):
    with time_machine.travel(NOW, tick=False):
        path = link_path(visit)
    with time_machine.travel(visit.starts_at + datetime.timedelta(minutes=5), tick=False):
        response = anonymous_client.get(path)
    assert response.status_code == 410


def test_a_link_from_before_a_move_no_longer_works(visit, anonymous_client):
    with time_machine.travel(NOW, tick=False):
        path = link_path(visit)
        visit_move(visit=visit, by=None, starts_at=datetime.datetime(2026, 4, 1, 10, 0, tzinfo=PARIS), reason="")
        response = anonymous_client.post(path, {"reason": ""})
    assert response.status_code == 410
    assert "Cette visite a été déplacée" in response.content.decode()
    assert Visit.objects.get(pk=visit.pk).status == "scheduled"


def test_a_too_long_reason_keeps_what_was_typed_and_says_why(visit, anonymous_client):
    with time_machine.travel(NOW, tick=False):
        response = anonymous_client.post(link_path(visit), {"reason": "x" * 250})
    assert response.status_code == 200
    body = response.content.decode()
    assert "x" * 250 in body and "errorlist" in body
    assert Visit.objects.get(pk=visit.pk).status == "scheduled"
