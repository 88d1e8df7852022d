"""Batch proposals: every open mission of an association or territory at once, solved exactly.

1. plan_build: candidate pairs from a spatial index (a k-d tree on the unit sphere, per
   weekday), kept only when the hard rules of rules.py pass, scored by scoring.py — the same
   functions the suggestion path uses.
2. assignment_solve: the capacitated assignment (each mission takes up to the places it still
   has, each volunteer up to their free commitments, a pair at most once) that maximises the
   total score, with scipy's sparse Jonker-Volgenant solver (min_weight_full_bipartite_matching)
   on an expanded graph. It never does worse than greedy_assign, the baseline, on either the
   total score or the number of places filled.
3. services.proposals_batch writes the proposals (status "proposed", proposed_by None) and
   tells the coordinators. Nothing is confirmed: the volunteer accepts, a coordinator activates.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import Q, QuerySet
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components, min_weight_full_bipartite_matching
from scipy.spatial import cKDTree

from liens.scopes import scopes_disabled
from missions.models import Mission
from volunteers.models import Volunteer

from .candidates import (
    MissionTable,
    Pairs,
    VolunteerTable,
    chord_of_km,
    horizon_km,
    key_array,
    keys,
    unit_vectors,
)
from .facts import (
    known_pairs,
    live_matches,
    mission_rows,
    rows_load,
    slots_by_volunteer,
    volunteer_rows,
)
from .rules import rules_passed
from .scoring import parts_compute, score_total

# In the forced-coverage repair, a component may have at most this many extra arcs.
POOL_ARCS_MAX = 5_000_000
# Connected components are solved apart, the small ones bundled up to about this many edges.
BUNDLE_EDGES = 20_000


@dataclass
class Plan:
    """Candidate pairs that pass every hard rule, with their scores and each side's capacity."""

    pairs: Pairs
    parts: dict[str, np.ndarray]
    scores: np.ndarray
    need: np.ndarray  # places still open, per mission row
    capacity: np.ndarray  # free commitments, per volunteer row

    @property
    def volunteers(self) -> VolunteerTable:
        return self.pairs.volunteers

    @property
    def missions(self) -> MissionTable:
        return self.pairs.missions


@dataclass(frozen=True)
class Outcome:
    chosen: np.ndarray  # indexes into plan.pairs
    total_score: float
    places: int  # volunteer places filled
    missions_covered: int  # missions that got at least one volunteer


def outcome_of(plan: Plan, chosen: np.ndarray) -> Outcome:
    chosen = np.sort(np.asarray(chosen, dtype=np.int64))
    return Outcome(
        chosen=chosen,
        total_score=float(plan.scores[chosen].sum()),
        places=len(chosen),
        missions_covered=len(np.unique(plan.pairs.mi[chosen])),
    )


# --- the plan -----------------------------------------------------------------------------------


def scope_missions(*, association=None, territory: str | None = None) -> QuerySet:
    missions = Mission.objects.filter(status=Mission.Status.OPEN, association__validated_at__isnull=False)
    if association is not None:
        missions = missions.filter(association=association)
    if territory is not None:
        missions = missions.filter(association__territory=territory)
    return missions


# Volunteers are grouped by travel radius, so each spatial search uses a radius close to theirs.
REACH_BANDS = (3.0, 6.0, 12.0, math.inf)


