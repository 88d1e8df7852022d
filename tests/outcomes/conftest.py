import datetime

import pytest

from missions.models import Assessment, Beneficiary
from tests import factories

D = datetime.date


def assessed(beneficiary, *dates, scale="ucla3", scores=None):
    """Assessments of `beneficiary` on `dates` (UCLA-3 unless said), scores 7 then down by one."""
    for index, day in enumerate(dates):
        score = scores[index] if scores else 7 - index
        Assessment.objects.create(beneficiary=beneficiary, scale=scale, answers=[], score=score, taken_on=day)
    return beneficiary


@pytest.fixture
def followed_people(association_a, association_b):
    """Association A's people on the suite's day (Wednesday 18 November 2026), window 14 days,
    hand-counted: 1 overdue, 2 due, 2 with no assessment yet; the rest are not listed."""

    def person(last_name, association=association_a, **extra):
        return factories.BeneficiaryFactory(association=association, last_name=last_name, **extra)

    return {
        # Baseline 1 May: due 1 August, never reassessed.
        "overdue": assessed(person("Overdue"), D(2026, 5, 1)),
        # Baseline 25 August: due 25 November, within 14 days.
        "due_soon": assessed(person("Duesoon"), D(2026, 8, 25)),
        # Baseline 18 May, reassessed 18 August (3 months): 6 months falls today.
        "due_today": assessed(person("Duetoday"), D(2026, 5, 18), D(2026, 8, 18)),
        # Reassessed 10 November, 8 days before the 6-month date: answered; next May 2027.
        "answered": assessed(person("Answered"), D(2026, 5, 18), D(2026, 8, 18), D(2026, 11, 10)),
        # Baseline 1 October: due 1 January 2027.
        "later": assessed(person("Later"), D(2026, 10, 1)),
        "no_baseline": person("Nobaseline"),
        "intake": person("Intake", status=Beneficiary.Status.INTAKE),
        # Paused and ended people are not followed now, however late.
        "paused": assessed(
            person("Paused", status=Beneficiary.Status.PAUSED, paused_until=D(2026, 12, 1)), D(2026, 1, 5)
        ),
        "ended": assessed(person("Ended", status=Beneficiary.Status.ENDED), D(2026, 1, 5)),
        # Another association's person is never A's.
        "elsewhere": assessed(person("Elsewhere", association=association_b), D(2026, 1, 5)),
    }
