"""Missions for me, offers, proposals, and what a volunteer may know of a person when."""

import json

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from liens.models import SensitiveAccess
from missions.models import Match, Message
from tests import factories, queries
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(association_a):
    return factories.BeneficiaryFactory(
        association=association_a,
        first_name="Simone",
        last_name="Rivière",
        birth_year=1938,
        phone="04 78 12 34 56",
        address="5 rue Dumenge",
        neighbourhood="Croix-Rousse",
        access_notes="Code porte 4512B, 3e étage",
        practical_tips="Parler fort, elle entend mal",
        interests=["gardening", "cards"],
    )


@pytest.fixture
def mission(person):
    return factories.MissionFactory(beneficiary=person, title="Visite du mardi")


@pytest.fixture
def free_tuesday(volunteer):
    factories.AvailabilitySlotFactory(volunteer=volunteer)
    volunteer.profile_steps_done = ["availability", "place", "interests", "kinds", "charter", "notifications"]
    volunteer.save()
    return volunteer


SECRETS = ["Rivière", "RIVIÈRE", "5 rue Dumenge", "04 78 12 34 56", "4512B", "Parler fort"]


def _assert_no_secret(text: str):
    for secret in SECRETS:
        assert secret not in text, secret


def test_missions_for_me_shows_the_safe_card_only(volunteer_client, free_tuesday, mission):
    page = volunteer_client.get(reverse("volunteers:missions")).content.decode()
    assert "Simone R." in page
    assert "80–89 ans" in page
    assert "Croix-Rousse" in page
    assert "jardinage" in page
    assert "Chaque mardi à 15:00 (1 h 30)" in page
    assert " km" in page
    _assert_no_secret(page)


def test_the_api_recommendations_carry_the_same_safe_card(volunteer_client, free_tuesday, mission):
    body = volunteer_client.get("/api/volunteer/missions/")
    assert body.status_code == 200
    cards = body.json()
    assert cards[0]["person"] == "Simone R." and cards[0]["mission_id"] == mission.pk
    assert cards[0]["distance_km"] < 1
    _assert_no_secret(json.dumps(cards, ensure_ascii=False))


def test_offering_to_take_a_mission_makes_an_accepted_match(volunteer_client, free_tuesday, mission):
    response = volunteer_client.post(reverse("volunteers:mission_offer", args=[mission.pk]))
    assert response.status_code == 302
    match = Match.objects.get(volunteer=free_tuesday, mission=mission)
    assert match.status == Match.Status.ACCEPTED
    # Accepted is not active: still no address.
    _assert_no_secret(volunteer_client.get(reverse("volunteers:mission_detail", args=[mission.pk])).content.decode())
    _assert_no_secret(volunteer_client.get(f"/api/volunteer/matches/{match.pk}/").content.decode())
    assert not SensitiveAccess.objects.exists()


def test_an_unapproved_volunteer_cannot_offer_for_a_home_visit_and_sees_nothing_private(
    volunteer_client, free_tuesday, mission
):
    Volunteer.objects.filter(pk=free_tuesday.pk).update(vetting_state=Volunteer.Vetting.PENDING, approved_at=None)
    page = volunteer_client.get(reverse("volunteers:missions")).content.decode()
    _assert_no_secret(page)
    volunteer_client.post(reverse("volunteers:mission_offer", args=[mission.pk]))
    response = volunteer_client.post(f"/api/volunteer/missions/{mission.pk}/offer/")
    assert response.status_code == 400 and "volunteer" in response.json()
    assert not Match.objects.exists()
    _assert_no_secret(volunteer_client.get(f"/api/volunteer/missions/{mission.pk}/").content.decode())
    _assert_no_secret(volunteer_client.get(reverse("volunteers:mission_detail", args=[mission.pk])).content.decode())


