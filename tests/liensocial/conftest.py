"""Fixtures of lien-social hours: a home-care service with a manager and a professional, and
a person of association A with a plan of theirs."""

import datetime

import pytest
from allauth.account.models import EmailAddress

from missions.liensocial.services import plan_create
from missions.models import Association, Membership
from tests import factories


def _staff(service, email, role):
    user = factories.UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    factories.MembershipFactory(user=user, association=service, role=role)
    return user


@pytest.fixture
def service_a(db):
    return factories.AssociationFactory(name="Aide à domicile Saône", kind=Association.Kind.HOME_CARE)


@pytest.fixture
def service_b(db):
    return factories.AssociationFactory(name="SAAD Rhône Services", kind=Association.Kind.HOME_CARE)


@pytest.fixture
def manager_a(service_a):
    return _staff(service_a, "manager-saad-a@exemple.fr", Membership.Role.MANAGER)


@pytest.fixture
def professional_a(service_a):
    return _staff(service_a, "pro-saad-a@exemple.fr", Membership.Role.PROFESSIONAL)


@pytest.fixture
def manager_b(service_b):
    return _staff(service_b, "manager-saad-b@exemple.fr", Membership.Role.MANAGER)


@pytest.fixture
def professional_b(service_b):
    return _staff(service_b, "pro-saad-b@exemple.fr", Membership.Role.PROFESSIONAL)


@pytest.fixture
def person_a(association_a):
    return factories.BeneficiaryFactory(
        association=association_a, first_name="Odette", last_name="Marchand", access_notes="Code 4B12, 2e étage"
    )


@pytest.fixture
def plan_a(person_a, service_a, coordinator_a):
    return plan_create(
        beneficiary=person_a,
        service=service_a,
        hours_per_month=6,
        starts_on=datetime.date(2026, 1, 1),
        by=coordinator_a,
    )
