"""Plain words for each part of a score, in the active language, from the part's own facts.

Each function receives the pairs, the pair's index and the part's value as scored, and says
what made that value ("1,2 km", "board games, gardening", "free on Tuesday afternoons"...),
or None when there is nothing worth saying.
"""

from __future__ import annotations

import math

from django.utils import formats
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liens.choices import Interest

from .candidates import INTERESTS, Pairs


def distance_words(km: float) -> str:
    """ "1,2 km" in French, "1.2 km" in English."""
    return _("%(distance)s km") % {"distance": formats.number_format(round(km, 1), decimal_pos=1)}


def reason_distance(p: Pairs, i: int, value: float) -> str | None:
    km = float(p.distance_km[i])
    return None if math.isnan(km) else distance_words(km)


def _interest_label(code: str) -> str:
    try:
        return str(Interest(code).label)
    except ValueError:
        return code


def reason_interests(p: Pairs, i: int, value: float) -> str | None:
    shared = INTERESTS.codes(int(p.volunteer.interests[i]) & int(p.mission.interests[i]))
    return ", ".join(_interest_label(code) for code in shared) if shared else None


def reason_slack(p: Pairs, i: int, value: float) -> str | None:
    if math.isnan(float(p.slot_start[i])):
        return None
    weekday = str(WEEKDAYS[int(p.mission.weekday[i])]).lower()
    hour = int(p.mission.start[i]) // 3600
    if hour < 12:
        text = _("free on %(weekday)s mornings")
    elif hour < 18:
        text = _("free on %(weekday)s afternoons")
    else:
        text = _("free on %(weekday)s evenings")
    return text % {"weekday": weekday}


def reason_continuity(p: Pairs, i: int, value: float) -> str | None:
    if not p.knows[i]:
        return None
    return _("has visited %(name)s before") % {"name": p.missions.beneficiary_names[int(p.mi[i])]}


def reason_load(p: Pairs, i: int, value: float) -> str | None:
    count = int(p.volunteer.live_count[i])
    if count == 0:
        return _("no other commitment")
    return ngettext("%(count)d other commitment", "%(count)d other commitments", count) % {"count": count}


def reason_reliability(p: Pairs, i: int, value: float) -> str | None:
    past = int(p.volunteer.past_visits[i])
    if past == 0:
        return _("no visit to report yet")
    reported = int(p.volunteer.reported_visits[i])
    return _("reported %(reported)d of %(past)d visits") % {"reported": reported, "past": past}


REASONS = {
    "distance": reason_distance,
    "interests": reason_interests,
    "slack": reason_slack,
    "continuity": reason_continuity,
    "load": reason_load,
    "reliability": reason_reliability,
}
