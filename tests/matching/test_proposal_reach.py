"""A coordinator proposes missions only to volunteers they may already see: anyone else answers
exactly as an id that does not exist, so proposing cannot be used to probe volunteers. A pending
association reaches no volunteer at all, and is told why."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from liens.models import Notification
from missions.matching import services
from missions.models import Match, Membership
from tests import factories
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

TUESDAY = 1
NOBODY = 987654


def _volunteer(**extra):
    extra = {"latitude": 45.7745, "longitude": 4.8290, **extra}
    volunteer = factories.VolunteerFactory(**extra)
    factories.AvailabilitySlotFactory(
        volunteer=volunteer, weekday=TUESDAY, start=datetime.time(14), end=datetime.time(18)
    )
    return volunteer


@pytest.fixture
def mission(association_a):
    beneficiary = factories.BeneficiaryFactory(association=association_a, latitude=45.7790, longitude=4.8320)
    return factories.MissionFactory(
        beneficiary=beneficiary, weekday=TUESDAY, local_time=datetime.time(15, 0), duration_minutes=90
    )


@pytest.fixture
def outsiders():
    """Volunteers outside coordinator A's view: approved far away, and approved nearby but
    breaking a rule (phone calls only): neither is suggested, neither is on A's desk."""
    marseille = _volunteer(
        postcode="13001",
        latitude=43.2965,
        longitude=5.3698,
        user=factories.UserFactory(first_name="Secret", last_name="Marseille"),
    )
    calls_only = _volunteer(
        visit_kinds=["phone_call"], user=factories.UserFactory(first_name="Discret", last_name="Lyonnais")
    )
    return [marseille, calls_only]


def _page_answer(user, mission, volunteer_id):
    """The page's answer: its status and the messages it leaves (a fresh client, so none pile up)."""
    client = Client()
    client.force_login(user)
    response = client.post(reverse("matching:propose", args=[mission.pk]), {"volunteer": volunteer_id})
    return response.status_code, response["Location"], [str(m) for m in get_messages(response.wsgi_request)]


def test_proposing_to_someone_outside_one_s_view_answers_as_for_nobody(
    coordinator_a, coordinator_a_client, mission, outsiders
):
    nobody_page = _page_answer(coordinator_a, mission, NOBODY)
    nobody_api = coordinator_a_client.post(reverse("matching_api:propose", args=[mission.pk]), {"volunteer": NOBODY})
    assert nobody_api.status_code == 400
    for outsider in outsiders:
        assert _page_answer(coordinator_a, mission, outsider.pk) == nobody_page
        api = coordinator_a_client.post(reverse("matching_api:propose", args=[mission.pk]), {"volunteer": outsider.pk})
        assert (api.status_code, api.json()) == (nobody_api.status_code, nobody_api.json())
        text = api.content.decode() + " ".join(nobody_page[2])
        assert outsider.user.last_name not in text and "non remplies" not in text and "Not met" not in text
    assert not Match.objects.exists()
    assert not Notification.objects.filter(kind="match_proposed").exists()


def test_a_suggested_volunteer_is_proposed_as_before(coordinator_a_client, mission):
    candidate = _volunteer()
    response = coordinator_a_client.post(
        reverse("matching_api:propose", args=[mission.pk]), {"volunteer": candidate.pk}
    )
    assert response.status_code == 201
    assert Match.objects.get().volunteer == candidate


def test_someone_on_the_desk_may_be_told_which_rules_they_break(coordinator_a_client, mission):
    waiting = _volunteer(vetting_state=Volunteer.Vetting.PENDING, approved_at=None)  # on A's desk, not vetted
    response = coordinator_a_client.post(reverse("matching_api:propose", args=[mission.pk]), {"volunteer": waiting.pk})
    assert response.status_code == 400
    assert "non remplies" in response.json()["volunteer"][0] or "Not met" in response.json()["volunteer"][0]
    assert not Match.objects.exists()


# --- a pending association ------------------------------------------------------------------


@pytest.fixture
def pending():
    association = factories.AssociationFactory(name="En attente", validated_at=None)
    manager = factories.UserFactory()
    factories.MembershipFactory(user=manager, association=association, role=Membership.Role.MANAGER)
    beneficiary = factories.BeneficiaryFactory(association=association, latitude=45.7790, longitude=4.8320)
    # Open, as if published: the refusal must not rest on the mission's status alone.
    mission = factories.MissionFactory(
        beneficiary=beneficiary, weekday=TUESDAY, local_time=datetime.time(15, 0), duration_minutes=90
    )
    return manager, mission


def test_a_pending_association_gets_no_suggestions_proposals_or_batch(client, pending):
    manager, mission = pending
    candidate = _volunteer(user=factories.UserFactory(first_name="Visible", last_name="Partout"))
    client.force_login(manager)

    page = client.get(reverse("matching:suggestions", args=[mission.pk]))
    assert page.status_code == 403
    assert "attend sa validation" in page.content.decode() and "Partout" not in page.content.decode()
    api = client.get(reverse("matching_api:suggestions", args=[mission.pk]))
    assert api.status_code == 403 and "validation" in api.json()["detail"]
    assert "Partout" not in client.get(reverse("association:mission", args=[mission.pk])).content.decode()

    proposed = client.post(reverse("matching_api:propose", args=[mission.pk]), {"volunteer": candidate.pk})
    assert proposed.status_code == 403 and "validation" in proposed.json()["detail"]
    _status, _where, said = _page_answer(manager, mission, candidate.pk)
    assert len(said) == 1 and "validation" in said[0]
    batch = client.post(reverse("matching_api:batch"), {"association": mission.association_id})
    assert batch.status_code == 403 and "validation" in batch.json()["detail"]
    batch_page = client.post(reverse("matching:batch"), {"association": mission.association_id})
    assert "validation" in " ".join(str(m) for m in get_messages(batch_page.wsgi_request))
    with pytest.raises(Exception) as refused:
        services.match_propose(mission=mission, volunteer=candidate, by=manager)
    assert getattr(refused.value, "code", None) == "forbidden"
    assert not Match.objects.exists()
    assert not Notification.objects.filter(recipient=candidate.user).exists()
