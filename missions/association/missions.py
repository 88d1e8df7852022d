"""Writes about an association's missions: their schedule, publication and life cycle."""

import datetime
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liens.choices import VisitKind
from liens.errors import DomainError
from liens.geocoding import geocode
from missions.models import Association, Beneficiary, Match, Mission
from missions.permissions import staff_check
from missions.scoping import home_care_refusal
from missions.visits.services import visits_reschedule


def local_to_utc(*, association: Association, on: datetime.date, at: datetime.time) -> datetime.datetime:
    """A wall-clock date and time in the association's zone, as an aware UTC datetime.

    zoneinfo resolves the two DST edges the usual way: a time skipped in spring (02:30 on the
    last Sunday of March) takes the winter offset, i.e. lands at 03:30; a time repeated in
    autumn takes its first occurrence (fold=0, summer time).
    """
    zone = zoneinfo.ZoneInfo(association.timezone or settings.TIME_ZONE)
    return datetime.datetime.combine(on, at, tzinfo=zone).astimezone(datetime.UTC)


def _mission_schedule(association: Association, fields: dict) -> dict:
    recurrence = fields.get("recurrence")
    at, on = fields.get("local_time"), fields.get("first_date")
    if recurrence == Mission.Recurrence.ONE_OFF:
        if on is None:
            raise DomainError(_("Choose the day."), field="first_date")
        if at is None:
            raise DomainError(_("Choose the time."), field="local_time")
        return {
            "starts_at": local_to_utc(association=association, on=on, at=at),
            "weekday": None,
            "end_date": None,
        }
    if recurrence == Mission.Recurrence.WEEKLY:
        weekday, end = fields.get("weekday"), fields.get("end_date")
        if weekday is None or not 0 <= weekday <= 6:
            raise DomainError(_("Choose the day of the week."), field="weekday")
        if at is None:
            raise DomainError(_("Choose the time."), field="local_time")
        if on is None:
            raise DomainError(_("Choose the first date."), field="first_date")
        if end is not None and end < on:
            raise DomainError(_("The end date comes before the first date."), field="end_date")
        return {"starts_at": None}
    raise DomainError(_("Choose one-off or weekly."), field="recurrence")


# What staff write on a mission, in the order the form and the API show it (the API's answer
# lists them too, then what Liens keeps itself).
MISSION_FIELDS = (
    "kind",
    "beneficiary",
    "title",
    "description",
    "requirements",
    "recurrence",
    "first_date",
    "local_time",
    "weekday",
    "end_date",
    "duration_minutes",
    "volunteers_needed",
    "place",
)


def _mission_check(association: Association, fields: dict) -> dict:
    unknown = set(fields) - set(MISSION_FIELDS)
    if unknown:
        raise ValueError(f"not mission fields: {sorted(unknown)}")
    kind = fields.get("kind")
    if kind not in VisitKind.values:
        raise DomainError(_("Choose the kind of mission."), field="kind")
    if not (fields.get("title") or "").strip():
        raise DomainError(_("Give the mission a title."), field="title")
    beneficiary = fields.get("beneficiary")
    extra: dict = {}
    if kind == VisitKind.GROUP_EVENT:
        if beneficiary is not None:
            raise DomainError(_("A group event is not for one person: leave the person empty."), field="beneficiary")
        if not (fields.get("place") or "").strip():
            raise DomainError(_("Say where the event takes place."), field="place")
        point = geocode(fields["place"])
        extra["latitude"], extra["longitude"] = (point.latitude, point.longitude) if point else (None, None)
    else:
        if beneficiary is None:
            raise DomainError(_("Choose the person this mission is for."), field="beneficiary")
        if beneficiary.association_id != association.pk:
            raise DomainError(_("Choose the person this mission is for."), field="beneficiary")
        if beneficiary.status == Beneficiary.Status.ENDED:
            raise DomainError(_("This person is no longer followed."), field="beneficiary")
        # The mission is where the person lives; matching measures distances from here.
        extra["latitude"], extra["longitude"] = beneficiary.latitude, beneficiary.longitude
    duration = fields.get("duration_minutes") or 60
    if not 10 <= duration <= 600:
        raise DomainError(_("Choose between 10 and 600 minutes."), field="duration_minutes")
    needed = fields.get("volunteers_needed") or 1
    if not 1 <= needed <= 50:
        raise DomainError(_("Choose between 1 and 50."), field="volunteers_needed")
    return extra | _mission_schedule(association, fields)


def mission_create(*, association: Association, by, **fields) -> Mission:
    """Prepare a mission as a draft (any association may, validated or not; a home-care
    service never: scoping.home_care_refusal). Not idempotent."""
    staff_check(by, association.pk)
    refusal = home_care_refusal(association)
    if refusal is not None:
        raise DomainError(refusal, code="forbidden")
    extra = _mission_check(association, fields)
    return Mission.objects.create(
        association=association, created_by=by, status=Mission.Status.DRAFT, **(fields | extra)
    )


