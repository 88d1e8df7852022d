"""Only the staff of a validated association vet volunteers and invite staff; nobody vets
themselves. Every path (page, API, service) is tried by everyone who must be refused, and
nothing may be written when they are."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liens.errors import DomainError
from liens.models import Notification, User
from missions.association.services import association_validate, vetting_step_record
from missions.association.staff import invitation_accept, invitation_send
from missions.models import Association, Invitation, Membership, VettingRecord
from tests import factories
from volunteers.models import Volunteer
from volunteers.vetting import vetting_record

pytestmark = pytest.mark.django_db

VALID_SIRET = "73282932000074"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pending(postcode="69003", **extra) -> Volunteer:
    return factories.VolunteerFactory(
        postcode=postcode, vetting_state=Volunteer.Vetting.PENDING, approved_at=None, **extra
    )


def _steps(volunteer) -> tuple:
    volunteer.refresh_from_db()
    return (volunteer.interview_on, volunteer.training_on, volunteer.background_check_on, volunteer.vetting_state)


@pytest.fixture
def waiting():
    """A volunteer waiting for vetting in Lyon: on every Lyon desk."""
    return _pending("69007", user=factories.UserFactory(first_name="Inès", last_name="Attente"))


@pytest.fixture
def self_registered(db):
    """A volunteer still waiting for vetting who registered an association through the API."""
    volunteer = _pending("69001", user=factories.UserFactory(first_name="Paul", last_name="Pressé"))
    client = _client(volunteer.user)
    response = client.post(
        reverse("api-association-signup"),
        {
            "name": "Mon asso à moi",
            "siret": VALID_SIRET,
            "address": "1 rue Neuve",
            "postcode": "69001",
            "city": "Lyon",
            "territory": "Métropole de Lyon",
            "contact_email": "moi@exemple.fr",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    association = Association.objects.get(pk=response.json()["id"])
    assert association.validated_at is None
    # Signing up made them its manager, and managers must set up two-factor authentication
    # before anything else; with it done, the vetting rule itself must still refuse them.
    factories.totp_enroll(volunteer.user)
    return volunteer, association, client


@pytest.fixture
def pending_manager(db):
    association = factories.AssociationFactory(name="Pas encore validée", validated_at=None)
    user = factories.UserFactory(email="manager-pending@exemple.fr")
    factories.MembershipFactory(user=user, association=association, role=Membership.Role.MANAGER)
    return user, association, _client(user)


def _nothing_written(volunteers, before_users: int, invitee: str) -> None:
    for volunteer, steps in volunteers:
        assert _steps(volunteer) == steps
    assert not VettingRecord.objects.exists()
    assert not Invitation.objects.exists()
    assert User.objects.count() == before_users
    assert not Notification.objects.filter(kind="staff_invitation").exists()
    assert not User.objects.filter(email=invitee).exists()


def _try_every_path(client, association, targets) -> dict:
    """Desk page and API, step record page and API, invitation page and API: the status of each."""
    query = f"?association={association.pk}"
    seen = {
        "desk": client.get(reverse("association:vetting") + query),
        "desk_api": client.get(reverse("api-association-vetting") + query),
    }
    for volunteer in targets:
        seen[f"record:{volunteer.pk}"] = client.post(
            reverse("association:vetting-record", args=[volunteer.pk]) + query, {"step": "interview"}
        )
        seen[f"record_api:{volunteer.pk}"] = client.post(
            reverse("api-association-vetting-record", args=[volunteer.pk]) + query,
            {"step": "background_check"},
            content_type="application/json",
        )
    seen["invite"] = client.post(
        reverse("association:staff") + query, {"email": "stranger@exemple.fr", "role": "coordinator"}
    )
    seen["invite_api"] = client.post(
        reverse("api-association-invitations") + query,
        {"email": "stranger@exemple.fr", "role": "coordinator"},
        content_type="application/json",
    )
    return seen


# --- (a) a volunteer awaiting vetting who registered an association ---------------------------


def test_a_waiting_volunteer_who_registers_an_association_vets_nobody_and_invites_nobody(self_registered, waiting):
    volunteer, association, client = self_registered
    before = [(volunteer, _steps(volunteer)), (waiting, _steps(waiting))]
    users = User.objects.count()
    seen = _try_every_path(client, association, [volunteer, waiting])

    for name in ("desk", "desk_api", "invite_api") + tuple(k for k in seen if k.startswith("record")):
        assert seen[name].status_code == 403, name
    page = seen["desk"].content.decode()
    assert "attend sa validation par la plateforme" in page
    assert "Inès" not in page and "69007" not in page
    assert "validation" in seen["desk_api"].json()["detail"]
    assert "Attente" not in seen["desk_api"].content.decode()
    assert "validation" in seen["invite_api"].json()["detail"]
    assert seen["invite"].status_code == 302
    _nothing_written(before, users, "stranger@exemple.fr")


def test_the_services_refuse_a_pending_association_by_themselves(self_registered, waiting):
    volunteer, association, _client_ = self_registered
    for target in (volunteer, waiting):
        with pytest.raises(DomainError) as refused:
            vetting_step_record(volunteer=target, step="interview", by=volunteer.user, association=association)
        assert refused.value.code == "forbidden"
        # The volunteers side asks the same rule: no association given, none of theirs is validated.
        with pytest.raises(DomainError):
            vetting_record(volunteer=target, step="interview", on=timezone.localdate(), by=volunteer.user)
    with pytest.raises(DomainError) as refused:
        invitation_send(association=association, email="x@exemple.fr", role="coordinator", by=volunteer.user)
    assert "validation" in str(refused.value.message)
    assert _steps(waiting)[:3] == (None, None, None)
    assert not Invitation.objects.exists() and not User.objects.filter(email="x@exemple.fr").exists()


# --- (b) the manager of a pending association -----------------------------------------------


def test_a_pending_association_s_manager_is_refused_everywhere_with_the_reason(pending_manager, waiting):
    user, association, client = pending_manager
    before = [(waiting, _steps(waiting))]
    users = User.objects.count()
    seen = _try_every_path(client, association, [waiting])
    assert seen["desk"].status_code == 403
    assert seen["desk_api"].status_code == 403
    assert seen[f"record:{waiting.pk}"].status_code == 403
    assert seen[f"record_api:{waiting.pk}"].status_code == 403
    assert seen["invite_api"].status_code == 403
    staff_page = client.get(reverse("association:staff")).content.decode()
    assert 'id="invite-refusal"' in staff_page and "Send the invitation" not in staff_page
    assert "Envoyer l" not in staff_page
    _nothing_written(before, users, "stranger@exemple.fr")


def test_a_pending_association_sees_no_volunteer_on_its_home_either(pending_manager, waiting):
    _user, association, client = pending_manager
    response = client.get(reverse("association:home"))
    assert response.status_code == 200
    assert response.context["attention"].volunteers_waiting == 0


# --- (c) a coordinator of another association -----------------------------------------------


def test_a_coordinator_of_another_association_reaches_nothing_of_ours(coordinator_b_client, association_a, mission_a):
    far = _pending("13001", user=factories.UserFactory(first_name="Marius", last_name="Loin"))
    factories.MatchFactory(volunteer=far, mission=mission_a, status="proposed")  # on A's desk only
    before = [(far, _steps(far))]
    users = User.objects.count()
    seen = _try_every_path(coordinator_b_client, association_a, [far])
    for name, response in seen.items():
        assert response.status_code == 404, name
    # On their own desk (B, also in Lyon) the volunteer matched with A is not there, and not writable.
    assert "Marius" not in coordinator_b_client.get(reverse("association:vetting")).content.decode()
    assert (
        coordinator_b_client.post(
            reverse("association:vetting-record", args=[far.pk]), {"step": "interview"}
        ).status_code
        == 404
    )
    assert (
        coordinator_b_client.post(
            reverse("api-association-vetting-record", args=[far.pk]), {"step": "interview"}
        ).status_code
        == 404
    )
    _nothing_written(before, users, "stranger@exemple.fr")


# --- (d) a volunteer on themselves ----------------------------------------------------------


@pytest.fixture
def coordinator_and_volunteer(association_a, coordinator_a):
    """Coordinator of validated association A, and a volunteer waiting for vetting in Lyon."""
    return _pending("69004", user=coordinator_a)


def test_nobody_vets_their_own_profile_through_any_path(coordinator_and_volunteer, coordinator_a_client):
    me = coordinator_and_volunteer
    before = _steps(me)
    desk = coordinator_a_client.get(reverse("association:vetting"))
    assert desk.status_code == 200 and f"volunteer-{me.pk}" not in desk.content.decode()
    assert me.pk not in [
        row["id"] for row in coordinator_a_client.get(reverse("api-association-vetting")).json()["results"]
    ]

    page = coordinator_a_client.post(
        reverse("association:vetting-record", args=[me.pk]), {"step": "interview"}, follow=True
    )
    assert "propre profil" in page.content.decode()
    api = coordinator_a_client.post(
        reverse("api-association-vetting-record", args=[me.pk]), {"step": "interview"}, content_type="application/json"
    )
    assert api.status_code == 403 and "propre profil" in api.json()["detail"]
    with pytest.raises(DomainError):
        vetting_step_record(
            volunteer=me, step="interview", by=me.user, association=me.user.memberships.get().association
        )
    with pytest.raises(DomainError):
        vetting_record(volunteer=me, step="interview", on=timezone.localdate(), by=me.user)
    assert _steps(me) == before
    assert not VettingRecord.objects.exists()


def test_a_platform_admin_does_not_vet_their_own_profile_either(admin_user, association_a):
    me = _pending("69004", user=admin_user)
    with pytest.raises(DomainError) as refused:
        vetting_step_record(volunteer=me, step="training", by=admin_user, association=association_a)
    assert refused.value.code == "forbidden"
    with pytest.raises(DomainError):
        vetting_record(volunteer=me, step="training", on=timezone.localdate(), by=admin_user)
    assert _steps(me)[:3] == (None, None, None)


def test_without_the_rule_configured_nobody_vets(settings, coordinator_a, waiting):
    settings.LIENS_VETTING_RULE = ""
    with pytest.raises(DomainError):
        vetting_record(volunteer=waiting, step="interview", on=timezone.localdate(), by=coordinator_a)
    assert _steps(waiting)[0] is None


# --- what a validated association's staff still do ------------------------------------------


def test_a_validated_coordinator_records_a_step_traced_to_their_association(
    coordinator_a, coordinator_a_client, association_a, waiting
):
    response = coordinator_a_client.post(
        reverse("association:vetting-record", args=[waiting.pk]), {"step": "interview"}, follow=True
    )
    assert response.status_code == 200
    assert _steps(waiting)[0] == timezone.localdate()
    record = VettingRecord.objects.get()
    assert (record.volunteer, record.step, record.association, record.recorded_by) == (
        waiting,
        "interview",
        association_a,
        coordinator_a,
    )
    desk = coordinator_a_client.get(reverse("association:vetting")).content.decode()
    assert f'id="trace-{waiting.pk}-interview"' in desk
    assert "par Voisins de la Croix-Rousse" in desk


def test_the_api_records_a_step_and_says_which_association_vouches(coordinator_a_client, association_a, waiting):
    response = coordinator_a_client.post(
        reverse("api-association-vetting-record", args=[waiting.pk]),
        {"step": "training"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["recorded_by"] == [
        {
            "step": "training",
            "done_on": timezone.localdate().isoformat(),
            "association": association_a.pk,
            "association_name": association_a.name,
        }
    ]
    listed = coordinator_a_client.get(reverse("api-association-vetting")).json()["results"]
    assert [row["recorded_by"][0]["association_name"] for row in listed if row["id"] == waiting.pk] == [
        association_a.name
    ]


def test_a_step_recorded_by_one_association_stands_for_every_association(
    coordinator_a, coordinator_b_client, association_a, waiting
):
    vetting_step_record(volunteer=waiting, step="interview", by=coordinator_a, association=association_a)
    desk = coordinator_b_client.get(reverse("association:vetting")).content.decode()
    assert f"volunteer-{waiting.pk}" in desk
    assert "par Voisins de la Croix-Rousse" in desk  # B sees who vouched for the step


def test_a_validated_manager_still_invites(association_a):
    manager = factories.UserFactory()
    factories.MembershipFactory(user=manager, association=association_a, role=Membership.Role.MANAGER)
    response = _client(manager).post(
        reverse("api-association-invitations"), {"email": "new@exemple.fr", "role": "coordinator"}
    )
    assert response.status_code == 201
    assert Invitation.objects.filter(association=association_a, email="new@exemple.fr").exists()


def test_once_validated_the_same_manager_vets_and_invites(pending_manager, admin_user, waiting):
    user, association, client = pending_manager
    association_validate(association=association, by=admin_user)
    assert client.get(reverse("association:vetting")).status_code == 200
    assert (
        client.post(reverse("api-association-vetting-record", args=[waiting.pk]), {"step": "interview"}).status_code
        == 200
    )
    assert VettingRecord.objects.get().association == association
    assert (
        client.post(
            reverse("api-association-invitations"), {"email": "new@exemple.fr", "role": "coordinator"}
        ).status_code
        == 201
    )


def test_an_invitation_from_before_the_association_was_held_back_opens_nothing(pending_manager):
    """An invitation a pending association sent before sending was refused to it cannot be used
    until the platform validates the association."""
    user, association, _client_ = pending_manager
    invitee = factories.UserFactory(email="early@exemple.fr")
    invitation = Invitation.objects.create(
        association=association,
        email=invitee.email,
        role=Membership.Role.COORDINATOR,
        invited_by=user,
        expires_at=timezone.now() + timezone.timedelta(days=7),
    )
    with pytest.raises(DomainError, match="pas encore validée"):
        invitation_accept(invitation=invitation, user=invitee)
    assert not Membership.objects.filter(user=invitee).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
