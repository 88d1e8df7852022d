"""What each association weighs: the score's part names and the weights given to them.

Defaults come from settings.LIENS_MATCHING_WEIGHTS, overridden per association in
Association.preferences["matching_weights"]. The mission table (candidates.py) reads them per
row and the score (scoring.py) adds its parts in PART_NAMES order; this module needs neither.
"""

import math

from django.conf import settings

PART_NAMES = ("distance", "interests", "slack", "continuity", "load", "reliability")


def weights_for(preferences: dict | None) -> dict[str, float]:
    """The association's weights: defaults from settings, overridden by valid numbers >= 0."""
    weights = {name: float(settings.LIENS_MATCHING_WEIGHTS.get(name, 0.0)) for name in PART_NAMES}
    custom = (preferences or {}).get("matching_weights") or {}
    if isinstance(custom, dict):
        for name in PART_NAMES:
            value = custom.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
                weights[name] = float(value)
    return weights
