"""Reads on the volunteer's own side: their profile, its wizard steps, their vetting, and how
they want to be reached (asked by the outbox through settings, see liens.notify).

What they see of missions (safe cards, matches, visits) is read by missions.volunteer.selectors.
"""

import datetime
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liens.choices import Interest, Language, VisitKind
from liens.lib.compiled import compiled
from liens.models import Notification
from liens.selectors import channel_choices

from . import vetting
from .models import Volunteer
from .services import OPTIONAL_STEPS, PERIODS, WIZARD_STEPS

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
    user = getattr(user, "_wrapped", user)  # the request's user itself, not its lazy stand-in
    profile = Volunteer.user.field.remote_field  # the user's `volunteer` side of the link
    if profile.is_cached(user):
        volunteer = profile.get_cached_value(user)
    else:
        # Every volunteer page asks this: compiled once rather than through `user.volunteer`.
        volunteer = next(iter(_profile_of(user=user.pk)), None)
        profile.set_cached_value(user, volunteer)
        if volunteer is not None:
            Volunteer.user.field.set_cached_value(volunteer, user)
    if volunteer is None or volunteer.left_at is not None:
        return None
    return volunteer


@compiled(user=int)
def _profile_of(*, user: int):
    return Volunteer.objects.filter(user=user)


@dataclass(frozen=True)
class ProfileStep:
    name: str
    label: str
    done: bool
    number: int  # its place in the wizard; 0 for an optional step
    optional: bool = False
    summary: str = ""  # what an optional step holds now (its defaults until changed)


def _labels(values, choices) -> list[str]:
    return [str(choices(value).label) for value in values if value in choices.values]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _summary(volunteer: Volunteer, step: str) -> str:
    """In a few words, what an optional step holds for `volunteer`."""
    if step == "place":
        km = volunteer.travel_radius_km
        return _("Up to %(km)s km from %(place)s") % {
            "km": formats.number_format(km, 0 if km == int(km) else 1, use_l10n=True),
            "place": " ".join(part for part in (volunteer.postcode, volunteer.city) if part),
        }
    if step == "interests":
        languages = ", ".join(_labels(volunteer.languages, Language)) or _("no language yet")
        interests = ", ".join(_labels(volunteer.interests, Interest)) or _("no interest chosen yet")
        return f"{languages} · {interests}"
    if step == "kinds":
        kinds = ", ".join(_labels(volunteer.visit_kinds, VisitKind)) or _("none yet")
        return _("%(kinds)s · %(n)s people at most") % {"kinds": kinds, "n": volunteer.max_commitments}
    by_email, by_sms = notification_ways(volunteer.user)
    ways = [label for on, label in ((by_email, _("by email")), (by_sms, _("by SMS"))) if on]
    return _("%(ways)s · quiet from %(start)s to %(end)s") % {
        "ways": _capitalised(", ".join(ways)) or _("Nothing"),
        "start": formats.time_format(volunteer.quiet_from, "H:i"),
        "end": formats.time_format(volunteer.quiet_until, "H:i"),
    }


def profile_steps(volunteer: Volunteer) -> list[ProfileStep]:
    """The wizard's steps with whether each was saved, then the optional steps with what they
    hold now."""
    done = set(volunteer.profile_steps_done)
    wizard = [
        ProfileStep(name=name, label=str(STEP_LABELS[name]), done=name in done, number=index)
        for index, name in enumerate(WIZARD_STEPS, start=1)
    ]
    optional = [
        ProfileStep(
            name=name,
            label=str(STEP_LABELS[name]),
            done=name in done,
            number=0,
            optional=True,
            summary=_summary(volunteer, name),
        )
        for name in OPTIONAL_STEPS
    ]
    return wizard + optional


def _missing(volunteer: Volunteer, step: str) -> bool:
    """An optional step whose data is missing, so its default cannot stand (a profile made
    before the defaults existed): no kind of visit, or no language."""
    return (step == "kinds" and not volunteer.visit_kinds) or (step == "interests" and not volunteer.languages)


