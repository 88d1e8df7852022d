"""The facts the matching engine reads from the database: volunteer and mission rows, live
matches, who already knows whom, visit records and availability slots.

Both paths ask the same questions: the suggestion path in one UNION (facts_all), the batch
path one question at a time over a whole territory. candidates.py turns the answers into the
numpy tables the rules and the score read.
"""

from __future__ import annotations

import collections
import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

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

from liens.lib.compiled import Reading
from missions.models import Contact, Match, Mission, Visit, VisitReport
from volunteers.models import AvailabilitySlot

# Statuses of a match where the volunteer has really been with the person (continuity).
KNOWN_STATUSES = (Match.Status.ACTIVE, Match.Status.PAUSED, Match.Status.ENDED)


def seconds_of(value: datetime.time) -> float:
    """Seconds after midnight, microseconds included, so comparisons stay exact."""
    return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1_000_000


def time_of(seconds: float) -> datetime.time:
    whole, micro = divmod(round(seconds * 1_000_000), 1_000_000)
    return datetime.time(int(whole // 3600), int(whole % 3600 // 60), int(whole % 60), int(micro))


# --- the columns the tables are built from -----------------------------------------------

# JSON lists come as text and are parsed once per distinct value (most volunteers share a
# handful of them); the radius comes as a float: loading 20,000 rows stays well under a second.
VOLUNTEER_COLUMNS = {
    "kinds_text": Cast("visit_kinds", TextField()),
    "languages_text": Cast("languages", TextField()),
    "interests_text": Cast("interests", TextField()),
    "radius": Cast("travel_radius_km", FloatField()),
}
# The volunteer's own columns, read from the row itself when it is already loaded.
_VOLUNTEER_OWN = (
    "id",
    "vetting_state",
    "left_at",
    "paused_until",
    "gender",
    "latitude",
    "longitude",
    "max_commitments",
)
VOLUNTEER_FIELDS = (*_VOLUNTEER_OWN, *VOLUNTEER_COLUMNS)
# The fields behind VOLUNTEER_COLUMNS: a loaded volunteer must hold them too.
_VOLUNTEER_LOADED = frozenset((*_VOLUNTEER_OWN, "visit_kinds", "languages", "interests", "travel_radius_km"))
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
    # Plain columns, not the UNION shape: it is only asked alone, for a territory's hundred
    # thousand slots, where casting times to text and back cost more than the query.
    slots = AvailabilitySlot.objects.filter(volunteer__in=volunteers)
    if weekdays is not None:
        slots = slots.filter(weekday__in=list(weekdays))
    return slots.order_by().values_list("volunteer_id", "weekday", "start", "end")


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


@functools.lru_cache(maxsize=4096)
def _seconds_of_text(value) -> float:
    # A territory's hundred thousand slots repeat a few dozen times of day: each once.
    return seconds_of(value if isinstance(value, datetime.time) else datetime.time.fromisoformat(value))


def _in(values) -> tuple[str, list]:
    values = list(values) or [-1]
    return "(" + ", ".join(["%s"] * len(values)) + ")", values


def facts_all(*, now, volunteers: list[int], missions=(), beneficiaries=(), weekdays=()) -> Facts:
    """facts_all_reading's answer, read now."""
    return facts_all_reading(
        now=now, volunteers=volunteers, missions=missions, beneficiaries=beneficiaries, weekdays=weekdays
    )()


def facts_all_reading(*, now, volunteers: list[int], missions=(), beneficiaries=(), weekdays=()) -> Reading:
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
    # A reading, so that a page can send it with its other queries (liens.lib.compiled.together).
    return Reading.raw(sql, args).then(lambda rows: Facts().add(rows))


def mission_facts_columns(*, volunteer: int) -> tuple[str, list]:
    """Two columns for a query of missions aliased `mi`: how many live matches the mission has,
    and whether `volunteer` knows its person (a match that went live, or a contact). What
    facts_all asks of a few missions for one volunteer, as the missions are read: one query
    less for a volunteer's recommendations. The matching tests hold both to the same answers."""
    live_in, live_args = _in(Match.LIVE)
    known_in, known_args = _in(KNOWN_STATUSES)
    match, mission, contact = Match._meta.db_table, Mission._meta.db_table, Contact._meta.db_table
    sql = f"""
        (SELECT COUNT(*) FROM {match} lm WHERE lm.mission_id = mi.id AND lm.status IN {live_in}),
        CASE WHEN mi.beneficiary_id IS NOT NULL AND (
            EXISTS (SELECT 1 FROM {match} km JOIN {mission} kmi ON kmi.id = km.mission_id
                     WHERE kmi.beneficiary_id = mi.beneficiary_id AND km.volunteer_id = %s
                       AND km.status IN {known_in})
            OR EXISTS (SELECT 1 FROM {contact} kc
                        WHERE kc.beneficiary_id = mi.beneficiary_id AND kc.volunteer_id = %s)
        ) THEN 1 ELSE 0 END
    """  # noqa: S608 (table names from the models; every value is a parameter)
    return sql, [*live_args, volunteer, *known_args, volunteer]


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


def volunteer_row_of(volunteer) -> dict | None:
    """The volunteer_profiles() row of a volunteer whose profile columns are already loaded,
    without a query; None when some are deferred. A page that has the volunteer's row (read this
    request) need not read it again. Lists stay decoded: Bits.mask_of() takes them as they are."""
    if not volunteer.pk or _VOLUNTEER_LOADED & volunteer.get_deferred_fields():
        return None
    row = {name: getattr(volunteer, name) for name in _VOLUNTEER_OWN}
    row.update(
        {
            "kinds_text": volunteer.visit_kinds,
            "languages_text": volunteer.languages,
            "interests_text": volunteer.interests,
            "radius": float(volunteer.travel_radius_km),
        }
    )
    return row


def mission_rows(queryset: QuerySet) -> list[dict]:
    """Rows for MissionTable (one query); their live match counts are set by rows_load()."""
    return list(queryset.annotate(**MISSION_COLUMNS).values(*MISSION_FIELDS))


def slots_by_volunteer(volunteers, *, weekdays: Iterable[int] | None = None) -> dict[int, list]:
    """{volunteer id: [(weekday, start s, end s), ...]} for these volunteers (ids or a query)."""
    found: dict[int, list] = {}
    for volunteer_id, weekday, start, end in _slots_query(volunteers=volunteers, weekdays=weekdays):
        found.setdefault(volunteer_id, []).append((weekday, _seconds_of_text(start), _seconds_of_text(end)))
    return found


def known_pairs(*, beneficiaries=None, volunteers=None) -> set[tuple[int, int]]:
    """(beneficiary id, volunteer id) where the volunteer has been with the person: a match that
    went live, or a contact in the ledger. One query (a UNION)."""
    first, second = _known_queries(beneficiaries=beneficiaries, volunteers=volunteers)
    return Facts().add(first.union(second, all=True)).known
