"""Reads of the matching engine: suggestions for a mission, recommendations for a volunteer,
reviews due.

Both searches prefilter in the database (the indexed latitude/longitude box, vetting, pause,
visitor preference and slot conditions that every database answers the same way), then judge
the few rows left with the exact rules (rules.py) and score them (scoring.py) in Python. JSON
list questions (kinds accepted, languages) are only asked in Python: SQLite cannot. The number
of queries does not grow with the number of candidates.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from liens.choices import IN_PERSON_KINDS, VisitorPreference
from liens.lib.compiled import Reading
from liens.lib.geo import KM_PER_DEGREE_LAT, Box, bounding_box
from liens.lib.postgresql import planned_each_time
from liens.models import User
from missions.models import Association, Beneficiary, Match, Mission
from missions.scoping import outreach_refusal, volunteers_visible
from volunteers.models import AvailabilitySlot, Volunteer

from .candidates import (
    DAY_SECONDS,
    GENDER_CODES,
    KINDS,
    MissionTable,
    Pairs,
    Slot,
    VolunteerTable,
    horizon_km,
    may_take_mask,
    pairs_for,
)
from .facts import (
    MISSION_FIELDS,
    Facts,
    facts_all,
    facts_all_reading,
    mission_facts_columns,
    mission_row_of,
    mission_rows,
    rows_load,
    rows_record,
    time_of,
    volunteer_profiles,
    volunteer_row_of,
)
from .rules import rules_passed, rules_passed_once_vetted
from .scoring import Part, parts_compute, parts_explain, score_of, score_total


@dataclass
class Suggestion:
    """A volunteer for a mission, with the score, its named parts and their plain words."""

    volunteer: Volunteer
    mission: Mission
    score: float
    parts: dict[str, float]
    reasons: list[str]
    distance_km: float | None
    explained: list[Part] = field(default_factory=list)


def remote_candidates() -> int:
    """How many of the nearest volunteers a call or a group event looks at (settings)."""
    return int(getattr(settings, "LIENS_MATCHING_REMOTE_CANDIDATES", 100))


def _margin(km: float) -> float:
    # The database check is deliberately a little generous; the exact rule decides afterwards.
    return km * 1.001 + 0.01


def _ranked(
    p: Pairs, limit: int, *, prefer_known: bool = False, once_vetted: bool = False
) -> tuple[list[int], dict, np.ndarray]:
    """Indexes of the pairs passing every rule (every rule but vetting when `once_vetted`), best
    score first (ties: lowest ids first)."""
    passed = rules_passed_once_vetted(p) if once_vetted else rules_passed(p)
    parts = parts_compute(p)
    total = score_total(p, parts)
    candidates = np.flatnonzero(passed)
    ids_v, ids_m = p.volunteer.id[candidates], p.mission.id[candidates]
    sort_keys = [ids_m, ids_v, -total[candidates]]
    if prefer_known:
        sort_keys.append(~p.knows[candidates])
    order = np.lexsort(sort_keys)
    return [int(i) for i in candidates[order][:limit]], parts, total


def _suggestion(p: Pairs, i: int, parts: dict[str, np.ndarray], *, volunteer, mission) -> Suggestion:
    explained = parts_explain(p, i, parts)
    distance = float(p.distance_km[i])
    return Suggestion(
        volunteer=volunteer,
        mission=mission,
        score=score_of(explained),
        parts={part.name: part.value for part in explained},
        reasons=[part.reason for part in explained if part.reason],
        distance_km=None if math.isnan(distance) else distance,
        explained=explained,
    )


# --- one mission's suggestions ------------------------------------------------------------------


def _volunteer_candidates(mt: MissionTable, *, exclude=(), only=None, nearest: int | None = None) -> list[dict] | None:
    """Profiles (VolunteerTable rows) of the volunteers who may pass the rules for mission row 0,
    prefiltered in SQL; None when nobody can.

    The SQL asks what every database answers the same way: vetting state allowed for the kind
    (from Volunteer.may_take), not left, not paused that day, the person's visitor preference,
    a slot holding the visit, and a home inside the latitude/longitude box then inside a
    flat-earth circle of each volunteer's own reach. Using the smallest cosine of the box makes
    east-west gaps look shorter than they are, so the circle never loses anyone; the exact rules
    decide afterwards. `nearest` keeps the nearest few (calls and events), `only` restricts to
    some ids, `exclude` leaves some out.

    Two queries, in plain SQL (composing them with the ORM cost more than running them). The
    first finds the ids from indexes alone on PostgreSQL: a range scan of volunteer_home_reach,
    which holds every column the conditions read, then one probe of slot_of_volunteer_day per
    volunteer left. Among a million volunteers a city's box holds a few thousand, while the
    slots free at that hour are tens of thousands across the country: reading those first (a
    hash of them) cost more than the probes, and so did reading the volunteers' rows before
    the conditions had thinned them. The second reads the few rows left, by id.
    """
    slot = mt.slot(0)
    if slot.end >= DAY_SECONDS:
        return None  # runs past midnight: no availability slot can hold it
    kind, in_person = int(mt.kind[0]), bool(mt.in_person[0])
    if in_person and not mt.located[0]:
        return None
    ops = connection.ops
    states = [state for state in Volunteer.Vetting.values if may_take_mask(state) & kind]
    where = ["v.left_at IS NULL", "(v.paused_until IS NULL OR v.paused_until < %s)"]
    args: list = [ops.adapt_datefield_value(slot.on)]
    where.append("v.vetting_state IN (" + ", ".join(["%s"] * len(states)) + ")")
    args += states
    preference = int(mt.preference[0])
    if preference:
        genders = [g for g, code in GENDER_CODES.items() if code == preference]
        where.append("v.gender IN (" + ", ".join(["%s"] * len(genders)) + ")")
        args += genders
    for name, ids in (("NOT IN", exclude), ("IN", only)):
        if ids is not None and (ids or name == "IN"):
            ids = list(ids) or [-1]
            where.append(f"v.id {name} (" + ", ".join(["%s"] * len(ids)) + ")")
            args += ids
    order, gap_args = "v.id", []
    if mt.located[0]:
        lat, lon = float(mt.latitude[0]), float(mt.longitude[0])
        box = bounding_box(lat, lon, _margin(horizon_km()))
        cos_min = math.cos(math.radians(min(89.9, max(abs(box.min_lat), abs(box.max_lat)))))
        least = "LEAST" if connection.vendor == "postgresql" else "MIN"
        reach = f"({least}(CAST(v.travel_radius_km AS DOUBLE PRECISION), %s) * 1.001 + 0.01)" if in_person else "%s"
        gap = (
            "((v.latitude - %s) * %s) * ((v.latitude - %s) * %s)"
            " + ((v.longitude - %s) * %s) * ((v.longitude - %s) * %s)"
        )
        where += ["v.latitude BETWEEN %s AND %s", "v.longitude BETWEEN %s AND %s", f"{gap} <= {reach} * {reach}"]
        km, km_lon = KM_PER_DEGREE_LAT, KM_PER_DEGREE_LAT * cos_min
        gap_args = [lat, km, lat, km, lon, km_lon, lon, km_lon]
        reach_args = [horizon_km()] if in_person else [_margin(horizon_km())]
        args += [box.min_lat, box.max_lat, box.min_lon, box.max_lon, *gap_args, *reach_args, *reach_args]
        order = f"{gap}, v.id"
    volunteer, slots, user = Volunteer._meta.db_table, AvailabilitySlot._meta.db_table, User._meta.db_table
    where.append(
        f"""EXISTS (SELECT 1 FROM {slots} s
                     WHERE s.volunteer_id = v.id AND s.weekday = %s AND s.start <= %s AND s."end" >= %s)"""  # noqa: S608
    )
    args += [slot.weekday, ops.adapt_timefield_value(time_of(slot.start)), ops.adapt_timefield_value(time_of(slot.end))]
    sql = f"SELECT v.id FROM {volunteer} v WHERE {' AND '.join(where)}"  # noqa: S608 (names from the models)
    if nearest is not None:
        sql += f" ORDER BY {order} LIMIT %s"
        args += gap_args + [nearest]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return []
        cursor.execute(
            f"""
            SELECT v.id, v.vetting_state, v.paused_until, v.gender, v.latitude, v.longitude, v.max_commitments,
                   CAST(v.visit_kinds AS TEXT), CAST(v.languages AS TEXT), CAST(v.interests AS TEXT),
                   CAST(v.travel_radius_km AS DOUBLE PRECISION), v.user_id, u.first_name, u.last_name, u.email
              FROM {volunteer} v
              JOIN {user} u ON u.id = v.user_id
             WHERE v.id IN ({", ".join(["%s"] * len(ids))})
            """,  # noqa: S608 (table names from the models; every value is a parameter)
            ids,
        )
        position = {pk: n for n, pk in enumerate(ids)}
        found = sorted(cursor.fetchall(), key=lambda row: position[row[0]])
    return [
        {
            "id": row[0],
            "vetting_state": row[1],
            "left_at": None,
            "paused_until": datetime.date.fromisoformat(row[2]) if isinstance(row[2], str) else row[2],
            "gender": row[3],
            "latitude": row[4],
            "longitude": row[5],
            "max_commitments": row[6],
            "kinds_text": row[7],
            "languages_text": row[8],
            "interests_text": row[9],
            "radius": float(row[10]),
            "user": (row[11], row[12], row[13], row[14]),
        }
        for row in found
    ]


def _loaded(model, data: dict):
    """An instance with only `data`'s fields set, the others deferred (as .only() would).
    Model.from_db takes the values in the model's field order."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in data]
    return model.from_db(connection.alias, names, [data[name] for name in names])


