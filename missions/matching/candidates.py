"""The facts the hard rules and the score read, as columns: per volunteer, per mission, per pair.

Both paths build these same tables and call the same rule and part functions on them: the
suggestion path for one mission's few candidates, the batch path for every candidate pair of
a territory at once. Rules and parts use numpy operators only, so one definition serves one
pair or a million.
"""

from __future__ import annotations

import collections
import datetime
import functools
import json
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    F,
    FloatField,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast

from liens.choices import IN_PERSON_KINDS, Gender, Interest, Language, VisitKind, VisitorPreference
from liens.lib.geo import EARTH_RADIUS_KM
from missions.models import Contact, Match, Mission, Visit, VisitReport
from volunteers.models import AvailabilitySlot, Volunteer

DAY_SECONDS = 24 * 3600
# Statuses of a match where the volunteer has really been with the person (continuity).
KNOWN_STATUSES = (Match.Status.ACTIVE, Match.Status.PAUSED, Match.Status.ENDED)


def horizon_km() -> float:
    """The farthest the engine looks: travel radii are capped at it; calls and events reach it."""
    return float(settings.LIENS_MATCHING_MAX_RADIUS_KM)


# --- codes as bits, so set questions become one integer operation per pair ---------------------


class Bits:
    """Codes of a vocabulary as bits of an int64, so "do these sets meet" is `a & b != 0`.

    Known codes get stable bits; a code outside the vocabulary (old data) gets the next free
    bit the first time it is seen, under a lock, so two threads never give it two bits.
    """

    def __init__(self, codes: Iterable[str]):
        self._bits = {code: 1 << i for i, code in enumerate(codes)}
        self._lock = threading.Lock()

    def bit(self, code: str) -> int:
        found = self._bits.get(code)
        if found is None:
            with self._lock:
                found = self._bits.get(code)
                if found is None:
                    if len(self._bits) >= 62:
                        raise ValueError(f"too many distinct codes for a bit mask: {code!r}")
                    found = self._bits[code] = 1 << len(self._bits)
        return found

    def mask(self, codes: Iterable[str] | None) -> int:
        total = 0
        for code in codes or ():
            if isinstance(code, str) and code:
                total |= self.bit(code)
        return total

    def codes(self, mask: int) -> list[str]:
        return [code for code, bit in self._bits.items() if mask & bit]


KINDS = Bits(VisitKind.values)
LANGUAGES = Bits(Language.values)
INTERESTS = Bits(Interest.values)
GENDER_CODES = {Gender.FEMALE: 1, Gender.MALE: 2, Gender.OTHER: 3}
PREFERENCE_CODES = {VisitorPreference.ANY: 0, VisitorPreference.FEMALE: 1, VisitorPreference.MALE: 2}
IN_PERSON_MASK = KINDS.mask(IN_PERSON_KINDS)

_may_take_masks: dict[str, int] = {}


def may_take_mask(vetting_state: str) -> int:
    """The kinds Volunteer.may_take allows for this vetting state, as a bit mask (cached)."""
    mask = _may_take_masks.get(vetting_state)
    if mask is None:
        probe = Volunteer(vetting_state=vetting_state)
        mask = _may_take_masks[vetting_state] = KINDS.mask(k for k in VisitKind.values if probe.may_take(k))
    return mask


def seconds_of(value: datetime.time) -> float:
    """Seconds after midnight, microseconds included, so comparisons stay exact."""
    return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1_000_000


