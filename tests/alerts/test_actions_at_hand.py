"""An alert's main actions are on its first screen, and the queue acknowledges in one tap:
back at the alert's card without JavaScript, or the card alone when asked in place."""

import re

import pytest
from django.urls import reverse

from missions.alerts.sweep import isolation_sweep
from missions.models import AlertEvent, IsolationAlert

pytestmark = pytest.mark.django_db

IN_PLACE = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alert_a(follow):
    follow(days_silent=12)
    isolation_sweep()
    return IsolationAlert.objects.get()


def test_acknowledge_call_and_resolve_come_before_the_facts_and_the_timeline(alert_a, coordinator_a_client):
    page = coordinator_a_client.get(reverse("alerts:detail", args=[alert_a.pk])).content.decode()
    bar = page.index('id="alert-actions"')
    for action in ("acknowledge", "call", "resolve"):
        assert (
            bar < page.index(f'action="{reverse(f"alerts:{action}", args=[alert_a.pk])}"') < page.index('class="facts"')
        )
    assert page.index('class="facts"') < page.index('id="timeline-title"')
    assert "<summary>Résoudre</summary>" not in page  # not folded away


def test_a_call_logged_in_one_tap_from_the_bar(alert_a, coordinator_a_client):
    response = coordinator_a_client.post(reverse("alerts:call", args=[alert_a.pk]), {"reached": "no"})
    assert response["Location"] == reverse("alerts:detail", args=[alert_a.pk])
    event = AlertEvent.objects.get(alert=alert_a, kind="call")
    assert event.data["reached"] is False


def test_acknowledging_from_the_bar_in_place_answers_the_bar_alone(alert_a, coordinator_a_client):
    response = coordinator_a_client.post(reverse("alerts:acknowledge", args=[alert_a.pk]), **IN_PLACE)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section class="alert-actions" id="alert-actions"') and "<html" not in page
    assert reverse("alerts:acknowledge", args=[alert_a.pk]) not in page
    alert_a.refresh_from_db()
    assert alert_a.acknowledged_at is not None


def test_acknowledging_from_the_queue_comes_back_to_the_same_queue_page_at_the_card(alert_a, coordinator_a_client):
    back = reverse("alerts:queue") + "?state=open&page=1"
    queue = coordinator_a_client.get(back).content.decode()
    assert reverse("alerts:acknowledge", args=[alert_a.pk]) in queue
    response = coordinator_a_client.post(reverse("alerts:acknowledge", args=[alert_a.pk]), {"next": back})
    assert response["Location"] == f"{back}#alert-{alert_a.pk}"
    alert_a.refresh_from_db()
    assert alert_a.acknowledged_at is not None


def test_acknowledging_from_the_queue_in_place_answers_the_card_alone(alert_a, coordinator_a_client):
    response = coordinator_a_client.post(
        reverse("alerts:acknowledge", args=[alert_a.pk]), {"next": reverse("alerts:queue")}, **IN_PLACE
    )
    page = response.content.decode()
    assert page.lstrip().startswith(f'<li class="alert-card sev-{alert_a.severity}" id="alert-{alert_a.pk}">')
    assert "<html" not in page and 'role="status"' in page
    assert reverse("alerts:acknowledge", args=[alert_a.pk]) not in page


def test_an_action_never_sends_anyone_off_the_queue(alert_a, coordinator_a_client):
    response = coordinator_a_client.post(
        reverse("alerts:acknowledge", args=[alert_a.pk]), {"next": "https://elsewhere.example/alerts/"}
    )
    assert response["Location"] == reverse("alerts:detail", args=[alert_a.pk])


def test_the_queue_filters_in_place_and_keeps_its_filters_across_pages(follow, coordinator_a_client):
    for _ in range(22):
        follow(days_silent=12)
    isolation_sweep()
    url = reverse("alerts:queue")
    response = coordinator_a_client.get(url, {"kind": "no_contact"}, **IN_PLACE)
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="alert-queue">') and "<html" not in page
    assert page.count('class="alert-card') == 20
    assert "?kind=no_contact&amp;page=2" in page


@pytest.mark.parametrize("persona", ["coordinator_a_client", "admin_client_"])
def test_the_persons_name_opens_their_file_for_staff_and_for_a_platform_admin(request, alert_a, persona):
    client = request.getfixturevalue(persona)
    page = client.get(reverse("alerts:detail", args=[alert_a.pk])).content.decode()
    link = re.search(r'<h1>.*?<a href="([^"]+)"', page, re.S).group(1).replace("&amp;", "&")
    assert link.startswith(reverse("association:beneficiary", args=[alert_a.beneficiary_id]))
    assert client.get(link).status_code == 200
