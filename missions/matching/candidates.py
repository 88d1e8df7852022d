"""The facts the hard rules and the score read, as columns: per volunteer, per mission, per pair.

Both paths build these same tables and call the same rule and part functions on them: the
suggestion path for one mission's few candidates, the batch path for every candidate pair of
a territory at once. Rules and parts use numpy operators only, so one definition serves one
pair or a million. The rows the tables are built from are read by facts.py.
"""

from __future__ import annotations

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

from liens.choices import IN_PERSON_KINDS, Gender, Interest, Language, VisitKind, VisitorPreference
from liens.lib.geo import EARTH_RADIUS_KM
from missions.models import Mission
from volunteers.models import Volunteer

from .facts import (
    known_pairs,
    live_matches,
    mission_rows,
    rows_load,
    seconds_of,
    slots_by_volunteer,
    volunteer_rows,
)
from .weights import PART_NAMES, weights_for

DAY_SECONDS = 24 * 3600


def horizon_km() -> float:
    """The farthest the engine looks: travel radii are capped at it; calls and events reach it."""
    return float(settings.LIENS_MATCHING_MAX_RADIUS_KM)


# --- codes as bits, so set questions become one integer operation per pair ---------------------


TEXT_MASKS_MAX = 65536


class Bits:
    """Codes of a vocabulary as bits of an int64, so "do these sets meet" is `a & b != 0`.

    Known codes get stable bits; a code outside the vocabulary (old data) gets the next free
    bit the first time it is seen, under a lock, so two threads never give it two bits.
    """

    def __init__(self, codes: Iterable[str]):
        self._bits = {code: 1 << i for i, code in enumerate(codes)}
        self._lock = threading.Lock()
        self._by_text: dict[str, int] = {}

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

    def mask_of(self, value) -> int:
        """mask() of a JSON list as the database returns it: text is decoded once per distinct
        value (a territory's hundreds of thousands of rows repeat a few thousand lists), a
        decoded list is taken as it is."""
        if not isinstance(value, str):
            return self.mask(value)
        found = self._by_text.get(value)
        if found is None:
            found = self.mask(parsed(value))
            if len(self._by_text) < TEXT_MASKS_MAX:  # bounded: the values come from users
                self._by_text[value] = found
        return found

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
    """The weekday, local times and first date of a mission row (values() of facts.MISSION_FIELDS)."""
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


def parsed(value):
    """A JSON value from its text (cached: the same few lists repeat across thousands of rows),
    or the value itself when it is already decoded."""
    return _parsed(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=65536)
def _parsed(text: str):
    return json.loads(text) if text else None


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
            kinds=_array((KINDS.mask_of(r["kinds_text"]) for r in rows), np.int64),
            left=_array((r["left_at"] is not None for r in rows), bool),
            paused_until=_array((r["paused_until"].toordinal() if r["paused_until"] else 0 for r in rows), np.int64),
            gender=_array((GENDER_CODES.get(r["gender"], 3) for r in rows), np.int64),
            languages=_array((LANGUAGES.mask_of(r["languages_text"]) for r in rows), np.int64),
            interests=_array((INTERESTS.mask_of(r["interests_text"]) for r in rows), np.int64),
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
            required_languages=_array((LANGUAGES.mask_of(r["required_text"]) for r in rows), np.int64),
            preference=_array(
                (PREFERENCE_CODES.get(r["beneficiary__visitor_preference"] or "any", 0) for r in rows), np.int64
            ),
            interests=_array((INTERESTS.mask_of(r["interests_text"]) for r in rows), np.int64),
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