def time_of(seconds: float) -> datetime.time:
    whole, micro = divmod(round(seconds * 1_000_000), 1_000_000)
    return datetime.time(int(whole // 3600), int(whole % 3600 // 60), int(whole % 60), int(micro))


# --- geometry -----------------------------------------------------------------------------------


def haversine_km_array(lat1, lon1, lat2, lon2) -> np.ndarray:
    """liens.lib.geo.haversine_km over arrays; NaN where a point is unknown."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlambda = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the unit sphere: straight-line (chord) distance grows with great-circle distance."""
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def chord_of_km(km) -> np.ndarray:
    """The chord on the unit sphere matching a great-circle distance in km (a little over it)."""
    km = np.asarray(km, dtype=float) * 1.001 + 0.01  # room for rounding: the exact rule decides
    return 2 * np.sin(np.minimum(km / (2 * EARTH_RADIUS_KM), math.pi / 2))


# --- the mission's slot in its association's local time --------------------------------------


@dataclass(frozen=True)
class Slot:
    """When a mission (or one visit of it) happens, in the association's local time."""

    weekday: int
    start: float  # seconds after local midnight
    end: float  # may pass 24 h: then no availability slot can hold it
    on: datetime.date  # the first date it happens (pauses are checked against it)
    ahead: bool  # whether it still happens in the future


def mission_slot(row: dict, *, now: datetime.datetime) -> Slot:
    """The weekday, local times and first date of a mission row (values() of MISSION_FIELDS)."""
    zone = ZoneInfo(row["association__timezone"] or settings.TIME_ZONE)
    duration = int(row["duration_minutes"]) * 60
    if row["recurrence"] == Mission.Recurrence.ONE_OFF:
        local = row["starts_at"].astimezone(zone)
        start = seconds_of(local.time())
        return Slot(local.weekday(), start, start + duration, local.date(), row["starts_at"] > now)
    today = now.astimezone(zone).date()
    day = max(today, row["first_date"] or today)
    day += datetime.timedelta(days=(row["weekday"] - day.weekday()) % 7)
    start = seconds_of(row["local_time"])
    ahead = row["end_date"] is None or day <= row["end_date"]
    return Slot(row["weekday"], start, start + duration, day, ahead)


def visit_slot(*, starts_at: datetime.datetime, ends_at: datetime.datetime, timezone: str, now) -> Slot:
    """The slot of one visit (a stand-in is needed for that visit only)."""
    local = starts_at.astimezone(ZoneInfo(timezone or settings.TIME_ZONE))
    start = seconds_of(local.time())
    return Slot(
        local.weekday(), start, start + int((ends_at - starts_at).total_seconds()), local.date(), starts_at > now
    )


# --- tables -----------------------------------------------------------------------------------

# JSON lists come as text and are parsed once per distinct value (most volunteers share a
# handful of them); the radius comes as a float: loading 20,000 rows stays well under a second.
VOLUNTEER_COLUMNS = {
    "kinds_text": Cast("visit_kinds", TextField()),
    "languages_text": Cast("languages", TextField()),
    "interests_text": Cast("interests", TextField()),
    "radius": Cast("travel_radius_km", FloatField()),
}
VOLUNTEER_FIELDS = (
    "id",
    "vetting_state",
    "left_at",
    "paused_until",
    "gender",
    "latitude",
    "longitude",
    "max_commitments",
    *VOLUNTEER_COLUMNS,
)
# The mission's own columns, read from the row itself when it is already loaded.
_MISSION_OWN = (
    "id",
    "association_id",
    "beneficiary_id",
    "kind",
    "status",
    "recurrence",
    "starts_at",
    "weekday",
    "local_time",
    "first_date",
    "end_date",
    "duration_minutes",
    "volunteers_needed",
    "latitude",
    "longitude",
)
MISSION_COLUMNS = {
    "interests_text": Cast("beneficiary__interests", TextField()),
    "required_text": Cast("beneficiary__required_languages", TextField()),
    "preferences_text": Cast("association__preferences", TextField()),
}
MISSION_FIELDS = (
    *_MISSION_OWN,
    "beneficiary__latitude",
    "beneficiary__longitude",
    "beneficiary__first_name",
    "beneficiary__last_name",
    "beneficiary__visitor_preference",
    "association__timezone",
    *MISSION_COLUMNS,
)


def parsed(value):
    """A JSON value from its text (cached: the same few lists repeat across thousands of rows),
    or the value itself when it is already decoded."""
    return _parsed(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=65536)
def _parsed(text: str):
    return json.loads(text) if text else None


# --- facts about pairs: one uniform row shape, so they can be asked separately or in one UNION --
# (tag, a, b, c, start, end): live (1, mission, volunteer), known (2, beneficiary, volunteer),
# visits (3, volunteer, past, reported), slot (4, volunteer, weekday, start text, end text).
LIVE, KNOWN, VISITS, SLOT = 1, 2, 3, 4
# Typed NULLs: PostgreSQL resolves a UNION's column types pair by pair, and takes a bare NULL
# for text.
_NO_INT = Cast(Value(None), BigIntegerField())
_NO_TEXT = Cast(Value(None), CharField())


SHAPE = ("f_tag", "f_a", "f_b", "f_c", "f_start", "f_end")


def _shaped(queryset: QuerySet, tag: int, a, b, c=_NO_INT, start=_NO_TEXT, end=_NO_TEXT) -> QuerySet:
    # Every column is an annotation, added in the same order, so each part of a UNION lists
    # them in the same order (plain fields and annotations are not placed alike).
    return (
        queryset.order_by()
        .annotate(
            f_tag=Cast(Value(tag), BigIntegerField()),
            f_a=F(a) if isinstance(a, str) else a,
            f_b=F(b) if isinstance(b, str) else b,
            f_c=c,
            f_start=start,
            f_end=end,
        )
        .values_list(*SHAPE)
    )


def _live_query(*, missions=None, volunteers=None) -> QuerySet:
    where = Q(pk__in=[])
    if missions is not None:
        where |= Q(mission__in=missions)
    if volunteers is not None:
        where |= Q(volunteer__in=volunteers)
    return _shaped(Match.objects.filter(where, status__in=Match.LIVE), LIVE, "mission_id", "volunteer_id")


def _known_queries(*, beneficiaries=None, volunteers=None) -> list[QuerySet]:
    matches = Match.objects.filter(status__in=KNOWN_STATUSES, mission__beneficiary__isnull=False)
    contacts = Contact.objects.filter(volunteer__isnull=False)
    if beneficiaries is not None:
        matches = matches.filter(mission__beneficiary__in=beneficiaries)
        contacts = contacts.filter(beneficiary__in=beneficiaries)
    if volunteers is not None:
        matches = matches.filter(volunteer__in=volunteers)
        contacts = contacts.filter(volunteer__in=volunteers)
    return [
        _shaped(matches, KNOWN, "mission__beneficiary_id", "volunteer_id"),
        _shaped(contacts, KNOWN, "beneficiary_id", "volunteer_id"),
    ]


def _visits_query(*, volunteers, now: datetime.datetime) -> QuerySet:
    visits = (
        Visit.objects.filter(match__volunteer__in=volunteers, ends_at__lt=now)
        .exclude(status=Visit.Status.CANCELLED)
        .order_by()
        .values("match__volunteer")
    )
    return _shaped(visits, VISITS, "match__volunteer", Count("pk"), c=Count("report"))


def _slots_query(*, volunteers, weekdays=None) -> QuerySet:
    slots = AvailabilitySlot.objects.filter(volunteer__in=volunteers)
    if weekdays is not None:
        slots = slots.filter(weekday__in=list(weekdays))
    return _shaped(
        slots, SLOT, "volunteer_id", "weekday", start=Cast("start", CharField()), end=Cast("end", CharField())
    )


@dataclass
class Facts:
    live: list[tuple[int, int]] = field(default_factory=list)
    known: set[tuple[int, int]] = field(default_factory=set)
    visits: dict[int, tuple[int, int]] = field(default_factory=dict)
    slots: dict[int, list] = field(default_factory=dict)

    def add(self, rows) -> Facts:
        for tag, a, b, c, start, end in rows:
            if tag == LIVE:
                self.live.append((a, b))
            elif tag == KNOWN:
                self.known.add((a, b))
            elif tag == VISITS:
                self.visits[a] = (b, c)
            else:
                self.slots.setdefault(a, []).append((b, _seconds_of_text(start), _seconds_of_text(end)))
        return self


def _seconds_of_text(value) -> float:
    return seconds_of(value if isinstance(value, datetime.time) else datetime.time.fromisoformat(value))


def _in(values) -> tuple[str, list]:
    values = list(values) or [-1]
    return "(" + ", ".join(["%s"] * len(values)) + ")", values


def facts_all(*, now, volunteers: list[int], missions=(), beneficiaries=(), weekdays=()) -> Facts:
    """Live matches (of these missions or volunteers), who knows these people, visit records
    and slots (those weekdays) of these volunteers: ONE query, for the suggestion path.

    Written as plain SQL (portable: SQLite and PostgreSQL) because composing the same UNION of
    five ORM querysets costs more than running it. It asks exactly what _live_query,
    _known_queries, _visits_query and _slots_query ask, which the batch path uses; the
    property tests hold both paths to the same answers.
    """
    ops = connection.ops
    live_in, live_args = _in(Match.LIVE)
    known_in, known_args = _in(KNOWN_STATUSES)
    missions_in, mission_args = _in(missions)
    volunteers_in, volunteer_args = _in(volunteers)
    people_in, people_args = _in(beneficiaries)
    days_in, day_args = _in(weekdays)
    match, mission, contact = Match._meta.db_table, Mission._meta.db_table, Contact._meta.db_table
    visit, report, slot = Visit._meta.db_table, VisitReport._meta.db_table, AvailabilitySlot._meta.db_table
    sql = f"""
        SELECT CAST(1 AS BIGINT), m.mission_id, m.volunteer_id, CAST(NULL AS BIGINT),
               CAST(NULL AS VARCHAR(16)), CAST(NULL AS VARCHAR(16))
          FROM {match} m
         WHERE m.status IN {live_in} AND (m.mission_id IN {missions_in} OR m.volunteer_id IN {volunteers_in})
        UNION ALL
        SELECT 2, mi.beneficiary_id, m.volunteer_id, NULL, NULL, NULL
          FROM {match} m JOIN {mission} mi ON mi.id = m.mission_id
         WHERE m.status IN {known_in} AND mi.beneficiary_id IN {people_in}
        UNION ALL
        SELECT 2, c.beneficiary_id, c.volunteer_id, NULL, NULL, NULL
          FROM {contact} c
         WHERE c.volunteer_id IS NOT NULL AND c.beneficiary_id IN {people_in}
        UNION ALL
        SELECT 3, m.volunteer_id, COUNT(v.id), COUNT(r.id), NULL, NULL
          FROM {visit} v JOIN {match} m ON m.id = v.match_id LEFT JOIN {report} r ON r.visit_id = v.id
         WHERE m.volunteer_id IN {volunteers_in} AND v.ends_at < %s AND v.status <> %s
         GROUP BY m.volunteer_id
        UNION ALL
        SELECT 4, s.volunteer_id, s.weekday, NULL, CAST(s.start AS VARCHAR(16)), CAST(s."end" AS VARCHAR(16))
          FROM {slot} s
         WHERE s.volunteer_id IN {volunteers_in} AND s.weekday IN {days_in}
    """  # noqa: S608 (table names from the models; every value is a parameter)
    args = [
        *live_args,
        *mission_args,
        *volunteer_args,
        *known_args,
        *people_args,
        *people_args,
        *volunteer_args,
        ops.adapt_datetimefield_value(now),
        Visit.Status.CANCELLED,
        *volunteer_args,
        *day_args,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return Facts().add(cursor.fetchall())


def live_matches(*, missions=None, volunteers=None) -> list[tuple[int, int]]:
    """(mission id, volunteer id) of live matches touching these missions or these volunteers."""
    return Facts().add(_live_query(missions=missions, volunteers=volunteers)).live


def volunteer_profiles(queryset: QuerySet) -> list[dict]:
    """The profile columns VolunteerTable needs, one query."""
    return list(queryset.annotate(**VOLUNTEER_COLUMNS).values(*VOLUNTEER_FIELDS))


def volunteer_rows(queryset: QuerySet, *, now: datetime.datetime, ids=None, rows=None) -> list[dict]:
    """Rows for VolunteerTable: profile columns (one query, unless `rows` are given) and past
    visits, reported or not (one aggregate query). Live match counts are set by rows_load().

    `ids` selects the volunteers in the aggregate query: None for the rows' own ids (a few
    candidates), or a subquery when there are thousands (too many parameters otherwise).
    """
    rows = volunteer_profiles(queryset) if rows is None else rows
    if not rows:
        return rows
    ids = [row["id"] for row in rows] if ids is None else ids
    return rows_record(rows, Facts().add(_visits_query(volunteers=ids, now=now)).visits)


def rows_record(rows: list[dict], visits: dict[int, tuple[int, int]]) -> list[dict]:
    """Set each volunteer row's past visits and how many were reported."""
    for row in rows:
        row["past_visits"], row["reported_visits"] = visits.get(row["id"], (0, 0))
    return rows


def rows_load(rows: list[dict], live: list[tuple[int, int]], *, key: str) -> list[dict]:
    """Set each row's live match count from `live` pairs (key "volunteer" or "mission")."""
    position = 1 if key == "volunteer" else 0
    counts = collections.Counter(pair[position] for pair in live)
    for row in rows:
        row["live_count"] = counts[row["id"]]
    return rows


def mission_row_of(mission: Mission) -> dict | None:
    """The MissionTable row of a mission whose person and association are already loaded
    (select_related), without a query; None when they are not."""
    if not (
        Mission.association.is_cached(mission)
        and (not mission.beneficiary_id or Mission.beneficiary.is_cached(mission))
    ):
        return None
    person, association = mission.beneficiary, mission.association
    row = {name: getattr(mission, name) for name in _MISSION_OWN}
    row.update(
        {
            "beneficiary__latitude": person.latitude if person else None,
            "beneficiary__longitude": person.longitude if person else None,
            "beneficiary__first_name": person.first_name if person else None,
            "beneficiary__last_name": person.last_name if person else None,
            "beneficiary__visitor_preference": person.visitor_preference if person else None,
            "association__timezone": association.timezone,
            "interests_text": person.interests if person else None,
            "required_text": person.required_languages if person else None,
            "preferences_text": association.preferences,
        }
    )
    return row


def mission_rows(queryset: QuerySet) -> list[dict]:
    """Rows for MissionTable (one query); their live match counts are set by rows_load()."""
    return list(queryset.annotate(**MISSION_COLUMNS).values(*MISSION_FIELDS))


def slots_by_volunteer(volunteers, *, weekdays: Iterable[int] | None = None) -> dict[int, list]:
    """{volunteer id: [(weekday, start s, end s), ...]} for these volunteers (ids or a query)."""
    return Facts().add(_slots_query(volunteers=volunteers, weekdays=weekdays)).slots


def _array(values, dtype) -> np.ndarray:
    return np.fromiter(values, dtype=dtype)


def _float(value) -> float:
    return math.nan if value is None else float(value)


@dataclass
class VolunteerTable:
    """One row per volunteer: what the rules and parts need, as numpy columns."""

    id: np.ndarray
    may_take: np.ndarray  # kinds vetting allows (Volunteer.may_take), as bits
    kinds: np.ndarray  # kinds the volunteer accepts, as bits
    left: np.ndarray
    paused_until: np.ndarray  # date ordinal; 0 when not paused
    gender: np.ndarray
    languages: np.ndarray
    interests: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    reach_km: np.ndarray  # travel radius, capped at the horizon
    max_commitments: np.ndarray
    live_count: np.ndarray
    past_visits: np.ndarray
    reported_visits: np.ndarray
    slots: list[list[tuple[int, float, float]]] = field(repr=False)

    def __len__(self) -> int:
        return len(self.id)

    @classmethod
    def from_rows(cls, rows: list[dict], slots: dict[int, list]) -> VolunteerTable:
        cap = horizon_km()
        return cls(
            id=_array((r["id"] for r in rows), np.int64),
            may_take=_array((may_take_mask(r["vetting_state"]) for r in rows), np.int64),
            kinds=_array((KINDS.mask(parsed(r["kinds_text"])) for r in rows), np.int64),
            left=_array((r["left_at"] is not None for r in rows), bool),
            paused_until=_array((r["paused_until"].toordinal() if r["paused_until"] else 0 for r in rows), np.int64),
            gender=_array((GENDER_CODES.get(r["gender"], 3) for r in rows), np.int64),
            languages=_array((LANGUAGES.mask(parsed(r["languages_text"])) for r in rows), np.int64),
            interests=_array((INTERESTS.mask(parsed(r["interests_text"])) for r in rows), np.int64),
            latitude=_array((_float(r["latitude"]) for r in rows), float),
            longitude=_array((_float(r["longitude"]) for r in rows), float),
            reach_km=_array((min(r["radius"], cap) for r in rows), float),
            max_commitments=_array((r["max_commitments"] for r in rows), np.int64),
            live_count=_array((r["live_count"] for r in rows), np.int64),
            past_visits=_array((r["past_visits"] for r in rows), np.int64),
            reported_visits=_array((r["reported_visits"] for r in rows), np.int64),
            slots=[slots.get(r["id"], []) for r in rows],
        )


@dataclass
class MissionTable:
    """One row per mission (or per visit needing a stand-in), as numpy columns."""

    id: np.ndarray
    association_id: np.ndarray
    beneficiary_id: np.ndarray  # 0 for a group event
    kind: np.ndarray  # one bit of KINDS
    in_person: np.ndarray
    located: np.ndarray
    is_open: np.ndarray
    on: np.ndarray  # date ordinal of the first occurrence
    weekday: np.ndarray
    start: np.ndarray
    end: np.ndarray
    needed: np.ndarray
    live_count: np.ndarray
    required_languages: np.ndarray
    preference: np.ndarray
    interests: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    weights: dict[str, np.ndarray]
    beneficiary_names: list[str] = field(repr=False)

    def __len__(self) -> int:
        return len(self.id)

    def slot(self, i: int) -> Slot:
        return Slot(
            int(self.weekday[i]),
            float(self.start[i]),
            float(self.end[i]),
            datetime.date.fromordinal(int(self.on[i])),
            bool(self.is_open[i]),
        )

    @classmethod
    def from_rows(
        cls,
        rows: list[dict],
        *,
        now: datetime.datetime,
        slots: dict[int, Slot] | None = None,
        away: dict[int, int] | None = None,
        statuses=(Mission.Status.OPEN,),
    ) -> MissionTable:
        """`slots` replaces a mission's own schedule (one visit); `away` frees places of matches
        whose volunteer is away (a stand-in takes one while they are); `statuses` are the
        mission statuses that count as open (a stand-in may join a filled mission)."""
        # A cycle: scoring imports this module's pair arrays at import, so this side waits.
        from .scoring import PART_NAMES, weights_for

        slots, away = slots or {}, away or {}
        schedule = [slots.get(r["id"]) or mission_slot(r, now=now) for r in rows]
        points = [
            (r["beneficiary__latitude"], r["beneficiary__longitude"])
            if r["beneficiary__latitude"] is not None
            else (r["latitude"], r["longitude"])
            for r in rows
        ]
        weights = [weights_for(parsed(r["preferences_text"])) for r in rows]
        kinds = [KINDS.bit(r["kind"]) for r in rows]
        return cls(
            id=_array((r["id"] for r in rows), np.int64),
            association_id=_array((r["association_id"] for r in rows), np.int64),
            beneficiary_id=_array((r["beneficiary_id"] or 0 for r in rows), np.int64),
            kind=np.array(kinds, dtype=np.int64),
            in_person=_array(((k & IN_PERSON_MASK) != 0 for k in kinds), bool),
            located=_array((p[0] is not None and p[1] is not None for p in points), bool),
            is_open=_array((r["status"] in statuses and s.ahead for r, s in zip(rows, schedule, strict=True)), bool),
            on=_array((s.on.toordinal() for s in schedule), np.int64),
            weekday=_array((s.weekday for s in schedule), np.int64),
            start=_array((s.start for s in schedule), float),
            end=_array((s.end for s in schedule), float),
            needed=_array((r["volunteers_needed"] for r in rows), np.int64),
            live_count=_array((r["live_count"] - away.get(r["id"], 0) for r in rows), np.int64),
            required_languages=_array((LANGUAGES.mask(parsed(r["required_text"])) for r in rows), np.int64),
            preference=_array(
                (PREFERENCE_CODES.get(r["beneficiary__visitor_preference"] or "any", 0) for r in rows), np.int64
            ),
            interests=_array((INTERESTS.mask(parsed(r["interests_text"])) for r in rows), np.int64),
            latitude=_array((_float(p[0]) for p in points), float),
            longitude=_array((_float(p[1]) for p in points), float),
            weights={name: _array((w[name] for w in weights), float) for name in PART_NAMES},
            beneficiary_names=[
                f"{r['beneficiary__first_name']} {(r['beneficiary__last_name'] or '')[:1]}."
                if r["beneficiary_id"]
                else ""
                for r in rows
            ],
        )


class _Gathered:
    """The columns of a table, taken at the pairs' row indexes (computed once per column)."""

    def __init__(self, table, index: np.ndarray):
        self._table, self._index = table, index

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        column = getattr(self._table, name)
        value = {k: v[self._index] for k, v in column.items()} if isinstance(column, dict) else column[self._index]
        self.__dict__[name] = value
        return value


class Pairs:
    """Candidate (volunteer, mission) pairs with the per-pair facts: distance, covering slot,
    an existing live match between them, and whether the volunteer knows the person."""

    def __init__(
        self,
        volunteers: VolunteerTable,
        missions: MissionTable,
        vi: np.ndarray,
        mi: np.ndarray,
        *,
        slot_start: np.ndarray,
        slot_end: np.ndarray,
        already: np.ndarray,
        knows: np.ndarray,
        distance_km: np.ndarray | None = None,
    ):
        self.volunteers, self.missions = volunteers, missions
        self.vi, self.mi = np.asarray(vi, dtype=np.int64), np.asarray(mi, dtype=np.int64)
        self.volunteer = _Gathered(volunteers, self.vi)
        self.mission = _Gathered(missions, self.mi)
        self.slot_start = np.asarray(slot_start, dtype=float)  # NaN: no slot that day
        self.slot_end = np.asarray(slot_end, dtype=float)
        self.already = np.asarray(already, dtype=bool)
        self.knows = np.asarray(knows, dtype=bool)
        if distance_km is None:
            distance_km = haversine_km_array(
                self.volunteer.latitude, self.volunteer.longitude, self.mission.latitude, self.mission.longitude
            )
        self.distance_km = np.asarray(distance_km, dtype=float)

    def __len__(self) -> int:
        return len(self.vi)

    def subset(self, keep: np.ndarray) -> Pairs:
        return Pairs(
            self.volunteers,
            self.missions,
            self.vi[keep],
            self.mi[keep],
            slot_start=self.slot_start[keep],
            slot_end=self.slot_end[keep],
            already=self.already[keep],
            knows=self.knows[keep],
            distance_km=self.distance_km[keep],
        )


def best_slot(slots: list[tuple[int, float, float]], slot: Slot) -> tuple[float, float]:
    """The volunteer's slot that holds the mission's with the most room; (NaN, NaN) if none."""
    best = (math.nan, math.nan)
    for weekday, start, end in slots:
        holds = weekday == slot.weekday and start <= slot.start and end >= slot.end
        if holds and (math.isnan(best[0]) or end - start > best[1] - best[0]):
            best = (start, end)
    return best


def known_pairs(*, beneficiaries=None, volunteers=None) -> set[tuple[int, int]]:
    """(beneficiary id, volunteer id) where the volunteer has been with the person: a match that
    went live, or a contact in the ledger. One query (a UNION)."""
    first, second = _known_queries(beneficiaries=beneficiaries, volunteers=volunteers)
    return Facts().add(first.union(second, all=True)).known


def pairs_for(
    volunteers: VolunteerTable,
    missions: MissionTable,
    vi: np.ndarray,
    mi: np.ndarray,
    *,
    live: set[tuple[int, int]],
    known: set[tuple[int, int]],
) -> Pairs:
    """Pairs for explicit (volunteer row, mission row) indexes; slots chosen per pair in Python."""
    slot_start, slot_end, already, knows = [], [], [], []
    for v, m in zip(vi.tolist(), mi.tolist(), strict=True):
        start, end = best_slot(volunteers.slots[v], missions.slot(m))
        slot_start.append(start)
        slot_end.append(end)
        volunteer_id = int(volunteers.id[v])
        already.append((int(missions.id[m]), volunteer_id) in live)
        knows.append((int(missions.beneficiary_id[m]), volunteer_id) in known)
    return Pairs(volunteers, missions, vi, mi, slot_start=slot_start, slot_end=slot_end, already=already, knows=knows)


def pair_evaluate(
    *,
    volunteer: Volunteer,
    mission: Mission,
    now: datetime.datetime,
    slot: Slot | None = None,
    away: int = 0,
    statuses=(Mission.Status.OPEN,),
) -> Pairs:
    """The facts of one (volunteer, mission) pair, read fresh from the database (see
    MissionTable.from_rows for `slot`, `away` and `statuses`)."""
    live = live_matches(missions=[mission.pk], volunteers=[volunteer.pk])
    rows = rows_load(volunteer_rows(Volunteer.objects.filter(pk=volunteer.pk), now=now), live, key="volunteer")
    vt = VolunteerTable.from_rows(rows, slots_by_volunteer([volunteer.pk]))
    mission_found = rows_load(mission_rows(Mission.objects.filter(pk=mission.pk)), live, key="mission")
    mt = MissionTable.from_rows(
        mission_found, now=now, slots={mission.pk: slot} if slot else None, away={mission.pk: away}, statuses=statuses
    )
    beneficiaries = [mission.beneficiary_id] if mission.beneficiary_id else []
    return pairs_for(
        vt,
        mt,
        np.zeros(1, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        live=set(live),
        known=known_pairs(beneficiaries=beneficiaries, volunteers=[volunteer.pk]) if beneficiaries else set(),
    )


def keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One int64 key per (a, b) id pair, for vectorised set membership."""
    return np.asarray(a, dtype=np.int64) * (1 << 31) + np.asarray(b, dtype=np.int64)


def key_array(pairs: set[tuple[int, int]]) -> np.ndarray:
    if not pairs:
        return np.zeros(0, dtype=np.int64)
    first, second = zip(*pairs, strict=True)
    return keys(np.array(first), np.array(second))