def _volunteer_of(row: dict) -> Volunteer:
    """The Volunteer (and its user) from a candidate row, without a query: the columns read
    are set, the others are deferred and load on first access."""
    user_id, first_name, last_name, email = row["user"]
    user = _loaded(User, {"id": user_id, "first_name": first_name, "last_name": last_name, "email": email})
    fields = ("id", "vetting_state", "paused_until", "gender", "latitude", "longitude", "max_commitments")
    volunteer = _loaded(Volunteer, {"user_id": user_id, **{name: row[name] for name in fields}})
    Volunteer.user.field.set_cached_value(volunteer, user)
    return volunteer


def mission_candidates(
    *,
    mission: Mission,
    exclude_volunteer_ids=(),
    slot: Slot | None = None,
    away: int = 0,
    statuses=(Mission.Status.OPEN,),
) -> Pairs | None:
    """Every volunteer the database lets through for `mission`, as pairs (not yet judged).

    `slot` replaces the mission's schedule by one visit's, `away` frees the places of regular
    visitors who are away and `statuses` widens the mission statuses accepted: the three
    together look for a stand-in on a filled mission.

    Two queries whatever the numbers (three when the mission's person and association are not
    loaded yet): the candidates, then one UNION for the rest. Calls and group events look at
    the LIENS_MATCHING_REMOTE_CANDIDATES nearest volunteers free at that time, not at everyone
    within the horizon (distance weighs in their score, so the best are among the nearest, and
    a city stays fast); people who already know the person are added (two more queries then).
    """
    now = timezone.now()
    own = mission_row_of(mission)
    first = [own] if own else mission_rows(Mission.objects.filter(pk=mission.pk))
    if not first:
        return None
    mt = MissionTable.from_rows(
        rows_load(first, [], key="mission"), now=now, slots={mission.pk: slot} if slot else None, statuses=statuses
    )
    if not mt.is_open[0]:
        return None
    in_person = bool(mt.in_person[0])
    exclude = list(exclude_volunteer_ids)
    # Calls and events: the nearest ones (their reach is the whole horizon).
    rows = _volunteer_candidates(mt, exclude=exclude, nearest=None if in_person else remote_candidates())
    if rows is None:
        return None
    beneficiary_id = int(mt.beneficiary_id[0])
    weekdays = [int(mt.weekday[0])]
    ids = [row["id"] for row in rows]
    # The mission's and the candidates' live matches, who already knows the person, the
    # candidates' visit records and slots that weekday. Planned for these ids: the same text
    # serves a mission with a handful of candidates and one with hundreds.
    with planned_each_time():
        facts = facts_all(
            now=now,
            volunteers=ids,
            missions=[mission.pk],
            beneficiaries=[beneficiary_id] if beneficiary_id else [],
            weekdays=weekdays,
        )
    if not in_person:
        acquainted = sorted({v for b, v in facts.known if b == beneficiary_id} - set(ids))
        extra = _volunteer_candidates(mt, exclude=exclude, only=acquainted) if acquainted else []
        if extra:
            more = facts_all(now=now, volunteers=[row["id"] for row in extra], weekdays=weekdays)
            facts.live += [pair for pair in more.live if pair not in set(facts.live)]
            facts.visits.update(more.visits)
            facts.slots.update(more.slots)
            rows = rows + extra
    if not rows:
        return None
    mt.live_count[0] = sum(1 for m, _v in facts.live if m == mission.pk) - away
    rows = rows_record(rows_load(rows, facts.live, key="volunteer"), facts.visits)
    pairs = pairs_for(
        VolunteerTable.from_rows(rows, facts.slots),
        mt,
        np.arange(len(rows)),
        np.zeros(len(rows), dtype=np.int64),
        live=set(facts.live),
        known=facts.known,
    )
    pairs.rows = rows  # volunteer row i of the pairs, for _volunteer_of()
    return pairs


