"""`manage.py benchmark matching --volunteers 1000000 --missions 50000`: the matching engine on
a synthetic country (seeded, reproducible, loaded by COPY on PostgreSQL).

Layout: each batch territory is a region of four to seven cities (weighted by size, a dense
centre and a wider suburban ring each), the first the region around Lyon; there is one per
5,000 missions (--territories), far enough apart that no volunteer of one is within reach of
another's missions. They hold every mission and `--batch-volunteers` of the volunteers (four
per mission unless told). The other volunteers live in seven other French cities, so the tables
hold the full count while each search, as in real life, only meets its neighbours. A tenth of
the territories' volunteers have a history (an ended match, visits, most of them reported), so
continuity and reliability count.

Measured: the time to build the data, suggestion latency for single missions (p50/p95 over a
sample, after a warm-up), recommendation latency for single volunteers, batch proposals for
every territory one after the other (build + solve + write, as the nightly job runs them), and
the solver against the greedy baseline on the same candidate pairs, in each territory (any
territory where the solver did worse is listed). It runs in a database of its own, dropped at
the end (--cleanup also deletes the generated rows before that, as it did on a shared database).
"""

from __future__ import annotations

import collections
import datetime
import math
import random
import statistics
import time

from django.db import connection, transaction
from django.utils import timezone

from liens.choices import Interest, VisitKind
from liens.lib.bulk import rows_copy
from liens.models import User
from missions.matching import batch, services
from missions.matching.selectors import mission_suggestions, volunteer_recommendations
from missions.models import Association, Beneficiary, Contact, Match, Membership, Mission, Visit, VisitReport
from volunteers.models import AvailabilitySlot, Volunteer

# The batch territories, each a region of cities (latitude, longitude, share by population)
# far enough from the others that no volunteer of one is within reach of another's missions.
# The first is the region around Lyon: Lyon, Grenoble, Saint-Étienne, Clermont-Ferrand, Annecy,
# Chambéry, Valence. A run uses one territory per TERRITORY_MISSIONS missions (--territories).
REGIONS = [
    [
        (45.7640, 4.8357, 0.40),
        (45.1885, 5.7245, 0.15),
        (45.4397, 4.3872, 0.13),
        (45.7772, 3.0870, 0.12),
        (45.8992, 6.1294, 0.08),
        (45.5646, 5.9178, 0.06),
        (44.9334, 4.8924, 0.06),
    ],
    # Rennes, Brest, Quimper, Lorient, Saint-Brieuc, Vannes.
    [(48.1173, -1.6778, 0.35), (48.3904, -4.4861, 0.2), (47.9960, -4.1024, 0.1),
     (47.7482, -3.3702, 0.1), (48.5141, -2.7603, 0.1), (47.6582, -2.7608, 0.15)],
    # Rouen, Caen, Le Havre, Cherbourg, Évreux.
    [(49.4432, 1.0999, 0.3), (49.1829, -0.3707, 0.25), (49.4944, 0.1079, 0.25),
     (49.6337, -1.6222, 0.1), (49.0270, 1.1508, 0.1)],
    # Montpellier, Nîmes, Perpignan, Béziers.
    [(43.6108, 3.8767, 0.4), (43.8367, 4.3601, 0.2), (42.6887, 2.8948, 0.25), (43.3442, 3.2158, 0.15)],
    # Reims, Metz, Nancy, Troyes.
    [(49.2583, 4.0317, 0.3), (49.1193, 6.1757, 0.25), (48.6921, 6.1844, 0.3), (48.2973, 4.0744, 0.15)],
    # Dijon, Besançon, Chalon-sur-Saône, Auxerre.
    [(47.3220, 5.0415, 0.4), (47.2378, 6.0241, 0.3), (46.7806, 4.8539, 0.15), (47.7982, 3.5673, 0.15)],
    # Tours, Orléans, Blois, Bourges.
    [(47.3941, 0.6848, 0.35), (47.9029, 1.9093, 0.3), (47.5861, 1.3359, 0.15), (47.0810, 2.3988, 0.2)],
    # Poitiers, Limoges, La Rochelle, Angoulême.
    [(46.5802, 0.3404, 0.25), (45.8336, 1.2611, 0.35), (46.1603, -1.1511, 0.25), (45.6484, 0.1562, 0.15)],
    # Nice, Cannes, Fréjus, Menton.
    [(43.7102, 7.2620, 0.55), (43.5528, 7.0174, 0.25), (43.4330, 6.7370, 0.12), (43.7747, 7.4975, 0.08)],
    # Amiens, Saint-Quentin, Beauvais, Compiègne.
    [(49.8941, 2.2958, 0.4), (49.8465, 3.2876, 0.2), (49.4295, 2.0807, 0.2), (49.4179, 2.8261, 0.2)],
]  # fmt: skip
TERRITORY_MISSIONS = 5_000
# Paris, Marseille, Toulouse, Bordeaux, Lille, Nantes, Strasbourg: the volunteers outside every
# batch territory.
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


