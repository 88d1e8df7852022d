"""factory_boy factories for the domain; defaults make valid, consistent rows."""

import datetime
import time

import factory
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.utils import timezone

from liens.choices import Interest, Language, VisitKind
from liens.models import User
from missions.models import Association, Beneficiary, Match, Membership, Mission, Visit
from volunteers.models import AvailabilitySlot, Volunteer

PASSWORD = "correct-horse-battery"


def totp_enroll(user) -> str:
    """Switch on two-factor authentication (an authenticator app) for the user; returns its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The code the user's authenticator app shows now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def mfa(user, create, extracted, **kwargs):
        # Platform admins must use two-factor authentication: they have it unless a test says
        # otherwise with mfa=False.
        if create and (extracted or (extracted is None and user.is_staff)):
            totp_enroll(user)


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer

    user = factory.SubFactory(UserFactory)
    postcode = "69004"
    city = "Lyon"
    latitude = 45.7745
    longitude = 4.8290
    travel_radius_km = 3
    interests = factory.LazyFunction(lambda: [Interest.BOARD_GAMES, Interest.GARDENING])
    languages = factory.LazyFunction(lambda: [Language.FRENCH])
    visit_kinds = factory.LazyFunction(lambda: [k.value for k in VisitKind])
    vetting_state = Volunteer.Vetting.APPROVED
    approved_at = factory.LazyFunction(timezone.now)
    charter_accepted_at = factory.LazyFunction(timezone.now)
    data_consent_at = factory.LazyFunction(timezone.now)


class AvailabilitySlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilitySlot

    volunteer = factory.SubFactory(VolunteerFactory)
    weekday = 1
    start = datetime.time(14, 0)
    end = datetime.time(18, 0)


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association

    name = factory.Sequence(lambda n: f"Voisins solidaires {n}")
    siret = factory.Sequence(lambda n: f"{n:014d}")
    address = "12 rue d'Austerlitz"
    postcode = "69004"
    city = "Lyon"
    territory = "Métropole de Lyon"
    contact_email = factory.Sequence(lambda n: f"contact{n}@exemple.fr")
    validated_at = factory.LazyFunction(timezone.now)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    association = factory.SubFactory(AssociationFactory)
    role = Membership.Role.COORDINATOR

    @factory.post_generation
    def mfa(membership, create, extracted, **kwargs):
        # Managers must use two-factor authentication: they have it unless a test says mfa=False.
        from allauth.mfa.models import Authenticator

        wanted = extracted or (extracted is None and membership.role == Membership.Role.MANAGER)
        if create and wanted and not Authenticator.objects.filter(user=membership.user).exists():
            totp_enroll(membership.user)


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    association = factory.SubFactory(AssociationFactory)
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    birth_year = 1940
    phone = "04 78 00 00 00"
    address = "5 rue Dumenge"
    postcode = "69004"
    city = "Lyon"
    neighbourhood = "Croix-Rousse"
    latitude = 45.7790
    longitude = 4.8320
    referral_source = Beneficiary.ReferralSource.CCAS
    consent_by = Beneficiary.ConsentBy.PERSON
    consent_on = factory.LazyFunction(timezone.localdate)
    status = Beneficiary.Status.ACTIVE
    followed_since = factory.LazyAttribute(
        lambda person: None if person.status == Beneficiary.Status.INTAKE else timezone.now()
    )
    interests = factory.LazyFunction(lambda: [Interest.GARDENING])
    languages = factory.LazyFunction(lambda: [Language.FRENCH])


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mission

    association = factory.SelfAttribute("beneficiary.association")
    beneficiary = factory.SubFactory(BeneficiaryFactory)
    kind = VisitKind.HOME_VISIT
    title = "Visite de convivialité"
    recurrence = Mission.Recurrence.WEEKLY
    weekday = 1
    local_time = datetime.time(15, 0)
    duration_minutes = 90
    status = Mission.Status.OPEN


class MatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Match

    volunteer = factory.SubFactory(VolunteerFactory)
    mission = factory.SubFactory(MissionFactory)
    status = Match.Status.ACTIVE
    activated_at = factory.LazyFunction(timezone.now)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    match = factory.SubFactory(MatchFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda v: v.starts_at + datetime.timedelta(minutes=90))
    occurrence = factory.LazyAttribute(lambda v: timezone.localdate(v.starts_at))