def mission_suggestions(*, mission: Mission, limit: int = 10, exclude_volunteer_ids=()) -> list[Suggestion]:
    """The best volunteers for `mission` under the hard rules, best first. A constant 2 queries
    (3 when the mission's person and association are not loaded; 2 more for a call whose
    person knows volunteers beyond the nearest)."""
    p = mission_candidates(mission=mission, exclude_volunteer_ids=exclude_volunteer_ids)
    if p is None:
        return []
    chosen, parts, _total = _ranked(p, limit)
    return [_suggestion(p, i, parts, volunteer=_volunteer_of(p.rows[int(p.vi[i])]), mission=mission) for i in chosen]


# The most suggestions any page or the API shows for one mission.
SUGGESTIONS_MAX = 50


def volunteer_to_propose(*, mission: Mission, user, volunteer_id: int) -> Volunteer | None:
    """The volunteer `user` may propose `mission` to, or None, exactly as for an id that exists
    nowhere: someone already in their view (scoping.volunteers_visible for the mission's
    association: on its vetting desk, or in a live match with it) or among the suggestions for
    this mission. Anyone else stays unknown: a refusal would tell which rules they break, a
    success their name. None as well while the association may not reach volunteers."""
    if outreach_refusal(user, mission.association) is not None:
        return None
    seen = volunteers_visible(user, association_ids=[mission.association_id]).filter(pk=volunteer_id)
    if not seen.exists() and not any(
        s.volunteer.pk == volunteer_id for s in mission_suggestions(mission=mission, limit=SUGGESTIONS_MAX)
    ):
        return None
    return Volunteer.objects.select_related("user").filter(pk=volunteer_id).first()