def test_a_proposal_is_accepted_then_the_details_appear_once_active_and_go_when_it_ends(
    volunteer_client, free_tuesday, mission, coordinator_a
):
    from missions.matching.life import match_activate, match_end, match_introduce
    from missions.matching.services import match_propose

    match = match_propose(mission=mission, volunteer=free_tuesday, by=coordinator_a)
    page = volunteer_client.get(reverse("volunteers:missions")).content.decode()
    assert "Proposées pour vous" in page
    _assert_no_secret(page)

    volunteer_client.post(reverse("volunteers:match_accept", args=[match.pk]))
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED
    _assert_no_secret(volunteer_client.get(reverse("volunteers:mission_detail", args=[mission.pk])).content.decode())

    match_introduce(match=match, by=coordinator_a, on=timezone.localdate())
    match_activate(match=match, by=coordinator_a)
    detail = volunteer_client.get(reverse("volunteers:mission_detail", args=[mission.pk])).content.decode()
    for secret in ["Simone Rivière", "5 rue Dumenge", "04 78 12 34 56", "4512B", "Parler fort"]:
        assert secret in detail
    api = volunteer_client.get(f"/api/volunteer/matches/{match.pk}/").json()
    assert api["contact"]["address"] == "5 rue Dumenge"
    access = SensitiveAccess.objects.filter(user=free_tuesday.user, subject=f"beneficiary:{mission.beneficiary_id}")
    assert access.count() == 2

    match_end(match=match, by=coordinator_a, reason="Déménagement")
    _assert_no_secret(volunteer_client.get(reverse("volunteers:mission_detail", args=[mission.pk])).content.decode())
    _assert_no_secret(volunteer_client.get(f"/api/volunteer/matches/{match.pk}/").content.decode())
    assert access.count() == 2


def test_declining_a_proposal_needs_a_reason(volunteer_client, free_tuesday, mission, coordinator_a):
    from missions.matching.services import match_propose

    match = match_propose(mission=mission, volunteer=free_tuesday, by=coordinator_a)
    url = reverse("volunteers:match_decline", args=[match.pk])
    response = volunteer_client.post(url, {"reason": ""})
    assert response.status_code == 400 and "obligatoire" in response.content.decode()
    api = volunteer_client.post(
        f"/api/volunteer/matches/{match.pk}/decline/", {"reason": ""}, content_type="application/json"
    )
    assert api.status_code == 400 and "reason" in api.json()
    match.refresh_from_db()
    assert match.status == Match.Status.PROPOSED
    volunteer_client.post(url, {"reason": "Trop loin pour moi"})
    match.refresh_from_db()
    assert match.status == Match.Status.DECLINED and match.end_reason == "Trop loin pour moi"


def test_someone_elses_match_and_a_closed_mission_are_404(client, volunteer_client, free_tuesday, mission):
    other = factories.MatchFactory(mission=mission, status=Match.Status.PROPOSED)
    assert volunteer_client.post(reverse("volunteers:match_accept", args=[other.pk])).status_code == 404
    assert volunteer_client.get(reverse("volunteers:match_decline", args=[other.pk])).status_code == 404
    assert volunteer_client.get(f"/api/volunteer/matches/{other.pk}/").status_code == 404
    draft = factories.MissionFactory(status="draft")
    assert volunteer_client.get(reverse("volunteers:mission_detail", args=[draft.pk])).status_code == 404
    assert volunteer_client.get(f"/api/volunteer/missions/{draft.pk}/").status_code == 404


def test_an_active_match_of_someone_else_never_opens_the_details(volunteer_client, free_tuesday, mission):
    factories.MatchFactory(mission=mission, status=Match.Status.ACTIVE)
    page = volunteer_client.get(reverse("volunteers:mission_detail", args=[mission.pk])).content.decode()
    _assert_no_secret(page)
    assert not SensitiveAccess.objects.exists()


