"""The coordinators' morning digest: what needs attention, once a day, and only when there is something."""

import datetime

from django.urls import reverse
from django.utils import timezone

from liens.notify import notify, site_url
from missions.models import Association
from missions.outcomes.selectors import reassessment_board

from .links import attention_url
from .selectors import attention_for
from .services import association_staff
from .zones import association_zone


def digest_send(*, association: Association, now: datetime.datetime | None = None) -> int:
    """Write the digest for each staff member of the association; nothing when there is nothing to say.

    Idempotent per local day: the dedup key names the association, the day and the person.
    Returns the count of outbox rows written.
    """
    now = now or timezone.now()
    zone = association_zone(association)
    day = now.astimezone(zone).date()
    attention = attention_for(association_ids=[association.pk], now=now, since=now - datetime.timedelta(days=1))
    if attention.is_empty:
        return 0
    # A line, not a reason to write: reassessments change slowly, a daily mail for them alone is noise.
    reassessments = reassessment_board(association=association, today=day)
    written = 0
    for user in association_staff(association.pk):
        with timezone.override(zone):
            written += len(
                notify(
                    recipient=user,
                    kind="coordinator_digest",
                    context={
                        "attention": attention,
                        "association": association,
                        "day": day,
                        "attention_link": attention_url(),
                        "reassessments": reassessments,
                        "reassessments_link": site_url(reverse("outcomes:reassessments")),
                    },
                    dedup_key=f"digest:{association.pk}:{day.isoformat()}:to:{user.pk}",
                    payload={"tz": zone.key},
                )
            )
    return written


def digests_send_all(*, now: datetime.datetime | None = None) -> int:
    """Daily: the digest of every validated association. Idempotent per local day."""
    now = now or timezone.now()
    associations = Association.objects.filter(validated_at__isnull=False).order_by("pk")
    return sum(digest_send(association=association, now=now) for association in associations)
