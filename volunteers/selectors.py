"""Reads on the volunteer's own side: their profile, its wizard steps, their vetting, and how
they want to be reached (asked by the outbox through settings, see liens.notify).

What they see of missions (safe cards, matches, visits) is read by missions.volunteer.selectors.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from . import vetting
from .models import Volunteer
from .services import PERIODS, PROFILE_STEPS

STEP_LABELS = {
    "availability": gettext_lazy("When you are free"),
    "place": gettext_lazy("Where you live and how far you go"),
    "interests": gettext_lazy("Interests and languages"),
    "kinds": gettext_lazy("Kinds of visit"),
    "charter": gettext_lazy("Charter and consent"),
    "notifications": gettext_lazy("How we reach you"),
}


def volunteer_for_user(user) -> Volunteer | None:
    """The active volunteer profile of `user`, or None (no profile, or left)."""
    if not user.is_authenticated:
        return None
    volunteer = getattr(user, "volunteer", None)
    if volunteer is None or volunteer.left_at is not None:
        return None
    return volunteer


@dataclass(frozen=True)
class ProfileStep:
    name: str
    label: str
    done: bool
    number: int


def profile_steps(volunteer: Volunteer) -> list[ProfileStep]:
    """The wizard's steps with whether each was saved."""
    done = set(volunteer.profile_steps_done)
    return [
        ProfileStep(name=name, label=str(STEP_LABELS[name]), done=name in done, number=index)
        for index, name in enumerate(PROFILE_STEPS, start=1)
    ]


def profile_next_step(volunteer: Volunteer) -> str | None:
    """The first step not saved yet, or None when the profile is complete."""
    done = set(volunteer.profile_steps_done)
    return next((name for name in PROFILE_STEPS if name not in done), None)


def availability_grid(volunteer: Volunteer) -> set[tuple[int, str]]:
    """(weekday, period) cells covered by the volunteer's slots, for the wizard's grid."""
    cells = set()
    for slot in volunteer.slots.all():
        for period, (start, end) in PERIODS.items():
            if slot.start <= start and slot.end >= end:
                cells.add((slot.weekday, period))
    return cells


def vetting_summary(volunteer: Volunteer) -> dict:
    """Where the volunteer's vetting stands: each staff step with its date, what is left,
    who verified the background check, and whether the charter is accepted."""
    dates = {
        "interview": volunteer.interview_on,
        "training": volunteer.training_on,
        "background_check": volunteer.background_check_on,
    }
    checker = volunteer.background_check_by
    return {
        "state": volunteer.vetting_state,
        "steps": [
            {"step": step, "label": str(vetting.STEP_LABELS[step]), "done_on": dates[step]} for step in vetting.STEPS
        ],
        "steps_left": [step for step in vetting.STEPS if dates[step] is None],
        "background_check_by": checker.get_full_name() if checker else "",
        "charter_accepted": volunteer.charter_accepted_at is not None,
    }


# --- how a person wants to be reached (named in settings for liens' outbox) -------------------


def notification_preferences(user) -> tuple[bool, bool] | None:
    """(wants email, wants SMS) for a volunteer; None for anyone else (coordinators, admins),
    for whom the outbox uses its defaults. Named by settings.LIENS_NOTIFY_PREFERENCES."""
    volunteer = getattr(user, "volunteer", None)  # the reverse one-to-one, cached on the user
    if volunteer is None:
        return None
    return volunteer.notify_email, volunteer.notify_sms


def quiet_windows(user_ids) -> dict[int, tuple[datetime.time, datetime.time]]:
    """Volunteers' own quiet hours (from, until) by user id, for those who set both (one query).
    Named by settings.OUTBOX_QUIET_WINDOWS."""
    found = Volunteer.objects.filter(user_id__in=user_ids).values_list("user_id", "quiet_from", "quiet_until")
    return {user_id: (start, end) for user_id, start, end in found if start and end}
