"""The hard rules: a pair that breaks one is never suggested nor proposed.

One function per rule, each with a name people can read. They take Pairs (columns of facts,
see candidates.py) and answer one boolean per pair, with numpy operators only, so the very
same functions judge the few candidates of one mission and the whole territory in the batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .candidates import Pairs, horizon_km


def mission_is_open(p: Pairs) -> np.ndarray:
    """Open, and still happening (a one-off in the future, a weekly one not past its end)."""
    return p.mission.is_open


def volunteer_has_not_left(p: Pairs) -> np.ndarray:
    return ~p.volunteer.left


def vetted_for_kind(p: Pairs) -> np.ndarray:
    """Volunteer.may_take: in-person kinds need an approved volunteer; rejected ones take none."""
    return (p.volunteer.may_take & p.mission.kind) != 0


def accepts_kind(p: Pairs) -> np.ndarray:
    return (p.volunteer.kinds & p.mission.kind) != 0


def not_paused(p: Pairs) -> np.ndarray:
    """Not paused on the mission's date (paused_until is inclusive, 0 when not paused)."""
    return p.volunteer.paused_until < p.mission.on


def available_in_slot(p: Pairs) -> np.ndarray:
    """A weekly availability slot on the mission's weekday holds the whole visit (NaN: none)."""
    return (p.slot_start <= p.mission.start) & (p.slot_end >= p.mission.end)


def within_reach(p: Pairs) -> np.ndarray:
    """Home visits and outings: within the volunteer's travel radius (capped at the horizon).

    Calls and group events ask no travel, but the engine still looks within the horizon of the
    person (or the event's place), so that people are matched locally; a call for someone with
    no known address reaches anyone.
    """
    reach = np.where(p.mission.in_person, p.volunteer.reach_km, horizon_km())
    close = p.distance_km <= reach  # False when either point is unknown (NaN)
    return np.where(p.mission.located, close, ~p.mission.in_person)


def shares_a_language(p: Pairs) -> np.ndarray:
    required = p.mission.required_languages
    return (required == 0) | ((p.volunteer.languages & required) != 0)


def fits_visitor_preference(p: Pairs) -> np.ndarray:
    preference = p.mission.preference
    return (preference == 0) | (preference == p.volunteer.gender)


def volunteer_has_room(p: Pairs) -> np.ndarray:
    """Live matches (proposed to paused) below the volunteer's maximum commitments."""
    return p.volunteer.live_count < p.volunteer.max_commitments


def mission_needs_volunteers(p: Pairs) -> np.ndarray:
    return p.mission.live_count < p.mission.needed


def not_already_matched(p: Pairs) -> np.ndarray:
    return ~p.already


@dataclass(frozen=True)
class Rule:
    name: str
    label: Promise
    check: Callable[[Pairs], np.ndarray]


RULES: tuple[Rule, ...] = (
    Rule("mission_open", _("the mission is open"), mission_is_open),
    Rule("not_left", _("the volunteer is still with us"), volunteer_has_not_left),
    Rule("vetted", _("approved for this kind of visit"), vetted_for_kind),
    Rule("kind", _("accepts this kind of visit"), accepts_kind),
    Rule("not_paused", _("not on a break on that date"), not_paused),
    Rule("available", _("free at that time"), available_in_slot),
    Rule("reach", _("lives within travelling distance"), within_reach),
    Rule("language", _("speaks a language the person needs"), shares_a_language),
    Rule("preference", _("fits the person's wish about the visitor"), fits_visitor_preference),
    Rule("volunteer_room", _("has room for another commitment"), volunteer_has_room),
    Rule("mission_room", _("the mission still needs someone"), mission_needs_volunteers),
    Rule("not_matched", _("not already on this mission"), not_already_matched),
)


# The one rule that the association's vetting lifts; every other rule is the volunteer's own.
VETTING_RULE = "vetted"


def _passed(p: Pairs, rules) -> np.ndarray:
    passed = np.ones(len(p), dtype=bool)
    for rule in rules:
        passed &= np.asarray(rule.check(p), dtype=bool)
    return passed


def rules_passed(p: Pairs) -> np.ndarray:
    """One boolean per pair: every hard rule holds."""
    return _passed(p, RULES)


def rules_passed_but(p: Pairs, names) -> np.ndarray:
    """One boolean per pair: every hard rule but those named holds."""
    return _passed(p, [rule for rule in RULES if rule.name not in names])


def rules_passed_once_vetted(p: Pairs) -> np.ndarray:
    """One boolean per pair: every hard rule but the vetting one holds, so the pair passes as
    soon as the volunteer is approved (what a volunteer awaiting vetting is shown ahead)."""
    return rules_passed_but(p, (VETTING_RULE,))


def rules_broken(p: Pairs, i: int = 0) -> list[Rule]:
    """The rules pair `i` breaks, in the order above (for messages to people)."""
    return [rule for rule in RULES if not bool(np.asarray(rule.check(p))[i])]
