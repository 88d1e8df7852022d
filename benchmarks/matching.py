"""`manage.py benchmark matching --volunteers 100000 --missions 5000`: the matching engine on a
synthetic country (seeded, reproducible, bulk inserts).

Layout: the batch territory is a region of seven cities around Lyon (weighted by size, a dense
centre and a wider suburban ring each); it holds every mission and `--batch-volunteers` of the
volunteers. The other volunteers live in seven other French cities 250 km or more away, so the
tables hold the full count while each search, as in real life, only meets its neighbours.
A tenth of the region's volunteers have a history (an ended match, visits, most of them
reported), so continuity and reliability count.

Measured: suggestion latency for single missions (p50/p95 over a sample, after a warm-up),
recommendation latency for single volunteers, batch proposals for the whole territory (build
+ solve + write, as the nightly job runs them), and the solver against the greedy baseline on
the same candidate pairs. It runs in a database of its own, dropped at the end (--cleanup also
deletes the generated rows before that, as it did on a shared database).
"""

from __future__ import annotations

import datetime
import math
import random
import statistics
import time

from django.db import connection, transaction
from django.utils import timezone

from liens.choices import Interest, VisitKind
from liens.models import User
from missions.matching import batch, services
from missions.matching.selectors import mission_suggestions, volunteer_recommendations
from missions.models import Association, Beneficiary, Contact, Match, Membership, Mission, Visit, VisitReport
from volunteers.models import AvailabilitySlot, Volunteer

TERRITORY = "Bench région"
# (latitude, longitude, share): Lyon, Grenoble, Saint-Étienne, Clermont-Ferrand, Annecy,
# Chambéry, Valence, roughly by population.
REGION = [
    (45.7640, 4.8357, 0.40),
    (45.1885, 5.7245, 0.15),
    (45.4397, 4.3872, 0.13),
    (45.7772, 3.0870, 0.12),
    (45.8992, 6.1294, 0.08),
    (45.5646, 5.9178, 0.06),
    (44.9334, 4.8924, 0.06),
]
# Paris, Marseille, Toulouse, Bordeaux, Lille, Nantes, Strasbourg.
ELSEWHERE = [
    (48.8566, 2.3522),
    (43.2965, 5.3698),
    (43.6047, 1.4442),
    (44.8378, -0.5792),
    (50.6292, 3.0573),
    (47.2184, -1.5536),
    (48.5734, 7.7521),
]
CHUNK = 5000
UNUSABLE = "!bench-no-login"  # an unusable password: hashing 100,000 real ones would take hours


def add_arguments(parser) -> None:
    parser.add_argument("--volunteers", type=int, default=100_000, help="Volunteers in the whole region.")
    parser.add_argument("--missions", type=int, default=5_000, help="Open missions in the batch territory.")
    parser.add_argument(
        "--batch-volunteers", type=int, default=20_000, help="Volunteers living in the batch territory."
    )
    parser.add_argument("--sample", type=int, default=200, help="Missions (and volunteers) timed one by one.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--cleanup", action="store_true", help="Delete the generated rows at the end (its database is dropped anyway)."
    )


def _in_region(rnd: random.Random):
    lat, lon, _share = rnd.choices(REGION, weights=[city[2] for city in REGION])[0]
    return _around(rnd, (lat, lon), dense_km=5, wide_km=20, dense_share=0.7)


def _around(rnd: random.Random, centre, *, dense_km: float, wide_km: float, dense_share: float):
    """A point: near the centre (gaussian) or anywhere in the wider square."""
    if rnd.random() < dense_share:
        dy, dx = rnd.gauss(0, dense_km), rnd.gauss(0, dense_km)
    else:
        dy, dx = rnd.uniform(-wide_km, wide_km), rnd.uniform(-wide_km, wide_km)
    return centre[0] + dy / 111.2, centre[1] + dx / (111.2 * math.cos(math.radians(centre[0])))


def _bulk(model, rows: list) -> list:
    created = []
    for start in range(0, len(rows), CHUNK):
        created.extend(model.objects.bulk_create(rows[start : start + CHUNK]))
    return created


