"""An association signs up, waits for validation, and its managers run the staff."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liens.errors import DomainError
from liens.models import Notification, User
from missions.association import validators
from missions.association.missions import mission_create, mission_publish
from missions.association.staff import (
    invitation_accept,
    invitation_from_link_token,
    invitation_link,
    invitation_send,
    membership_remove,
    membership_role_set,
)
from missions.models import Association, Invitation, Membership, Mission
from tests import factories

pytestmark = pytest.mark.django_db

VALID_SIRET = "73282932000074"  # a real, public SIRET (Luhn-valid)


def _signup_data(**overrides):
    return {
        "name": "Les Amis du Plateau",
        "legal_form": "Association loi 1901",
        "siret": VALID_SIRET,
        "rna": "",
        "address": "3 place des Tapis",
        "postcode": "69004",
        "city": "Lyon",
        "territory": "Métropole de Lyon",
        "contact_email": "bonjour@amis-plateau.fr",
        "contact_phone": "04 72 00 00 00",
    } | overrides


# --- identifiers ----------------------------------------------------------------------------


@pytest.mark.parametrize("siret", [VALID_SIRET, "732 829 320 00074", "35600000000010"])
def test_valid_sirets_pass_including_la_poste(siret):
    assert validators.siret_is_valid(siret)


@pytest.mark.parametrize("siret", ["73282932000075", "7328293200007", "7328293200007A", ""])
def test_sirets_with_a_wrong_key_or_length_fail(siret):
    assert not validators.siret_is_valid(siret)


def test_rna_is_w_and_nine_digits():
    validators.validate_rna("W691234567")
    for bad in ("691234567", "W69123456", "X691234567", "W6912345678"):
        with pytest.raises(Exception):  # noqa: B017 (ValidationError)
            validators.validate_rna(bad)


# --- sign-up --------------------------------------------------------------------------------


def test_signing_up_makes_the_signer_manager_of_an_unvalidated_association(admin_user):
    user = factories.UserFactory()
    client = Client()
    client.force_login(user)
    response = client.post(reverse("association:signup"), _signup_data())
    assert response.status_code == 302
    association = Association.objects.get(name="Les Amis du Plateau")
    assert not association.is_validated
    assert association.latitude is not None  # geocoded
    assert Membership.objects.get(association=association).role == Membership.Role.MANAGER
    assert Notification.objects.filter(recipient=admin_user, kind="association_awaiting_validation").exists()


def test_a_bad_siret_is_explained_in_french_and_nothing_typed_is_lost():
    user = factories.UserFactory()
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("association:signup"), _signup_data(siret="73282932000075"), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 200
    assert "Ce numéro SIRET n’est pas valide" in response.content.decode()
    assert "Les Amis du Plateau" in response.content.decode()
    assert not Association.objects.exists()


def test_signup_needs_a_siret_or_an_rna_number():
    user = factories.UserFactory()
    client = Client()
    client.force_login(user)
    response = client.post(reverse("association:signup"), _signup_data(siret=""))
    assert response.status_code == 200
    assert response.context["form"].errors["siret"]
    response = client.post(reverse("association:signup"), _signup_data(siret="", rna="W691234567"))
    assert response.status_code == 302


def test_signup_asks_anonymous_visitors_to_sign_in(anonymous_client):
    response = anonymous_client.get(reverse("association:signup"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- validation -----------------------------------------------------------------------------


def test_an_unvalidated_association_prepares_but_cannot_publish(coordinator_a, association_a):
    association_a.validated_at = None
    association_a.save()
    beneficiary = factories.BeneficiaryFactory(association=association_a, assessed_on=timezone.localdate())
    mission = mission_create(
        association=association_a,
        by=coordinator_a,
        kind="home_visit",
        beneficiary=beneficiary,
        title="Visite",
        recurrence="weekly",
        weekday=2,
        local_time=datetime.time(15),
        first_date=timezone.localdate(),
    )
    with pytest.raises(DomainError, match="validation"):
        mission_publish(mission=mission, by=coordinator_a)
    assert Mission.objects.get(pk=mission.pk).status == Mission.Status.DRAFT


def test_the_admin_page_lists_waiting_associations_and_validates_them(admin_client_, coordinator_a, association_a):
    association_a.validated_at = None
    association_a.save()
    manager = Membership.objects.get(user=coordinator_a)
    manager.role = Membership.Role.MANAGER
    manager.save()
    page = admin_client_.get(reverse("association:admin-pending"))
    assert association_a.name in page.content.decode()
    response = admin_client_.post(reverse("association:admin-validate", args=[association_a.pk]))
    assert response.status_code == 302
    association_a.refresh_from_db()
    assert association_a.is_validated
    assert Notification.objects.filter(recipient=coordinator_a, kind="association_validated").exists()
    # Validating again changes nothing and sends nothing more.
    admin_client_.post(reverse("association:admin-validate", args=[association_a.pk]))
    assert Notification.objects.filter(recipient=coordinator_a, kind="association_validated").count() == 1


def test_coordinators_cannot_see_or_use_the_validation_page(coordinator_a_client, association_a):
    assert coordinator_a_client.get(reverse("association:admin-pending")).status_code == 404
    association_a.validated_at = None
    association_a.save()
    assert coordinator_a_client.post(reverse("association:admin-validate", args=[association_a.pk])).status_code == 404
    association_a.refresh_from_db()
    assert not association_a.is_validated


def test_the_django_admin_action_validates_too(admin_client_, association_a):
    association_a.validated_at = None
    association_a.save()
    admin_client_.post(
        reverse("admin:missions_association_changelist"),
        {"action": "validate_selected", "_selected_action": [association_a.pk]},
    )
    association_a.refresh_from_db()
    assert association_a.is_validated


# --- staff ----------------------------------------------------------------------------------


@pytest.fixture
def manager_a(association_a):
    user = factories.UserFactory(email="manager-a@exemple.fr")
    factories.MembershipFactory(user=user, association=association_a, role=Membership.Role.MANAGER)
    return user


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_invites_by_email_through_the_outbox(manager_a, association_a):
    response = _client(manager_a).post(
        reverse("association:staff"), {"email": "Nouvelle@Exemple.fr", "role": "coordinator"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(association=association_a)
    assert invitation.email == "nouvelle@exemple.fr"
    message = Notification.objects.get(kind="staff_invitation", channel="email")
    assert message.recipient.email == "nouvelle@exemple.fr"
    assert invitation_link(invitation) in message.body_text


def test_inviting_the_same_address_again_refreshes_the_invitation(manager_a, association_a):
    first = invitation_send(association=association_a, email="x@exemple.fr", role="coordinator", by=manager_a)
    second = invitation_send(association=association_a, email="x@exemple.fr", role="manager", by=manager_a)
    assert first.pk == second.pk and first.token != second.token
    assert Invitation.objects.count() == 1
    assert invitation_from_link_token(invitation_link(first).split("/")[-2]) is None


def test_a_coordinator_cannot_invite(coordinator_a_client, association_a):
    response = coordinator_a_client.post(reverse("association:staff"), {"email": "y@exemple.fr", "role": "manager"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_accepting_requires_signing_in_with_the_invited_address(manager_a, association_a):
    existing = factories.UserFactory(email="invitee@exemple.fr")
    invitation = invitation_send(
        association=association_a, email="invitee@exemple.fr", role="coordinator", by=manager_a
    )
    url = invitation_link(invitation)
    assert "Se connecter pour accepter" in Client().get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    someone_else = factories.UserFactory(email="other@exemple.fr")
    _client(someone_else).post(url)
    assert not Membership.objects.filter(user=someone_else).exists()
    response = _client(existing).post(url)
    assert response.status_code == 302
    assert Membership.objects.get(user=existing, association=association_a).role == "coordinator"
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is not None


def test_an_invitee_without_an_account_opens_one_from_the_link(manager_a, association_a):
    invitation = invitation_send(association=association_a, email="neuve@exemple.fr", role="manager", by=manager_a)
    client = Client()
    url = invitation_link(invitation)
    response = client.post(
        url,
        {"first_name": "Inès", "last_name": "Ferrand", "password1": "un-mot-de-passe-long", "password2": "x"},
    )
    assert response.status_code == 200  # passwords differ: kept on the page
    response = client.post(
        url,
        {
            "first_name": "Inès",
            "last_name": "Ferrand",
            "password1": "un-mot-de-passe-long",
            "password2": "un-mot-de-passe-long",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="neuve@exemple.fr")
    assert user.check_password("un-mot-de-passe-long")
    assert Membership.objects.get(user=user).role == Membership.Role.MANAGER
    # Signed in; a manager's first stop is setting up two-factor authentication.
    assert client.get(reverse("association:home"))["Location"] == reverse("mfa_activate_totp")
    factories.totp_enroll(user)
    assert client.get(reverse("association:home")).status_code == 200


def test_an_expired_invitation_is_refused(manager_a, association_a):
    invitation = invitation_send(association=association_a, email="late@exemple.fr", role="coordinator", by=manager_a)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(DomainError, match="expiré"):
        invitation_accept(invitation=invitation, user=User.objects.get(email="late@exemple.fr"))


def test_a_tampered_link_answers_404():
    assert Client().get(reverse("association:invitation-accept", args=["abc:def"])).status_code == 404


def test_a_manager_removes_a_coordinator_but_never_the_last_manager(manager_a, coordinator_a, association_a):
    client = _client(manager_a)
    coordinator = Membership.objects.get(user=coordinator_a)
    client.post(reverse("association:staff-remove", args=[coordinator.pk]))
    assert not Membership.objects.filter(pk=coordinator.pk).exists()
    own = Membership.objects.get(user=manager_a)
    response = client.post(reverse("association:staff-remove", args=[own.pk]), follow=True)
    assert Membership.objects.filter(pk=own.pk).exists()
    assert "au moins un" in response.content.decode() or "at least one manager" in response.content.decode()


def test_a_manager_may_leave_when_another_manager_stays(manager_a, association_a):
    other = factories.MembershipFactory(association=association_a, role=Membership.Role.MANAGER)
    membership_remove(membership=Membership.objects.get(user=manager_a), by=manager_a)
    assert list(association_a.memberships.values_list("pk", flat=True)) == [other.pk] or other.pk in list(
        association_a.memberships.values_list("pk", flat=True)
    )


def test_a_coordinator_cannot_remove_staff(coordinator_a, manager_a):
    with pytest.raises(DomainError):
        membership_remove(membership=Membership.objects.get(user=manager_a), by=coordinator_a)


def test_a_home_care_service_registers_through_the_same_form_and_waits_for_validation(admin_user):
    user = factories.UserFactory()
    client = Client()
    client.force_login(user)
    assert 'value="home_care"' in client.get(reverse("association:signup")).content.decode()
    response = client.post(reverse("association:signup"), _signup_data(kind="home_care", name="SAAD du Plateau"))
    assert response.status_code == 302
    service = Association.objects.get(name="SAAD du Plateau")
    assert service.kind == Association.Kind.HOME_CARE and not service.is_validated
    assert service.memberships.get().user == user


def test_staff_roles_follow_the_kind_of_organisation(manager_a, association_a):
    # An association has coordinators and managers; "professional" is a home-care service's role.
    page = _client(manager_a).get(reverse("association:staff")).content.decode()
    assert 'value="coordinator"' in page and 'value="professional"' not in page
    response = _client(manager_a).post(reverse("association:staff"), {"email": "p@exemple.fr", "role": "professional"})
    assert response.status_code == 200 and response.context["form"].errors["role"]
    with pytest.raises(DomainError):
        invitation_send(association=association_a, email="p@exemple.fr", role="professional", by=manager_a)
    with pytest.raises(DomainError):
        membership_role_set(membership=Membership.objects.get(user=manager_a), role="professional", by=manager_a)
    assert not Invitation.objects.exists()

    service = factories.AssociationFactory(kind=Association.Kind.HOME_CARE)
    boss = factories.MembershipFactory(association=service, role=Membership.Role.MANAGER).user
    with pytest.raises(DomainError):
        invitation_send(association=service, email="c@exemple.fr", role="coordinator", by=boss)
    invitation = invitation_send(association=service, email="p@exemple.fr", role="professional", by=boss)
    assert invitation.role == Membership.Role.PROFESSIONAL