def stand_in_suggestion(*, mission: Mission, slot: Slot, away: int, exclude_volunteer_ids=()) -> Suggestion | None:
    """The best stand-in for one visit (or a pause window) of `mission`: someone who already
    knows the person comes first, then the best score."""
    p = mission_candidates(
        mission=mission,
        exclude_volunteer_ids=exclude_volunteer_ids,
        slot=slot,
        away=away,
        statuses=(Mission.Status.OPEN, Mission.Status.FILLED),
    )
    if p is None:
        return None
    chosen, parts, _total = _ranked(p, 1, prefer_known=True)
    if not chosen:
        return None
    i = chosen[0]
    return _suggestion(p, i, parts, volunteer=_volunteer_of(p.rows[int(p.vi[i])]), mission=mission)


def rematch_suggestions(*, match: Match, limit: int = 10) -> list[Suggestion]:
    """After a match ends: fresh suggestions for its mission, without the volunteer who left it."""
    return mission_suggestions(mission=match.mission, limit=limit, exclude_volunteer_ids=[match.volunteer_id])


# --- one volunteer's recommendations ------------------------------------------------------------


def _in_box(prefix: str, box: Box) -> tuple[str, list]:
    return (
        f"{prefix}.latitude BETWEEN %s AND %s AND {prefix}.longitude BETWEEN %s AND %s",
        [box.min_lat, box.max_lat, box.min_lon, box.max_lon],
    )


def _point_in(box: Box) -> tuple[str, list]:
    """The mission's point (the person's home, else the mission's own place) is in the box."""
    person, person_args = _in_box("b", box)
    own, own_args = _in_box("mi", box)
    return f"(({person}) OR (b.latitude IS NULL AND {own}))", person_args + own_args


UNLOCATED = (
    "((b.latitude IS NOT NULL AND b.longitude IS NULL)"
    " OR (b.latitude IS NULL AND mi.latitude IS NULL)"
    " OR (b.latitude IS NULL AND mi.longitude IS NULL))"
)


def _sql_in(values) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def _from_text(value, parse):
    # SQLite may return dates and times as text; PostgreSQL returns Python values.
    return parse(value) if isinstance(value, str) else value


