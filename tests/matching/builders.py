"""Random small territories for the property tests.

Hypothesis draws the parameters (a seed, sizes, how spread out and how demanding the territory
is); a seeded random.Random turns them into believable rows through the factories, inside the
test's own savepoint. Drawing every field through hypothesis made nearly every pair invalid
(it favours boundary values), which would leave the properties little to check.
"""

import datetime
import random

from django.utils import timezone
from hypothesis import strategies as st

from liens.choices import VisitKind
from missions.models import Contact, Match, Mission
from tests import factories
from volunteers.models import Volunteer

CENTRE = (45.7640, 4.8357)  # Lyon
KM_LAT = 1 / 111.2
KM_LON = 1 / (111.2 * 0.6977)  # cos(45.76°)
LANGUAGES = ["fr", "en", "ar"]
INTERESTS = ["board_games", "gardening", "music", "reading", "cards"]

territory_spec = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32 - 1),
        "volunteers": st.integers(1, 8),
        "missions": st.integers(1, 5),
        "spread_km": st.sampled_from([1.5, 4, 10, 25]),
        # 0: everyone fits everything they can; 1: many volunteers with odd constraints.
        "strictness": st.floats(0, 1),
        "history": st.integers(0, 6),
    }
)


def _point(rnd: random.Random, spread_km: float, unknown: float):
    if rnd.random() < unknown:
        return None, None
    return CENTRE[0] + rnd.gauss(0, spread_km) * KM_LAT, CENTRE[1] + rnd.gauss(0, spread_km) * KM_LON


def _some(rnd: random.Random, items: list, p: float) -> list:
    return [item for item in items if rnd.random() < p]


def _missions(rnd, spec, *, associations, today) -> list[Mission]:
    strict = spec["strictness"]
    missions = []
    for _ in range(spec["missions"]):
        association = associations[rnd.random() < 0.3]
        kind = rnd.choices(VisitKind.values, weights=[5, 2, 2, 1])[0]
        lat, lon = _point(rnd, spec["spread_km"], 0.08)
        group = kind == VisitKind.GROUP_EVENT
        beneficiary = None
        if not group:
            beneficiary = factories.BeneficiaryFactory(
                association=association,
                latitude=lat,
                longitude=lon,
                required_languages=_some(rnd, LANGUAGES, 0.5) if rnd.random() < strict * 0.5 else [],
                visitor_preference=rnd.choice(["female", "male"]) if rnd.random() < strict * 0.4 else "any",
                interests=_some(rnd, INTERESTS, 0.4),
            )
        hour, minute = rnd.randint(8, 20), rnd.choice([0, 30])
        if rnd.random() < 0.6:
            schedule = {"recurrence": "weekly", "weekday": rnd.randint(0, 6), "local_time": datetime.time(hour, minute)}
        else:
            day = today + datetime.timedelta(days=rnd.choice([-2, 1, 3, 7, 15]))
            starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
            schedule = {"recurrence": "one_off", "weekday": None, "local_time": None, "starts_at": starts_at}
        missions.append(
            factories.MissionFactory(
                association=association,
                beneficiary=beneficiary,
                kind=kind,
                duration_minutes=rnd.choice([30, 60, 90, 120, 240]),
                volunteers_needed=rnd.choice([1, 1, 1, 2, 3]),
                status="draft" if rnd.random() < 0.1 else "open",
                latitude=lat if group else None,
                longitude=lon if group else None,
                place="Salle des fêtes" if group else "",
                **schedule,
            )
        )
    return missions


def _slots_around(volunteer: Volunteer, mission: Mission, room: int, today: datetime.date, seen: set) -> None:
    """A weekly slot holding the mission's visit, with `room` half-hours on each side."""
    if mission.starts_at:
        local = timezone.localtime(mission.starts_at)
        weekday = local.weekday()
    else:
        local, weekday = datetime.datetime.combine(today, mission.local_time), mission.weekday
    begin = local - datetime.timedelta(minutes=30 * room)
    finish = local + datetime.timedelta(minutes=mission.duration_minutes + 30 * room)
    if begin.date() != local.date() or finish.date() != local.date() or (weekday, begin.time()) in seen:
        return
    seen.add((weekday, begin.time()))
    factories.AvailabilitySlotFactory(volunteer=volunteer, weekday=weekday, start=begin.time(), end=finish.time())


def build_territory(spec: dict, *, associations) -> tuple[list[Volunteer], list[Mission]]:
    """Rows for one drawn territory; `associations` are (A, B), missions go mostly to A."""
    rnd = random.Random(spec["seed"])
    strict = spec["strictness"]
    now, today = timezone.now(), timezone.localdate()
    missions = _missions(rnd, spec, associations=associations, today=today)
    volunteers = []
    for _ in range(spec["volunteers"]):
        lat, lon = _point(rnd, spec["spread_km"], 0.08)
        vetting = rnd.choices(["approved", "pending", "rejected"], weights=[8, 2 * strict + 0.2, strict + 0.1])[0]
        paused = rnd.choice([-3, 1, 2, 40]) if rnd.random() < strict * 0.4 else None
        volunteer = factories.VolunteerFactory(
            user__password=None,
            latitude=lat,
            longitude=lon,
            travel_radius_km=rnd.choice([1, 3, 5, 8, 10, 25]),
            visit_kinds=VisitKind.values if rnd.random() > strict * 0.7 else _some(rnd, VisitKind.values, 0.5),
            vetting_state=vetting,
            approved_at=now if vetting == "approved" else None,
            paused_until=None if paused is None else today + datetime.timedelta(days=paused),
            left_at=now if rnd.random() < strict * 0.1 else None,
            gender=rnd.choice(["female", "male", "other"]),
            languages=["fr", *_some(rnd, LANGUAGES[1:], 0.3)] if rnd.random() < 0.9 else _some(rnd, LANGUAGES, 0.5),
            interests=_some(rnd, INTERESTS, 0.4),
            max_commitments=rnd.choice([1, 2, 3]),
        )
        seen: set = set()
        for mission in missions:
            if rnd.random() < 0.7:
                _slots_around(volunteer, mission, rnd.choice([0, 1, 2, 4]), today, seen)
        for _ in range(rnd.randint(0, 2)):
            weekday, hour = rnd.randint(0, 6), rnd.randint(8, 19)
            if (weekday, datetime.time(hour)) not in seen:
                seen.add((weekday, datetime.time(hour)))
                end = datetime.time(min(hour + rnd.randint(1, 5), 23))
                factories.AvailabilitySlotFactory(
                    volunteer=volunteer, weekday=weekday, start=datetime.time(hour), end=end
                )
        volunteers.append(volunteer)
    for _ in range(spec["history"]):
        volunteer, mission = rnd.choice(volunteers), rnd.choice(missions)
        status = rnd.choice(Match.Status.values)
        if status in Match.LIVE and Match.objects.filter(volunteer=volunteer, mission=mission, status__in=Match.LIVE):
            continue
        closed = status in (Match.Status.ENDED, Match.Status.DECLINED, Match.Status.EXPIRED)
        Match.objects.create(volunteer=volunteer, mission=mission, status=status, ended_at=now if closed else None)
        if mission.beneficiary_id and rnd.random() < 0.3:
            Contact.objects.create(
                beneficiary=mission.beneficiary,
                kind=Contact.Kind.VISIT,
                occurred_at=now,
                volunteer=rnd.choice(volunteers),
            )
    return volunteers, missions