def test_the_missions_page_does_a_constant_number_of_queries(
    volunteer_client, free_tuesday, association_a, django_assert_max_num_queries
):
    Volunteer.objects.filter(pk=free_tuesday.pk).update(max_commitments=10)
    for _ in range(6):
        factories.MissionFactory(beneficiary=factories.BeneficiaryFactory(association=association_a))
    for status in (Match.Status.ACCEPTED, Match.Status.PROPOSED, Match.Status.PROPOSED):
        factories.MatchFactory(volunteer=free_tuesday, status=status)
    # User, memberships with the volunteer (and the session without Redis: tests.queries); the matches;
    # the recommendations (3: the volunteer's row is the one the page read); the unread messages.
    # An accepted match listed answers whether to suggest installing the app.
    with django_assert_max_num_queries(7 + queries.SESSION):
        response = volunteer_client.get(reverse("volunteers:missions"))
    assert response.content.decode().count('class="card mission"') == 9


def test_the_missions_page_sends_its_independent_reads_together(volunteer_client, free_tuesday, association_a):
    """The matches, the unread messages and the ranking's first query in one round trip on
    PostgreSQL; the ranking's missions after it (they depend on its slots)."""
    open_mission = factories.MissionFactory(beneficiary=factories.BeneficiaryFactory(association=association_a))
    proposed = factories.MatchFactory(volunteer=free_tuesday, status=Match.Status.PROPOSED)
    ended = factories.MatchFactory(volunteer=free_tuesday, status=Match.Status.ENDED, ended_at=timezone.now())
    for match in (proposed, ended):
        Message.objects.create(match=match, side=Message.Side.STAFF, body="Bonjour !", sent_at=timezone.now())
    sent = []

    def watch(execute, sql, params, many, context):
        sent.append((getattr(context["connection"].connection, "_pipeline", None) is not None, sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        response = volunteer_client.get(reverse("volunteers:missions"))
    together = [sql for pipelined, sql in sent if pipelined]
    if connection.vendor == "postgresql":
        # The live matches, the ranking's facts (a UNION of plain SQL), the unread messages.
        marks = ['"missions_match"."proposed_at"', "CAST(1 AS BIGINT)", '"missions_message"']
        assert len(together) == 3 and all(any(mark in sql for sql in together) for mark in marks)
        # Then the ranking's missions in reach, the rows of those it chose, the install hint.
        assert len(sent) <= 7
    else:
        assert together == []
    # The badges are the listed matches' (the ended match's message is not one of them).
    assert response.context["unread"] == {proposed.pk: 1}
    # The proposal is listed, and its mission is not recommended again; the ended match's is.
    assert [item.match for item in response.context["proposed"]] == [proposed]
    assert {card.mission_id for card in response.context["cards"]} == {open_mission.pk, ended.mission_id}


def test_nothing_private_anywhere_before_the_match_is_active(volunteer_client, free_tuesday, mission, coordinator_a):
    """Every page and endpoint a volunteer can reach, with a proposed then an accepted match."""
    from missions.matching.services import match_propose

    match = match_propose(mission=mission, volunteer=free_tuesday, by=coordinator_a)
    factories.VisitFactory(match=match)

    def everything() -> str:
        pages = ["home", "missions", "visits", "profile", "vetting", "calendar"]
        texts = [volunteer_client.get(reverse(f"volunteers:{name}")).content.decode() for name in pages]
        texts.append(volunteer_client.get(reverse("volunteers:mission_detail", args=[mission.pk])).content.decode())
        for path in ["missions/", f"missions/{mission.pk}/", "matches/", f"matches/{match.pk}/", "visits/"]:
            texts.append(volunteer_client.get(f"/api/volunteer/{path}").content.decode())
        texts.append(
            volunteer_client.get(
                reverse("volunteers:calendar_feed", args=[free_tuesday.calendar_token])
            ).content.decode()
        )
        return json.dumps(texts, ensure_ascii=False)

    _assert_no_secret(everything())
    volunteer_client.post(reverse("volunteers:match_accept", args=[match.pk]))
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED
    _assert_no_secret(everything())
    assert not SensitiveAccess.objects.exists()