def territory_name(index: int) -> str:
    return "Bench région" if index == 0 else f"Bench région {index + 1}"


def add_arguments(parser) -> None:
    parser.add_argument("--volunteers", type=int, default=100_000, help="Volunteers in the whole country.")
    parser.add_argument("--missions", type=int, default=5_000, help="Open missions in the batch territories.")
    parser.add_argument(
        "--batch-volunteers",
        type=int,
        default=None,
        help="Volunteers living in the batch territories (default: four per mission).",
    )
    parser.add_argument(
        "--territories",
        type=int,
        default=None,
        help=f"Batch territories (default: one per {TERRITORY_MISSIONS:,} missions, at most {len(REGIONS)}).",
    )
    parser.add_argument("--sample", type=int, default=200, help="Missions (and volunteers) timed one by one.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--cleanup", action="store_true", help="Delete the generated rows at the end (its database is dropped anyway)."
    )


def _in_region(rnd: random.Random, region: list):
    lat, lon, _share = rnd.choices(region, weights=[city[2] for city in region])[0]
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


def _first_id(model, count: int) -> int:
    """The first of `count` consecutive ids taken for `model`'s rows: the rows carry their ids,
    so the volunteers' slots need no read-back of a million user and volunteer ids."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            first = cursor.fetchone()[0]
            if count > 1:
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + count - 1])
            return first
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchone()[0]


def _build(*, volunteers: int, missions: int, batch_volunteers: int, territories: int, seed: int, tag: str) -> dict:
    rnd = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    interests = Interest.values
    kinds = VisitKind.values
    regions = REGIONS[:territories]

    associations = _bulk(
        Association,
        [
            Association(
                name=f"Bench {tag} association {i}",
                siret=f"{seed % 1000:03d}{i:011d}",
                address="1 place Bellecour",
                postcode="69002",
                city="Lyon",
                territory=territory_name(i % territories),
                contact_email=f"bench-{tag}-a{i}@bench.invalid",
                validated_at=now,
            )
            for i in range(max(territories, missions // 250))
        ],
    )
    staff = _bulk(
        User, [User(email=f"bench-{tag}-c{i}@bench.invalid", password=UNUSABLE) for i in range(len(associations))]
    )
    _bulk(Membership, [Membership(user=u, association=a) for u, a in zip(staff, associations, strict=True)])

    # Volunteers: the batch territories first (volunteer i in territory i % territories), then
    # the other cities. Users and volunteers carry ids taken in advance.
    user0, volunteer0 = _first_id(User, volunteers), _first_id(Volunteer, volunteers)
    rows_copy(
        User,
        ("id", "email", "password"),
        ((user0 + i, f"bench-{tag}-v{i}@bench.invalid", UNUSABLE) for i in range(volunteers)),
    )
    slots: list[tuple] = []

    def volunteer_rows():
        for i in range(volunteers):
            if i < batch_volunteers:
                lat, lon = _in_region(rnd, regions[i % territories])
            else:
                lat, lon = _around(rnd, ELSEWHERE[i % len(ELSEWHERE)], dense_km=5, wide_km=20, dense_share=0.7)
            vetting = rnd.choices(["approved", "pending", "rejected"], weights=[85, 10, 5])[0]
            yield (
                volunteer0 + i,
                user0 + i,
                rnd.choices(["female", "male", "other"], weights=[60, 35, 5])[0],
                "69000",
                lat,
                lon,
                rnd.choice([2, 3, 3, 5, 5, 8, 10, 15]),
                rnd.sample(interests, rnd.randint(1, 4)),
                ["fr"]
                + (["en"] if rnd.random() < 0.15 else [])
                + (["ar"] if rnd.random() < 0.05 else [])
                + (["es"] if rnd.random() < 0.03 else []),
                kinds if rnd.random() < 0.7 else rnd.sample(kinds, rnd.randint(1, 3)),
                rnd.choice([1, 2, 2, 2, 3]),
                today + datetime.timedelta(days=rnd.randint(1, 60)) if rnd.random() < 0.03 else None,
                now if rnd.random() < 0.01 else None,
                vetting,
                now if vetting == "approved" else None,
                f"bench-{tag}-{i}",
            )
            taken = set()
            for _ in range(rnd.choice([1, 2, 2, 3])):
                weekday, hour = rnd.randint(0, 6), rnd.randint(9, 17)
                if (weekday, hour) in taken:
                    continue
                taken.add((weekday, hour))
                end = min(hour + rnd.choice([2, 3, 3, 4]), 22)
                slots.append((volunteer0 + i, weekday, datetime.time(hour), datetime.time(end)))

    rows_copy(
        Volunteer,
        (
            "id", "user_id", "gender", "postcode", "latitude", "longitude", "travel_radius_km", "interests",
            "languages", "visit_kinds", "max_commitments", "paused_until", "left_at", "vetting_state",
            "approved_at", "calendar_token",
        ),
        volunteer_rows(),
    )  # fmt: skip
    slot0 = _first_id(AvailabilitySlot, len(slots))
    rows_copy(
        AvailabilitySlot,
        ("id", "volunteer_id", "weekday", "start", "end"),
        ((slot0 + n, *slot) for n, slot in enumerate(slots)),
    )
    slots.clear()

    # The people and their missions, mission i in territory i % territories, with an
    # association of that territory.
    people, mission_rows = [], []
    by_territory = [associations[k::territories] for k in range(territories)]
    mission_kinds = rnd.choices(kinds, weights=[60, 20, 12, 8], k=missions)
    for i in range(missions):
        lat, lon = _in_region(rnd, regions[i % territories])
        people.append(
            Beneficiary(
                association=by_territory[i % territories][i // territories % len(by_territory[i % territories])],
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
                followed_since=timezone.now(),
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

    # History: a tenth of the territories' volunteers once visited someone of their territory
    # (ended match, six past visits, most reported, ledger rows), so continuity and reliability
    # count.
    local = [[] for _ in range(territories)]
    for i, m in enumerate(mission_rows):
        if m.beneficiary_id:
            local[i % territories].append(m)
    history = []
    for i in range(batch_volunteers // 10):
        mission = rnd.choice(local[i % territories] or mission_rows)
        history.append(
            Match(volunteer_id=volunteer0 + i, mission=mission, status="ended", ended_at=now, end_reason="bench")
        )
    history = _bulk(Match, history)
    visit0 = _first_id(Visit, len(history) * 6)
    visits = []
    for n, match in enumerate(history):
        for week in range(1, 7):
            start = now - datetime.timedelta(weeks=week)
            visits.append(
                (visit0 + n * 6 + week - 1, match.pk, start.date(), start, start + datetime.timedelta(hours=1), "done")
            )
    rows_copy(Visit, ("id", "match_id", "occurrence", "starts_at", "ends_at", "status"), visits)
    reported = [v[0] for v in visits if rnd.random() < 0.8]
    report0 = _first_id(VisitReport, len(reported))
    rows_copy(
        VisitReport,
        ("id", "visit_id", "happened", "mood"),
        ((report0 + n, visit, True, "good") for n, visit in enumerate(reported)),
    )
    by_match = {m.pk: m for m in history}
    contacts = [
        Contact(
            beneficiary_id=by_match[visit[1]].mission.beneficiary_id,
            kind="visit",
            occurred_at=visit[3],
            volunteer_id=by_match[visit[1]].volunteer_id,
        )
        for visit in visits[::6]
    ]
    _bulk(Contact, contacts)
    return {
        "missions": [m.pk for m in mission_rows],
        "volunteers": range(volunteer0, volunteer0 + batch_volunteers),
        "territories": [territory_name(k) for k in range(territories)],
    }


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
    batch_volunteers: int | None = None,
    territories: int | None = None,
    sample: int = 200,
    seed: int = 1,
    cleanup: bool = False,
    **_options,
) -> dict:
    batch_volunteers = min(4 * missions if batch_volunteers is None else batch_volunteers, volunteers)
    if territories is None:
        territories = math.ceil(missions / TERRITORY_MISSIONS)
    territories = max(1, min(territories, len(REGIONS), missions or 1))
    tag = f"{seed}-{int(time.time())}"
    started = time.perf_counter()
    with transaction.atomic():
        built = _build(
            volunteers=volunteers,
            missions=missions,
            batch_volunteers=batch_volunteers,
            territories=territories,
            seed=seed,
            tag=tag,
        )
    build_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # After a bulk load, what autovacuum does within minutes: statistics, visibility map
            # (VACUUM cannot run inside a transaction, as in a test: statistics only there).
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    analyse_seconds = time.perf_counter() - started - build_seconds

    rnd = random.Random(seed + 1)
    picked = rnd.sample(built["missions"], min(sample, len(built["missions"])))
    # As the coordinator's page loads a mission: with its person and association.
    loaded = Mission.objects.select_related("beneficiary", "association").in_bulk(picked)
    picked = [loaded[pk] for pk in picked]
    for mission in picked[:5]:  # warm-up: connections, caches, query plans
        mission_suggestions(mission=mission)
    suggestion_ms = [_timed(lambda m=mission: mission_suggestions(mission=m)) for mission in picked]
    chosen = rnd.sample(built["volunteers"], min(sample, len(built["volunteers"])))
    loaded = Volunteer.objects.in_bulk(chosen)
    people = [loaded[pk] for pk in chosen]
    recommendation_ms = [_timed(lambda v=volunteer: volunteer_recommendations(volunteer=v)) for volunteer in people]

    # The batch, territory by territory as the nightly job runs it: the territories do not
    # overlap, so each is solved on its own; the solver must match or beat greedy in each.
    now = timezone.now()
    timings = dict.fromkeys(("plan", "solve", "greedy", "batch"), 0.0)
    totals = collections.Counter()
    below_greedy = []
    batch_cpu = 0.0  # this process's CPU time: on a shared machine, what the batch itself asked
    for territory in built["territories"]:
        t0 = time.perf_counter()
        plan = batch.plan_build(missions=batch.scope_missions(territory=territory), now=now)
        t1 = time.perf_counter()
        solved = batch.plan_solve(plan)
        t2 = time.perf_counter()
        greedy = batch.plan_greedy(plan)
        t3 = time.perf_counter()
        totals.update(candidate_pairs=len(plan.pairs), open_places=int(plan.need.sum()))
        del plan
        cpu = time.process_time()
        written = services.proposals_batch(territory=territory, now=now)
        t4 = time.perf_counter()
        batch_cpu += time.process_time() - cpu
        for key, seconds in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            timings[key] += seconds
        if solved.total_score < greedy.total_score - 1e-9 or solved.places < greedy.places:
            below_greedy.append(territory)
        totals.update(
            solver_total_score=solved.total_score,
            solver_missions_covered=solved.missions_covered,
            solver_places=solved.places,
            greedy_total_score=greedy.total_score,
            greedy_missions_covered=greedy.missions_covered,
            greedy_places=greedy.places,
            proposals_written=written.proposed,
        )

    result = {
        "database": connection.vendor,
        "volunteers": volunteers,
        "missions": missions,
        "batch_volunteers": batch_volunteers,
        "territories": territories,
        "build_seconds": round(build_seconds, 1),
        "analyse_seconds": round(analyse_seconds, 1),
        "suggestion_ms_p50": round(statistics.median(suggestion_ms), 2),
        "suggestion_ms_p95": round(_percentile(suggestion_ms, 0.95), 2),
        "suggestion_ms_max": round(max(suggestion_ms), 2),
        "recommendation_ms_p50": round(statistics.median(recommendation_ms), 2),
        "recommendation_ms_p95": round(_percentile(recommendation_ms, 0.95), 2),
        "batch_seconds": round(timings["batch"], 2),
        "batch_cpu_seconds": round(batch_cpu, 2),
        "batch_plan_seconds": round(timings["plan"], 2),
        "batch_solve_seconds": round(timings["solve"], 2),
        "greedy_seconds": round(timings["greedy"], 2),
        "candidate_pairs": totals["candidate_pairs"],
        "open_places": totals["open_places"],
        "solver_total_score": round(totals["solver_total_score"], 3),
        "solver_missions_covered": totals["solver_missions_covered"],
        "solver_places": totals["solver_places"],
        "greedy_total_score": round(totals["greedy_total_score"], 3),
        "greedy_missions_covered": totals["greedy_missions_covered"],
        "greedy_places": totals["greedy_places"],
        "territories_below_greedy": below_greedy,
        "proposals_written": totals["proposals_written"],
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
