"""The score: a weighted sum of named parts, each between 0 and 1.

Each part is computed once, as a column over pairs; the batch adds the columns up, and a
suggestion keeps them as Part objects, whose `reason` is worded from the same value and facts.
Weights (weights.py) come from settings.LIENS_MATCHING_WEIGHTS, overridden per association in
Association.preferences["matching_weights"].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .candidates import Pairs, horizon_km
from .reasons import REASONS
from .weights import PART_NAMES

# Three shared interests are plenty to talk about; two hours of spare time around a visit
# means it can run late without trouble.
INTERESTS_FULL = 3
SLACK_FULL_SECONDS = 2 * 3600


def part_distance(p: Pairs) -> np.ndarray:
    """1 next door, 0 at the edge of the volunteer's reach (the horizon for calls and events)."""
    reach = np.where(p.mission.in_person, p.volunteer.reach_km, horizon_km())
    value = 1.0 - p.distance_km / reach
    return np.clip(np.nan_to_num(value, nan=0.0), 0.0, 1.0)


def part_interests(p: Pairs) -> np.ndarray:
    shared = np.bitwise_count(p.volunteer.interests & p.mission.interests)
    return np.minimum(shared, INTERESTS_FULL) / INTERESTS_FULL


def part_slack(p: Pairs) -> np.ndarray:
    """Room left in the covering availability slot once the visit is in it."""
    spare = (p.slot_end - p.slot_start) - (p.mission.end - p.mission.start)
    return np.clip(np.nan_to_num(spare / SLACK_FULL_SECONDS, nan=0.0), 0.0, 1.0)


def part_continuity(p: Pairs) -> np.ndarray:
    """1 when the volunteer has already been with this person: continuity of the same visitor."""
    return p.knows.astype(float)


def part_load(p: Pairs) -> np.ndarray:
    """Spread the work: 1 with no commitment yet, 0 when nearly full."""
    return np.clip(1.0 - p.volunteer.live_count / p.volunteer.max_commitments, 0.0, 1.0)


def part_reliability(p: Pairs) -> np.ndarray:
    """Share of past visits reported, smoothed so a newcomer starts at one half."""
    return (p.volunteer.reported_visits + 1.0) / (p.volunteer.past_visits + 2.0)


PARTS: dict[str, Callable[[Pairs], np.ndarray]] = {
    "distance": part_distance,
    "interests": part_interests,
    "slack": part_slack,
    "continuity": part_continuity,
    "load": part_load,
    "reliability": part_reliability,
}

PART_LABELS: dict[str, Promise] = {
    "distance": _("Distance"),
    "interests": _("Shared interests"),
    "slack": _("Availability"),
    "continuity": _("Knows the person"),
    "load": _("Current commitments"),
    "reliability": _("Visit reports"),
}


def parts_compute(p: Pairs) -> dict[str, np.ndarray]:
    return {name: np.asarray(PARTS[name](p), dtype=float) for name in PART_NAMES}


def score_total(p: Pairs, parts: dict[str, np.ndarray]) -> np.ndarray:
    """Sum of weight x value, added in PART_NAMES order (Suggestion.score adds the same way)."""
    total = np.zeros(len(p), dtype=float)
    for name in PART_NAMES:
        total = total + p.mission.weights[name] * parts[name]
    return total


@dataclass(frozen=True)
class Part:
    """One named part of a score: its value (0..1), its weight, and the words shown for it."""

    name: str
    value: float
    weight: float
    reason: str | None

    @property
    def label(self) -> str:
        return str(PART_LABELS[self.name])

    @property
    def contribution(self) -> float:
        return self.weight * self.value


def parts_explain(p: Pairs, i: int, parts: dict[str, np.ndarray]) -> list[Part]:
    """Pair i's parts with their reasons; a part weighing nothing says nothing."""
    explained = []
    for name in PART_NAMES:
        value = float(parts[name][i])
        weight = float(p.mission.weights[name][i])
        reason = REASONS[name](p, i, value) if weight > 0 else None
        explained.append(Part(name=name, value=value, weight=weight, reason=reason))
    return explained


def score_of(parts: list[Part]) -> float:
    total = 0.0
    for part in parts:
        total = total + part.weight * part.value
    return total
