"""Writing many rows at once (liens.lib.bulk): COPY on PostgreSQL, bulk_create elsewhere."""

import pytest
from django.conf import settings
from django.utils import timezone

from liens.lib.bulk import rows_copy
from liens.models import User
from missions.models import Match
from tests import factories

pytestmark = pytest.mark.django_db


def test_rows_take_the_model_defaults_and_the_database_numbers_them():
    written = rows_copy(
        User,
        ("email", "password"),
        ((f"bulk-{i}@example.invalid", "!unusable") for i in range(3)),
    )
    assert written == 3
    users = list(User.objects.filter(email__startswith="bulk-").order_by("email"))
    assert [u.email for u in users] == [f"bulk-{i}@example.invalid" for i in range(3)]
    assert len({u.pk for u in users}) == 3
    assert all(u.is_active and not u.is_staff and u.language == settings.LANGUAGE_CODE for u in users)
    assert not any(u.has_usable_password() for u in users)


def test_json_columns_are_written_as_json_and_stamps_take_the_current_time():
    mission, volunteer = factories.MissionFactory(), factories.VolunteerFactory()
    before = timezone.now()
    rows_copy(
        Match,
        ("mission_id", "volunteer_id", "status", "score", "score_parts"),
        [(mission.pk, volunteer.pk, Match.Status.PROPOSED.value, 0.5, {"distance": 0.25, "interests": 1.0})],
    )
    match = Match.objects.get(mission=mission, volunteer=volunteer)
    assert match.score_parts == {"distance": 0.25, "interests": 1.0}
    assert match.score == 0.5
    assert before <= match.proposed_at <= timezone.now()
    assert match.proposed_by is None
