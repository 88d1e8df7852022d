"""The conversation on both sides' pages and in the API: in place and without JavaScript, read
on opening, closed once the match ends, 404 for anyone outside it, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from missions.conversations import services
from missions.models import ConversationRead, Match, Message
from tests import factories

pytestmark = pytest.mark.django_db

IN_PLACE = {"HTTP_HX_REQUEST": "true"}


def _urls(match) -> dict[str, str]:
    return {
        "volunteer_page": reverse("volunteers:conversation", args=[match.pk]),
        "staff_page": reverse("matching:conversation", args=[match.pk]),
        "volunteer_api": reverse("api-volunteer-match-messages", args=[match.pk]),
        "volunteer_api_read": reverse("api-volunteer-match-messages-read", args=[match.pk]),
        "staff_api": reverse("matching_api:match-messages", args=[match.pk]),
        "staff_api_read": reverse("matching_api:match-messages-read", args=[match.pk]),
    }


# --- both sides, on their pages ---------------------------------------------------------------


def test_the_volunteer_writes_from_the_mission_page_without_javascript(match, volunteer_client, coordinator_a):
    page = reverse("volunteers:mission_detail", args=[match.mission_id])
    response = volunteer_client.post(
        reverse("volunteers:conversation", args=[match.pk]), {"body": "Je peux venir jeudi.", "next": page}
    )
    assert response.status_code == 302 and response["Location"] == page + "#conversation"
    assert "Je peux venir jeudi." in volunteer_client.get(page).content.decode()
    assert Message.objects.get().side == "volunteer"


def test_the_coordinator_reads_and_answers_on_the_match_page_in_place(
    match, volunteer, coordinator_a, coordinator_a_client
):
    services.message_post(match=match, by=volunteer.user, body="Bonjour, une question.")
    page = coordinator_a_client.get(reverse("matching:match", args=[match.pk])).content.decode()
    assert "Bonjour, une question." in page and 'id="conversation"' in page
    assert '<a href="#conversation">' in page and 'class="badge unread"' in page  # above the fold
    assert ConversationRead.objects.get(match=match, user=coordinator_a).last_read_id == Message.objects.get().pk

    response = coordinator_a_client.post(
        reverse("matching:conversation", args=[match.pk]), {"body": "Bien sûr, je vous écoute."}, **IN_PLACE
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<section id="conversation"')
    assert "Bien sûr, je vous écoute." in body and "<html" not in body


def test_an_empty_message_comes_back_with_its_field_error_in_place_and_without_javascript(match, volunteer_client):
    url = reverse("volunteers:conversation", args=[match.pk])
    plain = volunteer_client.post(url, {"body": "   "})
    assert plain.status_code == 400 and 'aria-invalid="true"' in plain.content.decode()
    in_place = volunteer_client.post(url, {"body": ""}, **IN_PLACE)
    assert 'aria-invalid="true"' in in_place.content.decode()
    assert not Message.objects.exists()


def test_an_ended_match_shows_its_messages_and_says_it_takes_no_more(match, volunteer, volunteer_client):
    services.message_post(match=match, by=volunteer.user, body="Merci pour ces mois.")
    Match.objects.filter(pk=match.pk).update(status=Match.Status.ENDED, ended_at=timezone.now())
    url = reverse("volunteers:conversation", args=[match.pk])
    page = volunteer_client.get(url).content.decode()
    assert "Merci pour ces mois." in page and "<textarea" not in page
    assert volunteer_client.post(url, {"body": "Encore un mot"}).status_code == 400
    assert Message.objects.count() == 1


def test_unread_messages_show_on_the_volunteers_home_and_lists_until_read(
    match, volunteer, volunteer_client, coordinator_a
):
    services.message_post(match=match, by=coordinator_a, body="Un petit mot")
    services.message_post(match=match, by=coordinator_a, body="Et un autre")
    home = volunteer_client.get(reverse("volunteers:home")).content.decode()
    assert reverse("volunteers:conversation", args=[match.pk]) in home
    assert "2" in home.split('id="messages-title"')[1].split("</section>")[0]
    badge = ' <span class="badge unread">{}</span>'
    missions = volunteer_client.get(reverse("volunteers:missions"), headers={"accept-language": "en"})
    assert badge.format("2 new messages") in missions.content.decode()
    volunteer_client.cookies["django_language"] = "fr"
    missions = volunteer_client.get(reverse("volunteers:missions")).content.decode()
    assert badge.format("2 nouveaux messages") in missions
    volunteer_client.get(reverse("volunteers:conversation", args=[match.pk]))
    assert 'id="messages-title"' not in volunteer_client.get(reverse("volunteers:home")).content.decode()
    assert 'class="badge unread"' not in volunteer_client.get(reverse("volunteers:missions")).content.decode()
    services.message_post(match=match, by=coordinator_a, body="Encore un")
    assert badge.format("1 nouveau message") in volunteer_client.get(reverse("volunteers:missions")).content.decode()


def test_staff_lists_show_the_unread_badge(match, volunteer, coordinator_a_client):
    Match.objects.filter(pk=match.pk).update(status=Match.Status.PROPOSED)
    services.message_post(match=match, by=volunteer.user, body="Une question avant d'accepter")
    for url in (reverse("matching:proposals"), reverse("association:mission", args=[match.mission_id])):
        assert 'class="badge unread"' in coordinator_a_client.get(url).content.decode(), url


# --- outsiders ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator_b_client", "admin_client_", "other_volunteer"])
def test_anyone_outside_the_conversation_gets_404_on_its_pages_and_api(match, volunteer, who, request):
    services.message_post(match=match, by=volunteer.user, body="Privé")
    if who == "other_volunteer":
        client = request.getfixturevalue("client")
        client.force_login(factories.VolunteerFactory().user)
    else:
        client = request.getfixturevalue(who)
    for name, url in _urls(match).items():
        assert client.get(url).status_code in (404, 405), name
        assert client.post(url, {"body": "Intrus"}).status_code == 404, name
    assert Message.objects.count() == 1


def test_the_volunteer_cannot_use_the_staff_side(match, volunteer_client):
    urls = _urls(match)
    assert volunteer_client.get(urls["staff_page"]).status_code == 404
    assert volunteer_client.post(urls["staff_api"], {"body": "x"}).status_code == 404


# --- API -----------------------------------------------------------------------------------------------


def test_the_api_lists_posts_and_marks_read_on_both_sides(match, volunteer_client, coordinator_a_client):
    urls = _urls(match)
    posted = volunteer_client.post(urls["volunteer_api"], {"body": "Bonjour !"}, content_type="application/json")
    assert posted.status_code == 201 and posted.json()["side"] == "volunteer" and posted.json()["mine"]

    listed = coordinator_a_client.get(urls["staff_api"]).json()
    assert (listed["unread"], listed["is_open"], listed["messages"][0]["body"]) == (1, True, "Bonjour !")
    assert coordinator_a_client.get(urls["staff_api"]).json()["unread"] == 1  # listing marks nothing read
    read = coordinator_a_client.post(urls["staff_api_read"], {}, content_type="application/json")
    assert read.json() == {"read_up_to": posted.json()["id"]}
    assert coordinator_a_client.get(urls["staff_api"]).json()["unread"] == 0

    answer = coordinator_a_client.post(urls["staff_api"], {"body": "Bonjour"}, content_type="application/json")
    assert answer.status_code == 201
    assert volunteer_client.get(urls["volunteer_api"]).json()["unread"] == 1


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": "x" * 2001}, {"body": ["liste"]}])
def test_bad_api_input_is_a_400_on_the_field(match, volunteer_client, body):
    response = volunteer_client.post(_urls(match)["volunteer_api"], body, content_type="application/json")
    assert response.status_code == 400 and "body" in response.json()


def test_the_api_refuses_a_message_on_an_ended_match_with_a_400(match, coordinator_a_client):
    Match.objects.filter(pk=match.pk).update(status=Match.Status.ENDED, ended_at=timezone.now())
    response = coordinator_a_client.post(
        _urls(match)["staff_api"], {"body": "Trop tard"}, content_type="application/json"
    )
    assert response.status_code == 400 and "body" in response.json()


def test_the_read_endpoint_refuses_a_negative_id(match, volunteer_client):
    response = volunteer_client.post(_urls(match)["volunteer_api_read"], {"up_to": -1}, content_type="application/json")
    assert response.status_code == 400 and "up_to" in response.json()


# --- constant queries ---------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _chat(match, volunteer, coordinator, count: int) -> None:
    for i in range(count):
        services.message_post(match=match, by=volunteer.user, body=f"v{i}")
        services.message_post(match=match, by=coordinator, body=f"c{i}")


@pytest.mark.parametrize("side", ["volunteer", "staff"])
def test_the_conversation_pages_read_the_same_queries_for_2_or_40_messages(
    match, volunteer, coordinator_a, volunteer_client, coordinator_a_client, side
):
    client = volunteer_client if side == "volunteer" else coordinator_a_client
    pages = {
        "volunteer": [
            reverse("volunteers:conversation", args=[match.pk]),
            reverse("volunteers:mission_detail", args=[match.mission_id]),
        ],
        "staff": [reverse("matching:conversation", args=[match.pk]), reverse("matching:match", args=[match.pk])],
    }[side]
    for url in pages:
        _chat(match, volunteer, coordinator_a, 1)
        few = _queries(client, url)
        _chat(match, volunteer, coordinator_a, 20)
        assert _queries(client, url) == few, url


def test_the_lists_read_the_same_queries_with_unread_messages_on_1_or_6_matches(
    match, volunteer, coordinator_a, volunteer_client, coordinator_a_client
):
    def all_counts():
        return [
            _queries(volunteer_client, reverse("volunteers:home")),
            _queries(volunteer_client, reverse("volunteers:missions")),
            _queries(coordinator_a_client, reverse("association:mission", args=[match.mission_id])),
        ]

    _chat(match, volunteer, coordinator_a, 1)
    services.message_post(match=match, by=volunteer.user, body="non lu")
    few = all_counts()
    for _ in range(5):
        other = factories.MatchFactory(
            volunteer=volunteer, mission=factories.MissionFactory(beneficiary=match.mission.beneficiary)
        )
        _chat(other, volunteer, coordinator_a, 2)
        services.message_post(match=other, by=volunteer.user, body="non lu")
    assert all_counts() == few