def _near(points_a: np.ndarray, points_b: np.ndarray, chord: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(index in a, index in b, chord) of every pair closer than `chord`, without Python lists."""
    if not len(points_a) or not len(points_b):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    found = cKDTree(points_a).sparse_distance_matrix(cKDTree(points_b), chord, output_type="ndarray")
    return found["i"].astype(np.int64), found["j"].astype(np.int64), found["v"]


def _candidate_pairs(vt: VolunteerTable, mt: MissionTable) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(volunteer row, mission row, slot start, slot end) of every pair worth judging.

    A pair is worth judging when one of the volunteer's slots that weekday holds the visit, and
    the volunteer lives within reach of a located mission (their own travel radius for
    in-person kinds, the horizon otherwise; the search radius is a little generous) or the
    mission has no place at all. The hard rules then decide, exactly.
    """
    count = sum(len(slots) for slots in vt.slots)
    slot_v = np.fromiter((v for v, slots in enumerate(vt.slots) for _ in slots), dtype=np.int64, count=count)
    flat = [slot for slots in vt.slots for slot in slots]
    slot_day = np.fromiter((slot[0] for slot in flat), dtype=np.int64, count=count)
    slot_start = np.fromiter((slot[1] for slot in flat), dtype=float, count=count)
    slot_end = np.fromiter((slot[2] for slot in flat), dtype=float, count=count)
    volunteer_located = ~(np.isnan(vt.latitude) | np.isnan(vt.longitude))
    volunteer_xyz = unit_vectors(np.nan_to_num(vt.latitude), np.nan_to_num(vt.longitude))
    mission_xyz = unit_vectors(np.nan_to_num(mt.latitude), np.nan_to_num(mt.longitude))
    reach_chord = chord_of_km(vt.reach_km)
    horizon = horizon_km()

    found_s, found_m = [], []
    for weekday in np.unique(mt.weekday):
        day_slots = np.flatnonzero(slot_day == weekday)
        located_slots = day_slots[volunteer_located[slot_v[day_slots]]]
        day_missions = np.flatnonzero(mt.weekday == weekday)
        in_person = day_missions[mt.in_person[day_missions] & mt.located[day_missions]]
        low = 0.0
        for high in REACH_BANDS:
            band = located_slots[
                (vt.reach_km[slot_v[located_slots]] > low) & (vt.reach_km[slot_v[located_slots]] <= high)
            ]
            low = high
            m, s, chord = _near(
                mission_xyz[in_person], volunteer_xyz[slot_v[band]], float(chord_of_km(min(high, horizon)))
            )
            close = chord <= reach_chord[slot_v[band[s]]]
            found_m.append(in_person[m[close]])
            found_s.append(band[s[close]])
        remote = day_missions[~mt.in_person[day_missions] & mt.located[day_missions]]
        m, s, _chord = _near(mission_xyz[remote], volunteer_xyz[slot_v[located_slots]], float(chord_of_km(horizon)))
        found_m.append(remote[m])
        found_s.append(located_slots[s])
        # Calls and events with no place reach everyone free that day.
        nowhere = day_missions[~mt.located[day_missions] & ~mt.in_person[day_missions]]
        if len(nowhere) and len(day_slots):
            found_s.append(np.repeat(day_slots, len(nowhere)))
            found_m.append(np.tile(nowhere, len(day_slots)))
    s = np.concatenate(found_s) if found_s else np.zeros(0, dtype=np.int64)
    m = np.concatenate(found_m) if found_m else np.zeros(0, dtype=np.int64)
    holds = (slot_start[s] <= mt.start[m]) & (slot_end[s] >= mt.end[m])
    s, m = s[holds], m[holds]
    v = slot_v[s]
    # One pair per (volunteer, mission): keep its roomiest slot, as best_slot() does. The pair
    # as one int64 key: two sort keys rather than three over a million pairs.
    order = np.lexsort((-(slot_end[s] - slot_start[s]), v * max(len(mt), 1) + m))
    v, m, s = v[order], m[order], s[order]
    first = np.ones(len(v), dtype=bool)
    first[1:] = (v[1:] != v[:-1]) | (m[1:] != m[:-1])
    return v[first], m[first], slot_start[s[first]], slot_end[s[first]]


# The missions come chosen by the caller; the volunteers' commitments, history and reliability
# count in every association, whatever the request's staff scope (as for one pair, services._pair_facts).
@scopes_disabled("the volunteers' load and history count in every association; the caller chose the missions")
def plan_build(*, missions: QuerySet, now: datetime.datetime) -> Plan:
    """Load the scope's open missions and the volunteers who could take them; judge and score."""
    mt = MissionTable.from_rows(
        rows_load(mission_rows(missions), live_matches(missions=missions), key="mission"), now=now
    )
    volunteers = Volunteer.objects.filter(left_at__isnull=True).exclude(vetting_state=Volunteer.Vetting.REJECTED)
    if len(mt) and mt.located.all():
        # Only volunteers inside the box of every mission's point, widened by the horizon.
        margin_lat = horizon_km() / 111.0 + 0.01
        lat_min, lat_max = float(mt.latitude.min()) - margin_lat, float(mt.latitude.max()) + margin_lat
        widest = max(abs(lat_min), abs(lat_max))
        margin_lon = margin_lat / max(math.cos(math.radians(min(widest, 89.0))), 1e-3)
        volunteers = volunteers.filter(
            latitude__gte=lat_min,
            latitude__lte=lat_max,
            longitude__gte=float(mt.longitude.min()) - margin_lon,
            longitude__lte=float(mt.longitude.max()) + margin_lon,
        )
    ids = volunteers.values("pk")
    live = live_matches(missions=missions, volunteers=ids)
    rows = rows_load(volunteer_rows(volunteers, now=now, ids=ids), live, key="volunteer")
    weekdays = sorted({int(d) for d in mt.weekday})
    vt = VolunteerTable.from_rows(rows, slots_by_volunteer(ids, weekdays=weekdays) if rows else {})

    vi, mi, slot_start, slot_end = _candidate_pairs(vt, mt)
    pair_missions = keys(mt.id[mi], vt.id[vi])
    pair_people = keys(mt.beneficiary_id[mi], vt.id[vi])
    beneficiaries = missions.filter(beneficiary__isnull=False).values("beneficiary")
    p = Pairs(
        vt,
        mt,
        vi,
        mi,
        slot_start=slot_start,
        slot_end=slot_end,
        already=np.isin(pair_missions, key_array(set(live))),
        knows=np.isin(pair_people, key_array(known_pairs(beneficiaries=beneficiaries))),
    )
    p = p.subset(rules_passed(p))
    parts = parts_compute(p)
    return Plan(
        pairs=p,
        parts=parts,
        scores=score_total(p, parts),
        need=np.maximum(mt.needed - mt.live_count, 0),
        capacity=np.maximum(vt.max_commitments - vt.live_count, 0),
    )


# --- solving --------------------------------------------------------------------------------------


def greedy_assign(*, mission: np.ndarray, volunteer: np.ndarray, weight: np.ndarray, need, capacity) -> np.ndarray:
    """The baseline: best pair first, while both sides have room. Indexes of the edges taken."""
    need, capacity = np.array(need, dtype=np.int64).tolist(), np.array(capacity, dtype=np.int64).tolist()
    # Best first, ties by edge index (a stable sort): the same order as lexsort((index, -weight)),
    # with each side's row read once per edge, in that order (a territory has ~10^6 edges).
    order = np.argsort(-np.asarray(weight, dtype=float), kind="stable")
    missions, volunteers = np.asarray(mission)[order].tolist(), np.asarray(volunteer)[order].tolist()
    taken = []
    for e, m, v in zip(order.tolist(), missions, volunteers, strict=True):
        if need[m] > 0 and capacity[v] > 0:
            need[m] -= 1
            capacity[v] -= 1
            taken.append(e)
    return np.array(sorted(taken), dtype=np.int64)


def _solve_component(
    mission: np.ndarray,
    volunteer: np.ndarray,
    weight: np.ndarray,
    need: np.ndarray,
    capacity: np.ndarray,
    *,
    at_least: int = 0,
) -> np.ndarray:
    """Exact capacitated assignment on an expanded bipartite graph; edge indexes chosen.

    Rows are mission places, columns volunteer places. A pair joins every copy of one side to
    every copy of the other when one side has a single copy. When both have several, a pair
    "gadget" (one extra row and one extra column) keeps it to one use: the extra row takes
    either the extra column (pair unused) or a volunteer copy, leaving the extra column for one
    mission copy (pair used). Each mission place may instead take a dummy column (unfilled).
    With `at_least`, the dummies are a shared pool of (places - at_least) columns, which forces
    at least that many places filled: the best total among such assignments is never below
    any assignment filling that many, greedy's included.
    """
    n_m, n_v = len(need), len(capacity)
    degree_m = np.bincount(mission, minlength=n_m)
    degree_v = np.bincount(volunteer, minlength=n_v)
    copies_m = np.minimum(need, degree_m)
    copies_v = np.minimum(capacity, degree_v)
    row0 = np.concatenate([[0], np.cumsum(copies_m)])
    col0 = np.concatenate([[0], np.cumsum(copies_v)])
    places, volunteer_cols = int(row0[-1]), int(col0[-1])
    cm, cv = copies_m[mission], copies_v[volunteer]

    rows, cols, gains, edge_of = [], [], [], []

    def arcs(r, c, g, e):
        rows.append(np.asarray(r, dtype=np.int64))
        cols.append(np.asarray(c, dtype=np.int64))
        gains.append(np.asarray(g, dtype=float))
        edge_of.append(np.asarray(e, dtype=np.int64))

    # Pairs with a single mission copy: that row to each volunteer copy.
    one = np.flatnonzero(cm == 1)
    reps = cv[one]
    offset = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    arcs(np.repeat(row0[mission[one]], reps), np.repeat(col0[volunteer[one]], reps) + offset,
         np.repeat(weight[one], reps), np.repeat(one, reps))  # fmt: skip
    # Several mission copies, one volunteer copy: each mission copy to that column.
    many_one = np.flatnonzero((cm > 1) & (cv == 1))
    reps = cm[many_one]
    offset = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    arcs(np.repeat(row0[mission[many_one]], reps) + offset, np.repeat(col0[volunteer[many_one]], reps),
         np.repeat(weight[many_one], reps), np.repeat(many_one, reps))  # fmt: skip
    # Several on both sides: a gadget per pair.
    both = np.flatnonzero((cm > 1) & (cv > 1))
    gadget_row = places + np.arange(len(both))
    gadget_col = volunteer_cols + np.arange(len(both))
    reps = cm[both]
    offset = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    arcs(np.repeat(row0[mission[both]], reps) + offset, np.repeat(gadget_col, reps),
         np.repeat(weight[both], reps), np.repeat(both, reps))  # fmt: skip
    arcs(gadget_row, gadget_col, np.zeros(len(both)), np.full(len(both), -1))
    reps = cv[both]
    offset = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    arcs(np.repeat(gadget_row, reps), np.repeat(col0[volunteer[both]], reps) + offset,
         np.zeros(reps.sum()), np.full(reps.sum(), -1))  # fmt: skip
    # Unfilled places.
    dummy0 = volunteer_cols + len(both)
    if at_least:
        pool = places - at_least
        arcs(np.repeat(np.arange(places), pool), dummy0 + np.tile(np.arange(pool), places),
             np.zeros(places * pool), np.full(places * pool, -1))  # fmt: skip
        n_cols = dummy0 + pool
    else:
        arcs(np.arange(places), dummy0 + np.arange(places), np.zeros(places), np.full(places, -1))
        n_cols = dummy0 + places
    r, c, g, e = (np.concatenate(x) for x in (rows, cols, gains, edge_of))
    # The solver wants non-zero weights: costs = (max gain + 1) - gain are all >= 1. Every row
    # is matched exactly once, so the constant changes nothing.
    ceiling = (float(g.max()) if len(g) else 0.0) + 1.0
    n_rows = places + len(both)
    costs = csr_array((ceiling - g, (r, c)), shape=(n_rows, n_cols))
    lookup = csr_array((e + 2.0, (r, c)), shape=(n_rows, n_cols))  # +2: keep -1 and 0 non-zero
    row_ind, col_ind = min_weight_full_bipartite_matching(costs)
    edges = np.asarray(lookup[row_ind, col_ind]).ravel().astype(np.int64) - 2
    return np.sort(edges[edges >= 0])


def _solve_components(
    mission: np.ndarray,
    volunteer: np.ndarray,
    weight: np.ndarray,
    need: np.ndarray,
    capacity: np.ndarray,
    component: np.ndarray,
) -> np.ndarray:
    """_solve_component on each connected component apart; edge indexes chosen.

    Components share no mission and no volunteer, so their best assignments together are the
    best overall; solved apart they are much faster (a city's search for augmenting paths
    no longer walks past the other cities' rows). Components follow one another in label
    order into problems of about BUNDLE_EDGES edges, so a territory's thousand tiny ones (a
    mission with its two candidates) do not each pay for a sparse problem of their own.
    """
    order = np.argsort(component, kind="stable")
    sizes = np.bincount(component)
    first_edge = np.cumsum(sizes) - sizes  # each component's first position in `order`
    bundle = (first_edge // BUNDLE_EDGES)[component[order]]
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(bundle)) + 1, [len(order)]])
    chosen = []
    for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        local = order[start:end]
        chosen.append(local[_solve_component(mission[local], volunteer[local], weight[local], need, capacity)])
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)


