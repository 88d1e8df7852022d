"""A visitor registers an association and its manager's account from the home page: no volunteer
profile on the way, an address to confirm, a page that explains the wait for validation."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from liens.errors import DomainError
from liens.models import Notification, User
from missions.association.beneficiaries import beneficiary_activate, beneficiary_create
from missions.association.missions import mission_create, mission_publish
from missions.association.services import association_validate
from missions.models import Association, Membership, Mission
from tests import factories
from tests.association.test_onboarding import _signup_data
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

REGISTER = {
    "first_name": "Hélène",
    "last_name": "Berthier",
    "email": "helene@amis-plateau.fr",
    "password1": "un-jardin-sous-la-pluie",
} | _signup_data(contact_email="")


def _register(client, **changes):
    return client.post(reverse("association:join"), {**REGISTER, **changes}, HTTP_ACCEPT_LANGUAGE="fr")


def _confirm(client):
    link = re.search(r"https?://\S+/volunteer/welcome/\S+/", mail.outbox[-1].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    return client.get(path)


def test_the_home_page_leads_visitors_to_the_registration_form(client):
    home = client.get(reverse("home")).content.decode()
    assert reverse("association:join") in home
    page = client.get(reverse("association:join"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    names = set(re.findall(r'<input[^>]+name="([^"]+)"', page)) - {"csrfmiddlewaretoken"}
    assert {"first_name", "last_name", "email", "password1", "name", "siret", "postcode", "city"} <= names
    assert "Votre association" in page


def test_registering_creates_the_manager_and_a_pending_association_but_no_volunteer(client, admin_user):
    response = _register(client)
    assert response.status_code == 302 and response["Location"] == reverse("association:join-pending")
    user = User.objects.get(email="helene@amis-plateau.fr")
    assert (user.first_name, user.last_name, user.language) == ("Hélène", "Berthier", "fr")
    assert not Volunteer.objects.filter(user=user).exists()
    association = Association.objects.get(name="Les Amis du Plateau")
    assert association.validated_at is None
    assert association.contact_email == "helene@amis-plateau.fr"  # the manager's, when left empty
    assert Membership.objects.get(association=association).user == user
    assert Membership.objects.get(association=association).role == Membership.Role.MANAGER
    assert EmailAddress.objects.get(user=user).verified is False
    assert [m.to for m in mail.outbox] == [["helene@amis-plateau.fr"]]
    assert Notification.objects.filter(recipient=admin_user, kind="association_awaiting_validation").exists()
    # Not signed in before the address is confirmed.
    assert "_auth_user_id" not in client.session


def test_the_pending_page_explains_the_wait_and_nothing_of_vetting(client):
    _register(client)
    page = client.get(reverse("association:join-pending"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Les Amis du Plateau" in page and "helene@amis-plateau.fr" in page
    assert "administrateur" in page.lower()  # who validates
    assert "jours ouvrés" in page  # how long it takes
    assert "brouillon" in page  # what can be prepared meanwhile
    for absent in ("vetting", "Recrutement", "bénévoles en attente", "Mes missions", "Mes visites"):
        assert absent not in page


def test_a_weak_password_or_a_missing_siret_keeps_everything_typed_and_creates_nothing(client):
    response = _register(client, password1="12345678", siret="")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Les Amis du Plateau" in page and "3 place des Tapis" in page
    assert "SIRET" in page
    assert not User.objects.filter(email="helene@amis-plateau.fr").exists()
    assert not Association.objects.filter(name="Les Amis du Plateau").exists()


def test_a_taken_address_creates_nothing_and_tells_the_visitor_the_same_as_a_new_one(client):
    owner = factories.UserFactory(email="helene@amis-plateau.fr")
    response = _register(client)
    assert response["Location"] == reverse("association:join-pending")
    assert User.objects.filter(email="helene@amis-plateau.fr").count() == 1
    assert not Association.objects.filter(name="Les Amis du Plateau").exists()
    assert not owner.memberships.exists()
    assert [m.to for m in mail.outbox] == [["helene@amis-plateau.fr"]]  # its owner hears of it


def test_someone_signed_in_registers_through_the_association_form(client):
    volunteer = factories.VolunteerFactory()
    client.force_login(volunteer.user)
    response = client.get(reverse("association:join"))
    assert response.status_code == 302 and response["Location"] == reverse("association:signup")


def test_the_pending_page_of_a_signed_in_manager_offers_preparation_and_leaves_once_validated(client, admin_user):
    membership = factories.MembershipFactory(
        role=Membership.Role.MANAGER, association=factories.AssociationFactory(validated_at=None)
    )
    client.force_login(membership.user)
    page = client.get(reverse("association:join-pending"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert membership.association.name in page
    assert reverse("association:beneficiary-new") in page and reverse("association:mission-new") in page
    association_validate(association=membership.association, by=admin_user)
    response = client.get(reverse("association:join-pending"))
    assert response.status_code == 302 and response["Location"] == reverse("association:home")


def test_the_pending_page_sends_strangers_to_the_form(client):
    response = client.get(reverse("association:join-pending"))
    assert response.status_code == 302 and response["Location"] == reverse("association:join")


def test_from_the_home_page_to_a_first_published_mission_without_a_volunteer_profile(client, admin_user):
    _register(client)
    response = _confirm(client)
    assert response.status_code == 302 and response["Location"] == reverse("association:join-pending")
    manager = User.objects.get(email="helene@amis-plateau.fr")
    assert EmailAddress.objects.get(user=manager).verified
    # A manager sets up two-factor authentication before anything else opens.
    assert client.get(reverse("association:join-pending"))["Location"] == reverse("mfa_activate_totp")
    factories.totp_enroll(manager)
    assert client.get(reverse("association:join-pending")).status_code == 200
    association = Association.objects.get(name="Les Amis du Plateau")

    person, mission = first_person_and_mission(association=association, manager=manager)
    with pytest.raises(DomainError) as refusal:  # not before the platform has validated the association
        mission_publish(mission=mission, by=manager)
    assert "valid" in str(refusal.value.message)

    association_validate(association=association, by=admin_user)
    mission = mission_publish(mission=mission, by=manager)
    assert mission.status == Mission.Status.OPEN
    assert client.get(reverse("association:join-pending"))["Location"] == reverse("association:home")
    assert not Volunteer.objects.exists()


def first_person_and_mission(*, association, manager):
    """What a new association prepares first: a person followed (consent, assessment visit) and
    a weekly visit for them, as a draft."""
    person = beneficiary_create(
        association=association,
        by=manager,
        first_name="Odette",
        last_name="Marchand",
        address="5 rue Dumenge",
        postcode="69004",
        city="Lyon",
        neighbourhood="Croix-Rousse",
        referral_source="ccas",
        consent_by="person",
        consent_on=timezone.localdate(),
        assessed_on=timezone.localdate(),
    )
    beneficiary_activate(beneficiary=person, by=manager)
    mission = mission_create(
        association=association,
        by=manager,
        beneficiary=person,
        kind="home_visit",
        title="Visite du mardi",
        recurrence="weekly",
        weekday=1,
        local_time=datetime.time(15),
        first_date=timezone.localdate(),
        duration_minutes=90,
        volunteers_needed=1,
    )
    return person, mission


def test_registration_shares_the_sign_up_rate_limit(client):
    for _ in range(20):
        assert _register(client, password1="12345678").status_code == 200
    assert _register(client).status_code == 429
    assert not User.objects.filter(email="helene@amis-plateau.fr").exists()