def _aware(value: datetime.datetime | str | None) -> datetime.datetime | None:
    # SQLite keeps datetimes naive, in UTC (as Django's own converter reads them).
    value = _from_text(value, datetime.datetime.fromisoformat)
    return timezone.make_aware(value, datetime.UTC) if value and timezone.is_naive(value) else value


# A candidate mission's row: MissionTable's, with its live match count (rows_load's) and
# whether the volunteer knows its person.
MISSION_FIELDS_KNOWN = (*MISSION_FIELDS, "live_count", "knows")


def _mission_candidates(vt: VolunteerTable, *, now: datetime.datetime, once_vetted: bool = False) -> list[dict]:
    """MissionTable rows (facts.MISSION_FIELDS) of the open missions volunteer row 0 may pass
    the rules for (all but vetting when `once_vetted`), prefiltered in SQL: kinds accepted, the
    mission's point in the reach's box (calls and events: the horizon's, or no point at all),
    weekly missions starting inside the span of the volunteer's slots that weekday, one-offs
    ahead, the person's visitor preference. The exact rules decide afterwards. Each row also
    holds the mission's live match count and whether the volunteer knows its person
    (facts.mission_facts_columns).

    One query, in plain SQL: composing this filter and its casts with the ORM cost more than
    running it (this is half of the volunteer's missions page)."""
    kinds = KINDS.codes(int(vt.kinds[0]) & (-1 if once_vetted else int(vt.may_take[0])))
    slots = vt.slots[0]
    if vt.left[0] or not kinds or not slots:
        return []
    ops = connection.ops
    in_person = [k for k in kinds if k in IN_PERSON_KINDS]
    remote = [k for k in kinds if k not in IN_PERSON_KINDS]
    located = not (math.isnan(vt.latitude[0]) or math.isnan(vt.longitude[0]))
    places, args = [], []
    if located:
        lat, lon = float(vt.latitude[0]), float(vt.longitude[0])
        if in_person:
            point, point_args = _point_in(bounding_box(lat, lon, _margin(float(vt.reach_km[0]))))
            places.append(f"(mi.kind IN {_sql_in(in_person)} AND {point})")
            args += [*in_person, *point_args]
        if remote:
            point, point_args = _point_in(bounding_box(lat, lon, _margin(horizon_km())))
            places.append(f"(mi.kind IN {_sql_in(remote)} AND ({point} OR {UNLOCATED}))")
            args += [*remote, *point_args]
    elif remote:
        places.append(f"(mi.kind IN {_sql_in(remote)} AND {UNLOCATED})")
        args += remote
    if not places:
        return []
    # Weekly missions must start inside the span of the volunteer's slots that weekday; a
    # one-off's local weekday depends on its association's zone, so Python checks it.
    args.append(Mission.Recurrence.WEEKLY)
    weekly = []
    for weekday in sorted({s[0] for s in slots}):
        starts = [s[1] for s in slots if s[0] == weekday]
        ends = [s[2] for s in slots if s[0] == weekday]
        weekly.append("(mi.weekday = %s AND mi.local_time >= %s AND mi.local_time < %s)")
        args += [
            weekday,
            ops.adapt_timefield_value(time_of(min(starts))),
            ops.adapt_timefield_value(time_of(max(ends))),
        ]
    args += [Mission.Recurrence.ONE_OFF, ops.adapt_datetimefield_value(now)]
    preferences = [VisitorPreference.ANY] + [
        code for code, number in (("female", 1), ("male", 2)) if number == int(vt.gender[0])
    ]
    args += [*preferences, Mission.Status.OPEN]
    mission, person, association = (
        Mission._meta.db_table,
        Beneficiary._meta.db_table,
        Association._meta.db_table,
    )
    facts, facts_args = mission_facts_columns(volunteer=int(vt.id[0]))
    sql = f"""
        SELECT mi.id, mi.association_id, mi.beneficiary_id, mi.kind, mi.status, mi.recurrence, mi.starts_at,
               mi.weekday, mi.local_time, mi.first_date, mi.end_date, mi.duration_minutes, mi.volunteers_needed,
               mi.latitude, mi.longitude, b.latitude, b.longitude, b.first_name, b.last_name,
               b.visitor_preference, a.timezone, CAST(b.interests AS TEXT), CAST(b.required_languages AS TEXT),
               CAST(a.preferences AS TEXT), {facts}
          FROM {mission} mi
          LEFT JOIN {person} b ON b.id = mi.beneficiary_id
          JOIN {association} a ON a.id = mi.association_id
         WHERE ({" OR ".join(places)})
           AND ((mi.recurrence = %s AND ({" OR ".join(weekly)})) OR (mi.recurrence = %s AND mi.starts_at > %s))
           AND (mi.beneficiary_id IS NULL OR b.visitor_preference IN {_sql_in(preferences)})
           AND mi.status = %s
    """  # noqa: S608 (table names from the models; every value is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, facts_args + args)
        found = cursor.fetchall()
    rows = []
    for row in found:
        row = dict(zip(MISSION_FIELDS_KNOWN, row, strict=True))
        row["knows"] = bool(row["knows"])
        row["starts_at"] = _aware(row["starts_at"])
        row["local_time"] = _from_text(row["local_time"], datetime.time.fromisoformat)
        row["first_date"] = _from_text(row["first_date"], datetime.date.fromisoformat)
        row["end_date"] = _from_text(row["end_date"], datetime.date.fromisoformat)
        rows.append(row)
    return rows