def assignment_solve(
    *, mission: np.ndarray, volunteer: np.ndarray, weight: np.ndarray, need, capacity, baseline=None
) -> np.ndarray:
    """The assignment with the highest total weight under the capacities; edge indexes.

    Each connected component is solved on its own (they do not interact). Where, in a
    component, the best total happens to fill fewer places than the baseline does (greedy's
    choice unless given; possible: two good pairs can beat three poorer ones), that component
    alone is solved again under "fill at least as many places as the baseline", whose best
    total is still at least the baseline's. So the result is never below it on either count.
    """
    mission, volunteer = np.asarray(mission, dtype=np.int64), np.asarray(volunteer, dtype=np.int64)
    weight = np.asarray(weight, dtype=float)
    need, capacity = np.asarray(need, dtype=np.int64), np.asarray(capacity, dtype=np.int64)
    usable = (need[mission] > 0) & (capacity[volunteer] > 0)
    edges = np.flatnonzero(usable)
    if not len(edges):
        return np.zeros(0, dtype=np.int64)
    n_m = len(need)
    graph = csr_array((np.ones(len(edges)), (mission[edges], n_m + volunteer[edges])), shape=(n_m + len(capacity),) * 2)
    _count, label = connected_components(graph, directed=False)
    edge_component = label[mission[edges]]
    if baseline is None:
        greedy = greedy_assign(
            mission=mission[edges], volunteer=volunteer[edges], weight=weight[edges], need=need, capacity=capacity
        )
    else:
        # The baseline's edges, renumbered among the usable ones.
        greedy = np.searchsorted(edges, np.asarray(baseline, dtype=np.int64))
    greedy_places = np.bincount(edge_component[greedy], minlength=_count)

    chosen = _solve_components(mission[edges], volunteer[edges], weight[edges], need, capacity, edge_component)
    solved_places = np.bincount(edge_component[chosen], minlength=_count)
    short = np.flatnonzero(solved_places < greedy_places)
    if len(short):
        keep = ~np.isin(edge_component[chosen], short)
        repaired = [chosen[keep]]
        for component in short.tolist():
            local = np.flatnonzero(edge_component == component)
            local_m, local_v = mission[edges][local], volunteer[edges][local]
            places = int(np.minimum(need, np.bincount(local_m, minlength=n_m)).sum())
            at_least = int(greedy_places[component])
            if places * (places - at_least) > POOL_ARCS_MAX:
                # Too large to force; keep greedy's choice there (it fills more places).
                in_component = greedy[edge_component[greedy] == component]
                repaired.append(in_component)
                continue
            found = _solve_component(local_m, local_v, weight[edges][local], need, capacity, at_least=at_least)
            repaired.append(local[found])
        chosen = np.sort(np.concatenate(repaired))
    return edges[chosen]