def _wizard_steps_left(volunteer: Volunteer) -> list[str]:
    """The wizard's steps not saved yet, in order (the optional steps, which have defaults, aside)."""
    done = set(volunteer.profile_steps_done)
    return [name for name in WIZARD_STEPS if name not in done]


def profile_steps_left(volunteer: Volunteer) -> int:
    """How many wizard steps are not saved yet."""
    return len(_wizard_steps_left(volunteer))


def profile_next_step(volunteer: Volunteer) -> str | None:
    """The first wizard step not saved yet (or an optional one whose data is missing), or None
    when the volunteer can be matched."""
    left = _wizard_steps_left(volunteer)
    return left[0] if left else next((name for name in OPTIONAL_STEPS if _missing(volunteer, name)), None)


def availability_grid(volunteer: Volunteer) -> set[tuple[int, str]]:
    """(weekday, period) cells covered by the volunteer's slots, for the wizard's grid."""
    cells = set()
    for slot in volunteer.slots.all():
        for period, (start, end) in PERIODS.items():
            if slot.start <= start and slot.end >= end:
                cells.add((slot.weekday, period))
    return cells


@dataclass(frozen=True)
class TimelineStep:
    key: str
    label: str
    who: str
    delay: str
    done: bool
    done_on: datetime.date | None
    is_next: bool = False
    url_name: str = ""  # the page where the volunteer does it themselves, if any
    by: str = ""  # who verified it (the background check's attestation)


def vetting_timeline(volunteer: Volunteer) -> list[TimelineStep]:
    """Where the volunteer's vetting stands, in order: the charter (theirs), the interview,
    training and background check (the coordinator's), then approval. Each says who does it and
    how long it usually takes; the first step left is marked next."""
    charter_on = volunteer.charter_accepted_at.date() if volunteer.charter_accepted_at else None
    dates = {
        vetting.INTERVIEW: volunteer.interview_on,
        vetting.TRAINING: volunteer.training_on,
        vetting.BACKGROUND_CHECK: volunteer.background_check_on,
    }
    approved = volunteer.vetting_state == Volunteer.Vetting.APPROVED
    rows = [("charter", charter_on, "volunteers:profile_step")]
    rows += [(step, dates[step], "") for step in vetting.STEPS]
    rows.append(("approved", volunteer.approved_at.date() if volunteer.approved_at else None, ""))
    checker = volunteer.background_check_by if volunteer.background_check_on else None
    steps, next_found = [], False
    for key, done_on, url_name in rows:
        done = done_on is not None or (approved and key != "charter")
        is_next = not done and not next_found
        next_found = next_found or is_next
        who, delay = vetting.TIMELINE[key]
        steps.append(
            TimelineStep(
                key=key,
                label=str(vetting.TIMELINE_LABELS[key]),
                who=str(who),
                delay=str(delay),
                done=done,
                done_on=done_on,
                is_next=is_next,
                url_name=url_name if not done else "",
                by=checker.get_full_name() if checker and key == vetting.BACKGROUND_CHECK else "",
            )
        )
    return steps


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
        "timeline": vetting_timeline(volunteer),
    }


# --- how a person wants to be reached, and when not (quiet_windows is named in settings) ------


def notification_ways(user) -> tuple[bool, bool]:
    """(by email, by SMS): whether some group of messages the person receives comes by email, by
    SMS, read from their channels per group (the defaults where they chose none). The profile's
    shortcut shows them; the outbox reads the groups themselves (liens.notify.default_channels)."""
    choices = channel_choices(user).values()
    return (
        any(Notification.Channel.EMAIL in channels for channels in choices),
        any(Notification.Channel.SMS in channels for channels in choices),
    )


def quiet_windows(user_ids) -> dict[int, tuple[datetime.time, datetime.time]]:
    """Volunteers' own quiet hours (from, until) by user id, for those who set both (one query).
    Named by settings.OUTBOX_QUIET_WINDOWS."""
    found = Volunteer.objects.filter(user_id__in=user_ids).values_list("user_id", "quiet_from", "quiet_until")
    return {user_id: (start, end) for user_id, start, end in found if start and end}
