"""Coordinator pages and the API: what staff see, what outsiders do not (404), constant queries."""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from missions.matching import services
from missions.matching.reviews import reviews_due_soon
from missions.matching.selectors import mission_suggestions, volunteer_recommendations
from missions.models import Match, Mission
from tests import factories

pytestmark = pytest.mark.django_db

TUESDAY = 1


def _candidate(**extra):
    extra = {"latitude": 45.7745, "longitude": 4.8290, **extra}
    volunteer = factories.VolunteerFactory(user__password=None, **extra)
    factories.AvailabilitySlotFactory(
        volunteer=volunteer, weekday=TUESDAY, start=datetime.time(14), end=datetime.time(18)
    )
    return volunteer


@pytest.fixture
def mission(association_a):
    beneficiary = factories.BeneficiaryFactory(
        association=association_a, latitude=45.7790, longitude=4.8320, interests=["gardening", "board_games"]
    )
    return factories.MissionFactory(
        beneficiary=beneficiary, weekday=TUESDAY, local_time=datetime.time(15, 0), duration_minutes=90
    )


@pytest.fixture
def candidate():
    return _candidate(interests=["board_games", "gardening"])


@pytest.fixture
def proposal(mission, candidate, coordinator_a):
    return services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)


# --- pages ----------------------------------------------------------------------------------------


