"""Fixtures of the alert tests: people followed by association A, with a known last contact."""

import datetime

import pytest
from django.utils import timezone

from missions.ledger import contact_record
from missions.models import Contact
from tests import factories


def followed(association, *, days_silent: float | None, target: int = 7, grace: int = 2, **extra):
    """An active beneficiary whose last contact (in the ledger) was `days_silent` days ago."""
    beneficiary = factories.BeneficiaryFactory(
        association=association, contact_target_days=target, contact_grace_days=grace, **extra
    )
    if days_silent is not None:
        contact_record(
            beneficiary=beneficiary,
            kind=Contact.Kind.CALL,
            occurred_at=timezone.now() - datetime.timedelta(days=days_silent),
        )
    beneficiary.refresh_from_db()
    return beneficiary


@pytest.fixture
def follow(association_a):
    def make(days_silent: float | None = 1, **extra):
        return followed(extra.pop("association", association_a), days_silent=days_silent, **extra)

    return make


def visit_of(beneficiary, *, days_ago: float = 1, status: str = "scheduled", **extra):
    """A visit to `beneficiary` that started `days_ago` days ago."""
    from missions.models import Visit

    starts_at = timezone.now() - datetime.timedelta(days=days_ago)
    visit = factories.VisitFactory(match__mission__beneficiary=beneficiary, starts_at=starts_at, status=status, **extra)
    assert isinstance(visit, Visit)
    return visit


def report_on(visit, *, concerns=(), happened: bool = True, notes: str = ""):
    """A filed visit report (the volunteer's), as the volunteer's report form writes it."""
    from missions.models import VisitReport

    return VisitReport.objects.create(
        visit=visit,
        happened=happened,
        mood=VisitReport.Mood.WORRYING if concerns else VisitReport.Mood.GOOD,
        concerns=list(concerns),
        notes=notes,
        submitted_by=visit.match.volunteer.user,
    )
