"""Fixtures of referrals: association A's manager, a GP practice registered as its partner, and
a referral that practice sent."""

import pytest

from missions.models import Membership, Partner, Referral
from missions.referrals import services
from tests import factories


def referral_fields(**overrides) -> dict:
    fields = {
        "first_name": "Jeanne",
        "last_name": "Dufresne",
        "birth_year": 1938,
        "postcode": "69004",
        "address": "3 rue Denfert-Rochereau",
        "city": "Lyon",
        "phone": "04 78 11 22 33",
        "reach_by": Referral.Reach.PHONE,
        "needs": [Referral.Need.LONELINESS, Referral.Need.HOSPITAL_EXIT],
        "needs_text": "",
        "consent": Referral.Consent.GIVEN,
        "referrer_name": "Dr Claire Morel",
        "referrer_role": "Médecin généraliste",
    }
    return fields | overrides


@pytest.fixture
def manager_a(association_a):
    user = factories.UserFactory(email="manager-a@exemple.fr")
    factories.MembershipFactory(user=user, association=association_a, role=Membership.Role.MANAGER)
    return user


@pytest.fixture
def gp_partner(association_a, manager_a):
    return services.partner_create(
        association=association_a,
        by=manager_a,
        kind=Partner.Kind.GP,
        name="Cabinet médical de la Croix-Rousse",
        contact_name="Dr Claire Morel",
        email="cabinet.croixrousse@medecin.mssante.fr",
    )


@pytest.fixture
def referral(gp_partner):
    return services.referral_receive(partner=gp_partner, **referral_fields())