def test_the_suggestions_page_lists_volunteers_with_plain_reasons(coordinator_a_client, mission, candidate):
    response = coordinator_a_client.get(reverse("matching:suggestions", args=[mission.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert str(candidate) in page
    assert "0,6 km" in page  # French number formatting
    assert "jeux de société, jardinage" in page
    assert "libre le mardi après-midi" in page
    assert reverse("matching:propose", args=[mission.pk]) in page


def test_reasons_follow_the_active_language(mission, candidate):
    with translation.override("en"):
        (suggestion,) = mission_suggestions(mission=mission)
        assert "0.6 km" in suggestion.reasons
        assert "free on tuesday afternoons" in [r.lower() for r in suggestion.reasons]
    with translation.override("fr"):
        (suggestion,) = mission_suggestions(mission=mission)
        assert "0,6 km" in suggestion.reasons


def test_continuity_is_said_in_words(mission, candidate):
    factories.MatchFactory(
        volunteer=candidate,
        mission=factories.MissionFactory(beneficiary=mission.beneficiary),
        status="ended",
        ended_at=timezone.now(),
    )
    with translation.override("fr"):
        (suggestion,) = mission_suggestions(mission=mission)
    assert suggestion.parts["continuity"] == 1.0
    assert f"a déjà rendu visite à {mission.beneficiary.display_name}" in suggestion.reasons


def test_a_part_that_weighs_nothing_is_neither_counted_nor_shown(mission, candidate):
    association = mission.association
    association.preferences = {"matching_weights": {"interests": 0}}
    association.save()
    (suggestion,) = mission_suggestions(mission=Mission.objects.get(pk=mission.pk))
    interests = next(part for part in suggestion.explained if part.name == "interests")
    assert interests.weight == 0 and interests.value > 0
    assert interests.reason is None
    assert not any("jardinage" in reason or "gardening" in reason for reason in suggestion.reasons)
    assert suggestion.score == pytest.approx(sum(p.weight * p.value for p in suggestion.explained))


def test_proposing_from_the_page(coordinator_a_client, mission, candidate):
    response = coordinator_a_client.post(reverse("matching:propose", args=[mission.pk]), {"volunteer": candidate.pk})
    match = Match.objects.get(mission=mission, volunteer=candidate)
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:match", args=[match.pk])
    again = coordinator_a_client.post(
        reverse("matching:propose", args=[mission.pk]), {"volunteer": candidate.pk}, follow=True
    )
    assert again.status_code == 200
    assert Match.objects.filter(mission=mission).count() == 1  # refused with a message, no 500


def test_the_match_page_runs_the_lifecycle(coordinator_a_client, proposal, candidate):
    services.match_accept(match=proposal, volunteer=candidate)
    url = reverse("matching:match", args=[proposal.pk])
    assert "Enregistrer la visite de présentation" in coordinator_a_client.get(url).content.decode()
    bad = coordinator_a_client.post(
        reverse("matching:match-action", args=[proposal.pk, "introduce"]), {"on": "2999-01-01"}
    )
    assert bad.status_code == 400
    assert "2999-01-01" in bad.content.decode()  # what was typed stays
    assert 'aria-invalid="true"' in bad.content.decode()
    today = timezone.localdate().isoformat()
    assert (
        coordinator_a_client.post(
            reverse("matching:match-action", args=[proposal.pk, "introduce"]), {"on": today}
        ).status_code
        == 302
    )
    assert (
        coordinator_a_client.post(reverse("matching:match-action", args=[proposal.pk, "activate"])).status_code == 302
    )
    proposal.refresh_from_db()
    assert proposal.status == Match.Status.ACTIVE
    ended = coordinator_a_client.post(
        reverse("matching:match-action", args=[proposal.pk, "end"]), {"reason": "Déménagement"}
    )
    assert ended["Location"] == reverse("matching:suggestions", args=[proposal.mission_id])  # rematch offered


def test_the_batch_button_writes_proposals_for_the_association(coordinator_a_client, mission, candidate, association_a):
    response = coordinator_a_client.post(reverse("matching:batch"), {"association": association_a.pk})
    assert response.status_code == 302
    match = Match.objects.get(mission=mission)
    assert (match.volunteer, match.status, match.proposed_by) == (candidate, Match.Status.PROPOSED, None)
    page = coordinator_a_client.get(reverse("matching:proposals")).content.decode()
    assert str(candidate) in page


def test_the_suggestions_partial_renders_with_the_mission_page_context(rf, mission, candidate, coordinator_a):
    request = rf.get("/")
    request.user = coordinator_a
    html = render_to_string(
        "missions/matching/_suggestions.html",
        {"mission": mission, "suggestions": mission_suggestions(mission=mission)},
        request=request,
    )
    assert str(candidate) in html and 'name="volunteer"' in html


def test_the_reviews_partial_shows_the_association_s_own_reviews_due(mission, candidate, coordinator_a):
    match = services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)
    Match.objects.filter(pk=match.pk).update(status="active", next_review_on=timezone.localdate())
    due = reviews_due_soon([mission.association_id])
    html = render_to_string("missions/matching/_reviews_due.html", {"reviews_due": due})
    assert reverse("matching:match", args=[match.pk]) in html
    other = reviews_due_soon([factories.AssociationFactory().pk])
    assert "missions/matching" not in render_to_string("missions/matching/_reviews_due.html", {"reviews_due": other})


# --- outsiders --------------------------------------------------------------------------------------


def test_another_association_s_coordinator_gets_404_everywhere(coordinator_b_client, mission, candidate, proposal):
    pages = [
        ("get", reverse("matching:suggestions", args=[mission.pk]), {}),
        ("post", reverse("matching:propose", args=[mission.pk]), {"volunteer": candidate.pk}),
        ("get", reverse("matching:match", args=[proposal.pk]), {}),
        ("post", reverse("matching:match-action", args=[proposal.pk, "decline"]), {"reason": "x"}),
        ("post", reverse("matching:batch"), {"association": mission.association_id}),
        ("get", reverse("matching_api:suggestions", args=[mission.pk]), {}),
        ("post", reverse("matching_api:propose", args=[mission.pk]), {"volunteer": candidate.pk}),
        ("get", reverse("matching_api:match", args=[proposal.pk]), {}),
        ("post", reverse("matching_api:match-decline", args=[proposal.pk]), {"reason": "x"}),
        ("post", reverse("matching_api:batch"), {"association": mission.association_id}),
    ]
    for method, url, data in pages:
        response = getattr(coordinator_b_client, method)(url, data)
        assert response.status_code == 404, url
    proposal.refresh_from_db()
    assert proposal.status == Match.Status.PROPOSED
    assert Match.objects.count() == 1
    assert str(candidate) not in coordinator_b_client.get(reverse("matching:proposals")).content.decode()


def test_a_volunteer_sees_no_staff_page(volunteer_client, mission, proposal):
    assert volunteer_client.get(reverse("matching:suggestions", args=[mission.pk])).status_code == 404
    assert volunteer_client.get(reverse("matching:proposals")).status_code == 404
    assert volunteer_client.get(reverse("matching_api:proposals")).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(anonymous_client, mission):
    response = anonymous_client.get(reverse("matching:suggestions", args=[mission.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert anonymous_client.get(reverse("matching_api:suggestions", args=[mission.pk])).status_code in (401, 403)


def test_an_admin_sees_every_association(admin_client_, mission, candidate):
    assert admin_client_.get(reverse("matching:suggestions", args=[mission.pk])).status_code == 200


# --- API ------------------------------------------------------------------------------------------


def test_the_api_suggests_proposes_and_refuses_with_field_details(coordinator_a_client, mission, candidate):
    found = coordinator_a_client.get(reverse("matching_api:suggestions", args=[mission.pk])).json()
    assert found[0]["volunteer"] == candidate.pk
    assert set(found[0]["parts"]) == {"distance", "interests", "slack", "continuity", "load", "reliability"}
    assert found[0]["reasons"] and found[0]["explained"][0]["label"]
    created = coordinator_a_client.post(reverse("matching_api:propose", args=[mission.pk]), {"volunteer": candidate.pk})
    assert created.status_code == 201 and created.json()["status"] == "proposed"
    refused = coordinator_a_client.post(reverse("matching_api:propose", args=[mission.pk]), {"volunteer": candidate.pk})
    assert refused.status_code == 400 and "volunteer" in refused.json()
    assert coordinator_a_client.post(reverse("matching_api:propose", args=[mission.pk]), {}).status_code == 400


def test_the_api_runs_the_lifecycle(coordinator_a_client, proposal, candidate):
    services.match_accept(match=proposal, volunteer=candidate)
    bad = coordinator_a_client.post(reverse("matching_api:match-introduce", args=[proposal.pk]), {"on": "demain"})
    assert bad.status_code == 400 and "on" in bad.json()
    today = timezone.localdate().isoformat()
    assert (
        coordinator_a_client.post(
            reverse("matching_api:match-introduce", args=[proposal.pk]), {"on": today}
        ).status_code
        == 200
    )
    active = coordinator_a_client.post(reverse("matching_api:match-activate", args=[proposal.pk]))
    assert active.json()["status"] == "active" and active.json()["next_review_on"]
    paused = coordinator_a_client.post(reverse("matching_api:match-pause", args=[proposal.pk]), {"reason": "Hôpital"})
    assert paused.json()["pause_reason"] == "Hôpital"
    ended = coordinator_a_client.post(reverse("matching_api:match-end", args=[proposal.pk]), {"reason": "Fin"})
    assert ended.json()["status"] == "ended" and ended.json()["end_reason"] == "Fin"


def test_the_api_batch_and_lists(coordinator_a_client, mission, candidate, association_a):
    result = coordinator_a_client.post(reverse("matching_api:batch"), {"association": association_a.pk}).json()
    assert result["proposed"] == 1 and result["missions_covered"] == 1
    assert len(coordinator_a_client.get(reverse("matching_api:proposals")).json()) == 1
    assert coordinator_a_client.get(reverse("matching_api:reviews-due")).json() == []


def test_a_volunteer_gets_recommendations_from_the_api(volunteer, mission, client):
    volunteer.latitude, volunteer.longitude = 45.7745, 4.8290
    volunteer.save()
    factories.AvailabilitySlotFactory(
        volunteer=volunteer, weekday=TUESDAY, start=datetime.time(14), end=datetime.time(18)
    )
    client.force_login(volunteer.user)
    found = client.get(reverse("matching_api:recommendations")).json()
    assert [row["mission"] for row in found] == [mission.pk]


def test_every_matching_endpoint_is_in_the_schema(admin_client_):
    schema = admin_client_.get("/api/schema/").content.decode()
    for path in [
        "/api/matching/missions/{mission_id}/suggestions/",
        "/api/matching/missions/{mission_id}/proposals/",
        "/api/matching/batch/",
        "/api/matching/proposals/",
        "/api/matching/reviews-due/",
        "/api/matching/recommendations/",
        "/api/matching/matches/{match_id}/",
        "/api/matching/matches/{match_id}/introduce/",
        "/api/matching/matches/{match_id}/activate/",
        "/api/matching/matches/{match_id}/pause/",
        "/api/matching/matches/{match_id}/end/",
        "/api/matching/matches/{match_id}/decline/",
        "/api/matching/matches/{match_id}/review/",
    ]:
        assert path in schema, path


# --- constant queries -------------------------------------------------------------------------------


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def _crowd(count: int, mission) -> None:
    for i in range(count):
        volunteer = _candidate(latitude=45.7745 + i * 1e-5)
        factories.MatchFactory(volunteer=volunteer, mission=factories.MissionFactory(), status="ended",
                               ended_at=timezone.now())  # fmt: skip


def test_suggestions_take_the_same_queries_for_5_or_50_candidates(mission):
    loaded = Mission.objects.select_related("beneficiary", "association").get(pk=mission.pk)
    _crowd(5, mission)
    few = _queries(lambda: mission_suggestions(mission=loaded))
    assert len(mission_suggestions(mission=loaded)) == 5
    _crowd(45, mission)
    many = _queries(lambda: mission_suggestions(mission=loaded, limit=50))
    assert len(mission_suggestions(mission=loaded, limit=50)) == 50
    assert few == many <= 3


def test_recommendations_take_the_same_queries_for_5_or_50_missions(association_a):
    volunteer = _candidate()

    def missions(count):
        for _ in range(count):
            person = factories.BeneficiaryFactory(association=association_a, latitude=45.7790, longitude=4.8320)
            factories.MissionFactory(beneficiary=person, weekday=TUESDAY, local_time=datetime.time(15))

    missions(5)
    few = _queries(lambda: volunteer_recommendations(volunteer=volunteer))
    assert len(volunteer_recommendations(volunteer=volunteer)) == 5
    missions(45)
    many = _queries(lambda: volunteer_recommendations(volunteer=volunteer, limit=50))
    assert len(volunteer_recommendations(volunteer=volunteer, limit=50)) == 50
    assert few == many


def test_recommendations_take_a_loaded_volunteer_as_it_is(association_a):
    """A volunteer read whole is not read again (3 queries); one read with its profile columns
    deferred is (4). Both get the same missions, in the same order, with the same scores."""
    from volunteers.models import Volunteer

    volunteer = _candidate()
    for _ in range(3):
        person = factories.BeneficiaryFactory(association=association_a, latitude=45.7790, longitude=4.8320)
        factories.MissionFactory(beneficiary=person, weekday=TUESDAY, local_time=datetime.time(15))
    loaded = Volunteer.objects.get(pk=volunteer.pk)
    deferred = Volunteer.objects.only("id", "user_id").get(pk=volunteer.pk)
    assert _queries(lambda: volunteer_recommendations(volunteer=loaded)) == 3
    assert _queries(lambda: volunteer_recommendations(volunteer=deferred)) == 4

    def found(v):
        return [(s.mission.pk, s.score, s.parts, s.distance_km) for s in volunteer_recommendations(volunteer=v)]

    assert len(found(loaded)) == 3
    assert found(loaded) == found(deferred)


def test_the_suggestions_page_does_a_bounded_number_of_queries(
    coordinator_a_client, mission, django_assert_max_num_queries
):
    _crowd(30, mission)
    with django_assert_max_num_queries(14):
        assert coordinator_a_client.get(reverse("matching:suggestions", args=[mission.pk])).status_code == 200


# --- who started a match: the volunteer who offered, a coordinator, or the nightly proposals ---


def test_a_match_the_volunteer_offered_says_so_and_not_by_liens(mission, candidate, coordinator_a_client):
    match = services.match_offer(mission=mission, volunteer=candidate)
    assert match.proposed_by == candidate.user
    for url in (reverse("matching:match", args=[match.pk]), reverse("matching:proposals")):
        page = coordinator_a_client.get(url).content.decode()
        assert "proposé par le bénévole" in page
        assert "par Liens" not in page
    page = coordinator_a_client.get(reverse("association:mission", args=[mission.pk])).content.decode()
    assert "proposé par le bénévole" in page


def test_a_coordinator_s_proposal_names_them_and_a_nightly_one_says_liens(
    mission, candidate, coordinator_a, coordinator_a_client
):
    proposed = services.match_propose(mission=mission, volunteer=candidate, by=coordinator_a)
    page = coordinator_a_client.get(reverse("matching:match", args=[proposed.pk])).content.decode()
    assert f"proposé par {coordinator_a}" in page
    Match.objects.filter(pk=proposed.pk).update(proposed_by=None)
    page = coordinator_a_client.get(reverse("matching:match", args=[proposed.pk])).content.decode()
    assert "proposé par Liens" in page and "proposé par le bénévole" not in page


def test_the_proposals_list_pages_by_20_in_a_constant_number_of_queries(
    association_a, coordinator_a_client, django_assert_num_queries
):
    url = reverse("matching:proposals")
    factories.MatchFactory(mission=factories.MissionFactory(association=association_a), status="proposed")
    with CaptureQueriesContext(connection) as few:
        coordinator_a_client.get(url)
    for _ in range(21):
        factories.MatchFactory(mission=factories.MissionFactory(association=association_a), status="proposed")
    with django_assert_num_queries(len(few.captured_queries)):
        page = coordinator_a_client.get(url).content.decode()
    assert page.count('<li class="card">') == 20 and "?page=2" in page
    assert coordinator_a_client.get(url, {"page": 2}).content.decode().count('<li class="card">') == 2
