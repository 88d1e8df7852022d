"""Time in the association's zone.

Stored times are UTC. A wall-clock time (a weekly visit at 15:00, a reminder at 19:00) is built
from its *local date* plus that time in the association's zone and only then converted to UTC,
so it stays at the same local hour on both sides of a DST change (its UTC time is what moves).
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from missions.models import Association


def association_zone(association: Association) -> ZoneInfo:
    """The association's zone; the site's zone if the stored name is unknown."""
    try:
        return ZoneInfo(association.timezone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def local_at(day: datetime.date, at: datetime.time, zone: ZoneInfo) -> datetime.datetime:
    """Wall-clock `at` on local `day`, as an aware UTC datetime.

    A time skipped in spring (02:30 on the last Sunday of March) takes the winter offset and
    lands at 03:30; a time repeated in autumn takes its first occurrence (fold=0).
    """
    return datetime.datetime.combine(day, at, tzinfo=zone).astimezone(datetime.UTC)
