"""The planner asks the matching engine's hard rules who could take a mission as it writes it.

The demo plans its rows in memory before anything is saved, so the facts the engine reads from
the database (facts.py) are built here from the planned objects, in the same shapes, and the
very rule functions of missions.matching.rules judge them. Nothing here says what makes a
volunteer eligible: only what the plan knows that the database does not hold yet.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from missions.matching.candidates import MissionTable, VolunteerTable, pairs_for
from missions.matching.facts import mission_row_of, seconds_of
from missions.matching.rules import rules_passed_but
from missions.models import Beneficiary, Mission
from volunteers.models import Volunteer

# The rule about the hour: set aside while the hour is not set yet, for the planner then takes it
# from the chosen volunteer's own free slots (Matches.pick_schedule).
HOUR_RULE = "available"


def volunteer_table(volunteers: list[Volunteer]) -> VolunteerTable:
    """The engine's volunteer table of planned (unsaved) volunteers, ids being their positions.

    The live count is the planned load (live and ended matches planned so far): the volunteer's
    matches do not exist yet, and spreading the planned ones over the volunteers is what keeps
    the demo's history believable, so the rule on room reads the plan.
    """
    rows = [
        {
            "id": n,
            "vetting_state": v.vetting_state,
            "kinds_text": v.visit_kinds,
            "languages_text": v.languages,
            "interests_text": v.interests,
            "left_at": v.left_at,
            "paused_until": v.paused_until,
            "gender": v.gender,
            "latitude": v.latitude,
            "longitude": v.longitude,
            "radius": float(v.travel_radius_km),
            "max_commitments": v.max_commitments,
            "live_count": v._planned,
            "past_visits": 0,
            "reported_visits": 0,
        }
        for n, v in enumerate(volunteers)
    ]
    slots = {n: [(wd, seconds_of(s), seconds_of(e)) for wd, s, e in v._slots] for n, v in enumerate(volunteers)}
    return VolunteerTable.from_rows(rows, slots)


def mission_table(mission: Mission, *, now: dt.datetime) -> MissionTable:
    """The engine's table of one planned mission, asked about as the engine asks while it is open
    and nobody holds it yet: the planner is choosing who fills it (its status, and whoever is
    already on it, are the plan's own: see `exclude` in eligible())."""
    row = mission_row_of(mission)
    row.update(id=0, association_id=0, beneficiary_id=0, status=Mission.Status.OPEN, live_count=0)
    return MissionTable.from_rows([row], now=now)


def sketch(b: Beneficiary, kind: str, *, on: dt.date) -> Mission:
    """A mission for the person as a coordinator first thinks of it, before its hour is set:
    weekly, from `on` (the engine judges pauses against its first date)."""
    return Mission(
        association=b.association,
        beneficiary=b,
        kind=kind,
        status=Mission.Status.OPEN,
        recurrence=Mission.Recurrence.WEEKLY,
        weekday=on.weekday(),
        local_time=dt.time(0, 0),
        first_date=on,
        duration_minutes=60,
        volunteers_needed=1,
        latitude=b.latitude,
        longitude=b.longitude,
    )


def eligible(
    volunteers: list[Volunteer], mission: Mission, *, now: dt.datetime, exclude=(), hour_set: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """For each volunteer: whether the pair with `mission` passes the hard rules (all of them,
    but the hour's while `hour_set` is False; those in `exclude` are already on the mission),
    and the distance between them."""
    count = len(volunteers)
    pairs = pairs_for(
        volunteer_table(volunteers),
        mission_table(mission, now=now),
        np.arange(count),
        np.zeros(count, dtype=np.int64),
        live={(0, n) for n, v in enumerate(volunteers) if v in exclude},
        known=set(),
    )
    passed = rules_passed_but(pairs, () if hour_set else (HOUR_RULE,))
    return passed, pairs.distance_km
