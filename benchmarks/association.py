"""The validated association and its coordinator that a benchmark's data belongs to."""

from __future__ import annotations

import datetime
import uuid

from liens.models import User
from missions.models import Association, Membership


def benchmark_association(*, validated_at: datetime.datetime) -> tuple[Association, User]:
    """A validated association in Lyon with one coordinator, named apart from any other run's."""
    tag = uuid.uuid4().hex[:8]
    association = Association.objects.create(
        name=f"benchmark {tag}",
        siret="00000000000000",
        address="1 place Bellecour",
        postcode="69002",
        city="Lyon",
        territory="benchmark",
        contact_email=f"benchmark-{tag}@exemple.invalid",
        validated_at=validated_at,
    )
    coordinator = User.objects.create_user(email=f"benchmark-{tag}@exemple.invalid")
    Membership.objects.create(user=coordinator, association=association)
    return association, coordinator