SCHEDULE_FIELDS = frozenset({"recurrence", "first_date", "local_time", "weekday", "end_date", "duration_minutes"})


def mission_update(*, mission: Mission, by, **fields) -> Mission:
    """Change a draft or open mission's details and schedule. A new schedule moves the upcoming
    visits of its active matches with it (and cancels those whose slot is gone)."""
    staff_check(by, mission.association_id)
    with transaction.atomic():
        mission = Mission.objects.select_for_update(of=("self",)).select_related("association").get(pk=mission.pk)
        if mission.status == Mission.Status.CLOSED:
            raise DomainError(_("This mission is closed."))
        current = {name: getattr(mission, name) for name in MISSION_FIELDS}
        merged = current | fields
        extra = _mission_check(mission.association, merged)
        for name, value in (merged | extra).items():
            setattr(mission, name, value)
        mission.save()
        if any(getattr(mission, name) != current[name] for name in SCHEDULE_FIELDS):
            for match in mission.matches.filter(status=Match.Status.ACTIVE):
                visits_reschedule(match=match)
    return mission


def mission_publish(*, mission: Mission, by) -> Mission:
    """Open a draft mission to volunteers. Refused until the association is validated. Idempotent."""
    staff_check(by, mission.association_id)
    with transaction.atomic():
        mission = (
            Mission.objects.select_for_update(of=("self",))
            .select_related("association", "beneficiary")
            .get(pk=mission.pk)
        )
        if mission.status == Mission.Status.OPEN:
            return mission
        if mission.status != Mission.Status.DRAFT:
            raise DomainError(_("Only a draft mission can be published."))
        if not mission.association.is_validated:
            raise DomainError(
                _(
                    "Your association is awaiting validation by the platform: you can prepare missions now "
                    "and publish them once it is validated."
                )
            )
        beneficiary = mission.beneficiary
        if beneficiary is not None:
            if beneficiary.status != Beneficiary.Status.ACTIVE:
                raise DomainError(
                    _("Start following %(name)s (consent recorded) before publishing.") % {"name": beneficiary},
                    field="beneficiary",
                )
            if beneficiary.assessed_on is None:
                # No volunteer meets the person before a coordinator has: the assessment visit
                # comes before any match, and matching starts when a mission opens.
                raise DomainError(
                    _("Record the assessment visit with %(name)s before publishing.") % {"name": beneficiary},
                    field="beneficiary",
                )
        today = timezone.localdate()
        if mission.recurrence == Mission.Recurrence.ONE_OFF and mission.starts_at <= timezone.now():
            raise DomainError(_("This mission's date has passed."), field="first_date")
        if mission.end_date is not None and mission.end_date < today:
            raise DomainError(_("This mission's end date has passed."), field="end_date")
        mission.status = Mission.Status.OPEN
        mission.save(update_fields=["status"])
    return mission


def _mission_transition(mission: Mission, *, allowed_from: set, to: str, message) -> Mission:
    with transaction.atomic():
        mission = Mission.objects.select_for_update().get(pk=mission.pk)
        if mission.status == to:
            return mission
        if mission.status not in allowed_from:
            raise DomainError(message)
        mission.status = to
        mission.save(update_fields=["status"])
    return mission


def mission_fill(*, mission: Mission, by=None) -> Mission:
    """Mark an open mission filled: it stops appearing to volunteers. Idempotent.

    `by=None` is the system (the seeds, a job); anyone else must be the association's staff."""
    if by is not None:
        staff_check(by, mission.association_id)
    return _mission_transition(
        mission,
        allowed_from={Mission.Status.OPEN},
        to=Mission.Status.FILLED,
        message=_("Only an open mission can be marked filled."),
    )


def mission_reopen(*, mission: Mission, by) -> Mission:
    """Open a filled mission again (a volunteer left). Idempotent."""
    staff_check(by, mission.association_id)
    return _mission_transition(
        mission,
        allowed_from={Mission.Status.FILLED},
        to=Mission.Status.OPEN,
        message=_("Only a filled mission can be reopened."),
    )


def mission_close(*, mission: Mission, by) -> Mission:
    """Close a mission for good; refused while volunteers are still matched to it. Idempotent."""
    staff_check(by, mission.association_id)
    if mission.matches.filter(status__in=Match.LIVE).exists():
        raise DomainError(_("End this mission's matches before closing it."))
    return _mission_transition(
        mission,
        allowed_from={Mission.Status.DRAFT, Mission.Status.OPEN, Mission.Status.FILLED},
        to=Mission.Status.CLOSED,
        message=_("This mission is already closed."),
    )