def volunteer_facts_reading(volunteer: Volunteer, *, now: datetime.datetime) -> Reading:
    """The first of volunteer_recommendations' queries (the volunteer's live matches, visit
    records and slots), for a page to send with its own (liens.lib.compiled.together) and hand
    over as `facts`, with the same `now`."""
    return facts_all_reading(now=now, volunteers=[volunteer.pk], weekdays=range(7))


def volunteer_recommendations(
    *,
    volunteer: Volunteer,
    limit: int = 20,
    once_vetted: bool = False,
    missions: QuerySet | None = None,
    facts: Facts | None = None,
    now: datetime.datetime | None = None,
) -> list[Suggestion]:
    """Open missions that fit `volunteer` under the hard rules, best first; with `once_vetted`,
    under every rule but vetting (rules.rules_passed_once_vetted): what opens to a volunteer
    awaiting vetting once approved, mixed with what is open to them now. A constant 3 queries:
    their facts (matches, visits, slots), the missions with their facts (live matches, whether
    the volunteer knows the person), the chosen missions with their person and association
    (none when nothing is chosen); one more for the
    volunteer's profile when `volunteer` was loaded with some of its columns deferred (a
    loaded row is taken as it is: the pages pass the one they read this request). The chosen
    missions are read from `missions` (default: with their person and association, every
    column), so a page may read only the columns it shows. A page that read the first query with
    its own (volunteer_facts_reading) passes its answer as `facts`, and the `now` it read them at."""
    if (facts is None) != (now is None):
        raise TypeError("facts and the moment they were read at go together")
    now = now or timezone.now()
    own_row = volunteer_row_of(volunteer)
    rows = [own_row] if own_row else volunteer_profiles(Volunteer.objects.filter(pk=volunteer.pk))
    if not rows:
        return []
    own = facts if facts is not None else volunteer_facts_reading(volunteer, now=now)()
    rows = rows_record(rows_load(rows, own.live, key="volunteer"), own.visits)
    vt = VolunteerTable.from_rows(rows, own.slots)
    found = _mission_candidates(vt, now=now, once_vetted=once_vetted)
    if not found:
        return []
    mt = MissionTable.from_rows(found, now=now)
    p = pairs_for(
        vt,
        mt,
        np.zeros(len(mt), dtype=np.int64),
        np.arange(len(mt)),
        live=set(own.live),  # every live match of the volunteer: those on these missions among them
        known={(row["beneficiary_id"], volunteer.pk) for row in found if row["knows"]},
    )
    chosen, parts, _total = _ranked(p, limit, once_vetted=once_vetted)
    if missions is None:
        missions = Mission.objects.select_related("beneficiary", "association")
    by_id = missions.in_bulk([int(p.mission.id[i]) for i in chosen])
    return [_suggestion(p, i, parts, volunteer=volunteer, mission=by_id[int(p.mission.id[i])]) for i in chosen]


# --- pages --------------------------------------------------------------------------------------


def match_history(*, mission: Mission) -> QuerySet:
    """Every match of the mission, newest first (proposals declined or expired included)."""
    return mission.matches.select_related("volunteer__user", "proposed_by", "ended_by").order_by("-proposed_at", "-pk")