def _build(*, volunteers: int, missions: int, batch_volunteers: int, seed: int, tag: str) -> dict:
    rnd = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    interests = Interest.values
    kinds = VisitKind.values

    associations = _bulk(
        Association,
        [
            Association(
                name=f"Bench {tag} association {i}",
                siret=f"{seed % 1000:03d}{i:011d}",
                address="1 place Bellecour",
                postcode="69002",
                city="Lyon",
                territory=TERRITORY,
                contact_email=f"bench-{tag}-a{i}@bench.invalid",
                validated_at=now,
            )
            for i in range(max(1, missions // 250))
        ],
    )
    staff = _bulk(
        User, [User(email=f"bench-{tag}-c{i}@bench.invalid", password=UNUSABLE) for i in range(len(associations))]
    )
    _bulk(Membership, [Membership(user=u, association=a) for u, a in zip(staff, associations, strict=True)])

    # Volunteers: the batch territory first, then the other cities.
    users = _bulk(User, [User(email=f"bench-{tag}-v{i}@bench.invalid", password=UNUSABLE) for i in range(volunteers)])
    rows = []
    for i, user in enumerate(users):
        if i < batch_volunteers:
            lat, lon = _in_region(rnd)
        else:
            lat, lon = _around(rnd, ELSEWHERE[i % len(ELSEWHERE)], dense_km=5, wide_km=20, dense_share=0.7)
        vetting = rnd.choices(["approved", "pending", "rejected"], weights=[85, 10, 5])[0]
        rows.append(
            Volunteer(
                user=user,
                gender=rnd.choices(["female", "male", "other"], weights=[60, 35, 5])[0],
                postcode="69000",
                latitude=lat,
                longitude=lon,
                travel_radius_km=rnd.choice([2, 3, 3, 5, 5, 8, 10, 15]),
                interests=rnd.sample(interests, rnd.randint(1, 4)),
                languages=["fr"]
                + (["en"] if rnd.random() < 0.15 else [])
                + (["ar"] if rnd.random() < 0.05 else [])
                + (["es"] if rnd.random() < 0.03 else []),
                visit_kinds=kinds if rnd.random() < 0.7 else rnd.sample(kinds, rnd.randint(1, 3)),
                max_commitments=rnd.choice([1, 2, 2, 2, 3]),
                paused_until=today + datetime.timedelta(days=rnd.randint(1, 60)) if rnd.random() < 0.03 else None,
                left_at=now if rnd.random() < 0.01 else None,
                vetting_state=vetting,
                approved_at=now if vetting == "approved" else None,
                calendar_token=f"bench-{tag}-{i}",
            )
        )
    volunteer_rows = _bulk(Volunteer, rows)
    slots = []
    for volunteer in volunteer_rows:
        taken = set()
        for _ in range(rnd.choice([1, 2, 2, 3])):
            weekday, hour = rnd.randint(0, 6), rnd.randint(9, 17)
            if (weekday, hour) in taken:
                continue
            taken.add((weekday, hour))
            end = min(hour + rnd.choice([2, 3, 3, 4]), 22)
            slots.append(
                AvailabilitySlot(
                    volunteer=volunteer, weekday=weekday, start=datetime.time(hour), end=datetime.time(end)
                )
            )
    _bulk(AvailabilitySlot, slots)

    # The people and their missions, all in the batch territory.
    people, mission_rows = [], []
    mission_kinds = rnd.choices(kinds, weights=[60, 20, 12, 8], k=missions)
    for i in range(missions):
        lat, lon = _in_region(rnd)
        people.append(
            Beneficiary(
                association=associations[i % len(associations)],
                first_name=f"Personne{i}",
                last_name="Bench",
                address="rue du Bench",
                postcode="69000",
                city="Lyon",
                latitude=lat,
                longitude=lon,
                referral_source="ccas",
                consent_by="person",
                consent_on=today,
                status="active",
                interests=rnd.sample(interests, rnd.randint(1, 3)),
                languages=["fr"],
                required_languages=[rnd.choice(["ar", "en"])] if rnd.random() < 0.05 else [],
                visitor_preference=rnd.choices(["any", "female", "male"], weights=[87, 10, 3])[0],
            )
        )
    people = _bulk(Beneficiary, people)
    for i, (person, kind) in enumerate(zip(people, mission_kinds, strict=True)):
        group = kind == VisitKind.GROUP_EVENT
        hour, minute = rnd.randint(9, 17), rnd.choice([0, 30])
        weekly = rnd.random() < 0.8
        starts_at = None
        if not weekly:
            day = today + datetime.timedelta(days=rnd.randint(1, 30))
            starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
        mission_rows.append(
            Mission(
                association_id=person.association_id,
                beneficiary=None if group else person,
                kind=kind,
                title=f"Bench mission {i}",
                recurrence="weekly" if weekly else "one_off",
                weekday=rnd.randint(0, 6) if weekly else None,
                local_time=datetime.time(hour, minute) if weekly else None,
                starts_at=starts_at,
                duration_minutes=rnd.choice([60, 60, 90, 120]),
                volunteers_needed=rnd.randint(2, 5) if group else 1,
                latitude=person.latitude if group else None,
                longitude=person.longitude if group else None,
                place="Maison de quartier" if group else "",
                status="open",
            )
        )
    mission_rows = _bulk(Mission, mission_rows)

    # History: a tenth of the territory's volunteers once visited someone (ended match, six
    # past visits, most reported, ledger rows), so continuity and reliability count.
    history, visits, contacts = [], [], []
    local_missions = [m for m in mission_rows if m.beneficiary_id]
    for volunteer in volunteer_rows[: batch_volunteers // 10]:
        mission = rnd.choice(local_missions)
        history.append(Match(volunteer=volunteer, mission=mission, status="ended", ended_at=now, end_reason="bench"))
    history = _bulk(Match, history)
    for match in history:
        for week in range(1, 7):
            start = now - datetime.timedelta(weeks=week)
            visits.append(
                Visit(
                    match=match,
                    occurrence=start.date(),
                    starts_at=start,
                    ends_at=start + datetime.timedelta(hours=1),
                    status="done",
                )
            )
    visits = _bulk(Visit, visits)
    reports = [VisitReport(visit=v, happened=True, mood="good") for v in visits if rnd.random() < 0.8]
    _bulk(VisitReport, reports)
    by_match = {m.pk: m for m in history}
    for visit in visits[::6]:
        match = by_match[visit.match_id]
        contacts.append(
            Contact(
                beneficiary_id=match.mission.beneficiary_id,
                kind="visit",
                occurred_at=visit.starts_at,
                volunteer_id=match.volunteer_id,
            )
        )
    _bulk(Contact, contacts)
    return {"missions": mission_rows, "volunteers": volunteer_rows[:batch_volunteers], "associations": associations}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def run(
    *,
    volunteers: int = 100_000,
    missions: int = 5_000,
    batch_volunteers: int = 20_000,
    sample: int = 200,
    seed: int = 1,
    cleanup: bool = False,
    **_options,
) -> dict:
    batch_volunteers = min(batch_volunteers, volunteers)
    tag = f"{seed}-{int(time.time())}"
    started = time.perf_counter()
    with transaction.atomic():
        built = _build(volunteers=volunteers, missions=missions, batch_volunteers=batch_volunteers, seed=seed, tag=tag)
    build_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # After a bulk load, what autovacuum does within minutes: statistics, visibility map
            # (VACUUM cannot run inside a transaction, as in a test: statistics only there).
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")

    rnd = random.Random(seed + 1)
    picked = rnd.sample(built["missions"], min(sample, len(built["missions"])))
    # As the coordinator's page loads a mission: with its person and association.
    loaded = Mission.objects.select_related("beneficiary", "association").in_bulk([m.pk for m in picked])
    picked = [loaded[m.pk] for m in picked]
    for mission in picked[:5]:  # warm-up: connections, caches, query plans
        mission_suggestions(mission=mission)
    suggestion_ms = [_timed(lambda m=mission: mission_suggestions(mission=m)) for mission in picked]
    people = rnd.sample(built["volunteers"], min(sample, len(built["volunteers"])))
    recommendation_ms = [_timed(lambda v=volunteer: volunteer_recommendations(volunteer=v)) for volunteer in people]

    now = timezone.now()
    scope = batch.scope_missions(territory=TERRITORY)
    t0 = time.perf_counter()
    plan = batch.plan_build(missions=scope, now=now)
    t1 = time.perf_counter()
    solved = batch.plan_solve(plan)
    t2 = time.perf_counter()
    greedy = batch.plan_greedy(plan)
    t3 = time.perf_counter()
    written = services.proposals_batch(territory=TERRITORY, now=now)
    t4 = time.perf_counter()

    result = {
        "database": connection.vendor,
        "volunteers": volunteers,
        "missions": missions,
        "batch_volunteers": batch_volunteers,
        "build_seconds": round(build_seconds, 1),
        "suggestion_ms_p50": round(statistics.median(suggestion_ms), 2),
        "suggestion_ms_p95": round(_percentile(suggestion_ms, 0.95), 2),
        "suggestion_ms_max": round(max(suggestion_ms), 2),
        "recommendation_ms_p50": round(statistics.median(recommendation_ms), 2),
        "recommendation_ms_p95": round(_percentile(recommendation_ms, 0.95), 2),
        "batch_seconds": round(t4 - t3, 2),
        "batch_plan_seconds": round(t1 - t0, 2),
        "batch_solve_seconds": round(t2 - t1, 2),
        "greedy_seconds": round(t3 - t2, 2),
        "candidate_pairs": len(plan.pairs),
        "open_places": int(plan.need.sum()),
        "solver_total_score": round(solved.total_score, 3),
        "solver_missions_covered": solved.missions_covered,
        "solver_places": solved.places,
        "greedy_total_score": round(greedy.total_score, 3),
        "greedy_missions_covered": greedy.missions_covered,
        "greedy_places": greedy.places,
        "proposals_written": written.proposed,
    }
    if cleanup:
        _cleanup(tag)
    return result


def _cleanup(tag: str) -> None:
    with transaction.atomic():
        associations = Association.objects.filter(name__startswith=f"Bench {tag} ")
        Match.objects.filter(mission__association__in=associations).delete()
        Contact.objects.filter(beneficiary__association__in=associations).delete()
        Mission.objects.filter(association__in=associations).delete()
        Beneficiary.objects.filter(association__in=associations).delete()
        User.objects.filter(email__startswith=f"bench-{tag}-").delete()
        associations.delete()