def keep_best(*, mission: np.ndarray, weight: np.ndarray, need: np.ndarray, per_place: int) -> np.ndarray:
    """Edge indexes of each mission's `per_place` x places best candidates."""
    order = np.lexsort((np.arange(len(weight)), -weight, mission))  # by mission, then best first
    sorted_missions = mission[order]
    starts = np.searchsorted(sorted_missions, sorted_missions, side="left")
    rank = np.arange(len(order)) - starts
    limit = np.maximum(need[sorted_missions], 1) * per_place
    return np.sort(order[rank < limit])


def plan_solve(plan: Plan) -> Outcome:
    """The exact assignment on a sparse candidate graph, never below greedy's on all pairs.

    A dense city gives each mission hundreds of candidates; the assignment only ever needs
    the best few of each, so each mission keeps its LIENS_MATCHING_BATCH_CANDIDATES_PER_PLACE
    best per open place, plus every pair greedy takes when run on all pairs. The solver then
    dominates that greedy run (total score and places), and stays fast.
    """
    p = plan.pairs
    greedy = greedy_assign(mission=p.mi, volunteer=p.vi, weight=plan.scores, need=plan.need, capacity=plan.capacity)
    per_place = int(getattr(settings, "LIENS_MATCHING_BATCH_CANDIDATES_PER_PLACE", 10))
    kept = np.union1d(keep_best(mission=p.mi, weight=plan.scores, need=plan.need, per_place=per_place), greedy)
    chosen = assignment_solve(
        mission=p.mi[kept],
        volunteer=p.vi[kept],
        weight=plan.scores[kept],
        need=plan.need,
        capacity=plan.capacity,
        baseline=np.searchsorted(kept, greedy),
    )
    return outcome_of(plan, kept[chosen])


def plan_greedy(plan: Plan) -> Outcome:
    p = plan.pairs
    chosen = greedy_assign(mission=p.mi, volunteer=p.vi, weight=plan.scores, need=plan.need, capacity=plan.capacity)
    return outcome_of(plan, chosen)


def territories_with_open_missions() -> list[str]:
    return sorted(
        set(
            scope_missions()
            .exclude(Q(association__territory=""))
            .values_list("association__territory", flat=True)
            .distinct()
        )
    )
