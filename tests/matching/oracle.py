"""An independent, plain-Python statement of the hard rules, read straight from the models.

Written from the issue's wording (and the documented horizon), not from missions.matching.rules:
the tests compare the engine's answers with it.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from liens.choices import IN_PERSON_KINDS
from liens.lib.geo import haversine_km
from missions.models import Match, Mission
from volunteers.models import AvailabilitySlot, Volunteer


def mission_when(
    mission: Mission, now: datetime.datetime
) -> tuple[int, datetime.time, datetime.datetime, datetime.date, bool]:
    """(weekday, local start, local start as datetime, first date, still ahead)."""
    zone = ZoneInfo(mission.association.timezone)
    if mission.recurrence == Mission.Recurrence.ONE_OFF:
        local = mission.starts_at.astimezone(zone)
        return local.weekday(), local.time(), local, local.date(), mission.starts_at > now
    today = now.astimezone(zone).date()
    day = max(today, mission.first_date or today)
    while day.weekday() != mission.weekday:
        day += datetime.timedelta(days=1)
    local = datetime.datetime.combine(day, mission.local_time)
    ahead = mission.end_date is None or day <= mission.end_date
    return mission.weekday, mission.local_time, local, day, ahead


def broken_rules(volunteer: Volunteer, mission: Mission, *, now: datetime.datetime, slot=None) -> list[str]:
    """Names of the hard rules the pair breaks (empty: a valid match)."""
    broken = []
    weekday, start, local_start, on, ahead = mission_when(mission, now)
    if slot is not None:
        weekday, start, local_start, on, ahead = slot
    if mission.status != Mission.Status.OPEN or not ahead:
        broken.append("mission_open")
    if volunteer.left_at is not None:
        broken.append("not_left")
    if not volunteer.may_take(mission.kind):
        broken.append("vetted")
    if mission.kind not in volunteer.visit_kinds:
        broken.append("kind")
    if volunteer.is_paused(on):
        broken.append("not_paused")
    local_end = local_start + datetime.timedelta(minutes=mission.duration_minutes)
    free = local_end.date() == local_start.date() and any(
        s.weekday == weekday and s.start <= start and s.end >= local_end.time()
        for s in AvailabilitySlot.objects.filter(volunteer=volunteer)
    )
    if not free:
        broken.append("available")
    beneficiary = mission.beneficiary
    if beneficiary is not None and beneficiary.latitude is not None:
        point = (beneficiary.latitude, beneficiary.longitude)
    else:
        point = (mission.latitude, mission.longitude)
    horizon = settings.LIENS_MATCHING_MAX_RADIUS_KM
    located = None not in point
    home = (
        None if volunteer.latitude is None or volunteer.longitude is None else (volunteer.latitude, volunteer.longitude)
    )
    if mission.kind in IN_PERSON_KINDS:
        reach = min(float(volunteer.travel_radius_km), horizon)
        if not located or home is None or haversine_km(*home, *point) > reach:
            broken.append("reach")
    elif located and (home is None or haversine_km(*home, *point) > horizon):
        broken.append("reach")
    required = beneficiary.required_languages if beneficiary else []
    if required and not set(required) & set(volunteer.languages):
        broken.append("language")
    preference = beneficiary.visitor_preference if beneficiary else "any"
    if preference != "any" and preference != volunteer.gender:
        broken.append("preference")
    if Match.objects.filter(volunteer=volunteer, status__in=Match.LIVE).count() >= volunteer.max_commitments:
        broken.append("volunteer_room")
    if Match.objects.filter(mission=mission, status__in=Match.LIVE).count() >= mission.volunteers_needed:
        broken.append("mission_room")
    if Match.objects.filter(mission=mission, volunteer=volunteer, status__in=Match.LIVE).exists():
        broken.append("not_matched")
    return broken
