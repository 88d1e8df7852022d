"""Reads of the association side. Every function takes the association (already scoped by the
caller through missions.scoping) and runs a constant number of queries."""

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from liens.choices import VisitKind
from liens.lib.compiled import Reading, compiled, totals
from liens.lib.pages import CompiledRows, counted
from liens.models import User
from missions.alerts.selectors import alert_counts_reading
from missions.matching.selectors import mission_suggestions as matching_suggestions
from missions.models import (
    Assessment,
    Association,
    Beneficiary,
    ImportJob,
    Invitation,
    IsolationAlert,
    Match,
    Membership,
    Mission,
    VettingRecord,
    Visit,
)
from missions.scoping import visible_volunteers, volunteer_visibility, volunteers_visible
from volunteers.models import Volunteer
from volunteers.vetting import STEP_FIELDS, STEP_LABELS, vetting_steps_left

# --- invitations --------------------------------------------------------------------------


def invitation_needs_account(invitation: Invitation) -> bool:
    """Whether the invited address belongs to an account that has never had a password: the
    invitee then chooses one on the invitation page instead of signing in."""
    invitee = User.objects.filter(email__iexact=invitation.email).first()
    return invitee is not None and not invitee.has_usable_password()


# --- search ---------------------------------------------------------------------------------


def words_search(rows: QuerySet, q: str, *lookups: str) -> QuerySet:
    """The rows where every word of `q` matches one of `lookups` (a staff list's search box)."""
    for word in q.split():
        match = Q()
        for lookup in lookups:
            match |= Q(**{lookup: word})
        rows = rows.filter(match)
    return rows


# --- beneficiaries --------------------------------------------------------------------------


def beneficiary_list(*, association: Association, q: str = "", status: str = "") -> QuerySet:
    """The association's beneficiaries, searched by name, postcode or city, with open alerts counted."""
    rows = Beneficiary.objects.filter(association=association)
    if status in Beneficiary.Status.values:
        rows = rows.filter(status=status)
    rows = words_search(
        rows,
        q,
        "first_name__icontains",
        "last_name__icontains",
        "postcode__startswith",
        "city__icontains",
        "neighbourhood__icontains",
    )
    # pk IN (the unresolved alerts' people) rather than EXISTS: the same answer, and no constant
    # number of its own (EXISTS selects 1), so the list can be compiled (beneficiary_rows).
    open_alerts = IsolationAlert.objects.filter(resolved_at__isnull=True).values("beneficiary")
    has_open_alert = ExpressionWrapper(Q(pk__in=open_alerts), output_field=BooleanField())
    return rows.annotate(has_open_alert=has_open_alert).order_by("last_name", "first_name", "pk")


# What a row of the people list shows (_beneficiary_row.html): the rows read these columns
# only, not the person's whole file.
BENEFICIARY_ROW_FIELDS = (
    "first_name",
    "last_name",
    "postcode",
    "city",
    "neighbourhood",
    "status",
    "last_contact_at",
    "erased_at",
)


def beneficiary_rows(*, association: Association, q: str = "", status: str = ""):
    """beneficiary_list's rows with their row's columns, for liens.lib.pages.list_page: a page of
    them from a query compiled once per status filter, unless words are searched (text is never
    compiled)."""
    if q:
        return beneficiary_list(association=association, q=q, status=status).only(*BENEFICIARY_ROW_FIELDS)
    status = status if status in Beneficiary.Status.values else ""
    return CompiledRows(_beneficiary_rows, status, association=association.pk)


@compiled(association=int)
def _beneficiary_rows(status: str, start: int | None, stop: int | None, *, association: int):
    rows = beneficiary_list(association=association, status=status).only(*BENEFICIARY_ROW_FIELDS)
    return counted(rows)[start:stop]


def beneficiary_for_page(*, queryset: QuerySet, pk: int) -> Beneficiary:
    """One beneficiary with key contacts, missions and latest assessments prefetched."""
    return (
        queryset.select_related("association")
        .prefetch_related(
            "key_contacts",
            Prefetch("missions", queryset=Mission.objects.order_by("-created_at")),
            Prefetch("assessments", queryset=Assessment.objects.order_by("-taken_on", "-pk")),
        )
        .get(pk=pk)
    )


def beneficiary_sections_done(beneficiary: Beneficiary) -> dict[str, bool]:
    """Which sections of the person's file (beneficiaries.BENEFICIARY_SECTIONS) say something
    yet, from the row and its prefetched key contacts (no query). The first one always does:
    the file cannot exist without it; so does the contact target, which has a default."""
    b = beneficiary
    return {
        "identity": True,
        "consent": bool(b.consent_by and b.consent_on),
        "contact": bool(b.phone or b.access_notes or b.practical_tips),
        "preferences": bool(b.interests or b.languages or b.best_times or b.visitor_preference != "any"),
        "health": bool(b.mobility_notes or b.hearing_notes),
        "key_contacts": bool(b.key_contacts.all()),
        "follow_up": True,
    }


# --- missions -------------------------------------------------------------------------------


# The missions list's order: drafts to publish first, then open ones to fill, filled, closed.
MISSION_LIST_ORDER = (Mission.Status.DRAFT, Mission.Status.OPEN, Mission.Status.FILLED, Mission.Status.CLOSED)


def mission_list(*, association: Association, q: str = "", status: str = "", kind: str = "") -> QuerySet:
    """The association's missions with their person and live match count: drafts to publish
    first, then open ones to fill, filled ones, and closed ones last; newest first in each."""
    rows = Mission.objects.filter(association=association).select_related("beneficiary")
    if status in Mission.Status.values:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    rows = words_search(
        rows, q, "title__icontains", "beneficiary__first_name__icontains", "beneficiary__last_name__icontains"
    )
    # Each stage's rank as text ("0" to "3", "9"): a compiled query holds no number of its own
    # (liens.lib.compiled), and one digit orders as text as it does as a number.
    stage = Case(
        *[When(status=value, then=Value(str(rank))) for rank, value in enumerate(MISSION_LIST_ORDER)],
        default=Value("9"),
    )
    return rows.annotate(live_matches=Count("matches", filter=Q(matches__status__in=Match.LIVE))).order_by(
        stage, "-created_at", "pk"
    )


# What a row of the missions list shows (_mission_row.html): the mission's title, kind, status,
# place and need, and the person's name; the rows read these columns only.
MISSION_ROW_FIELDS = (
    "title",
    "kind",
    "status",
    "place",
    "volunteers_needed",
    "created_at",
    "beneficiary__first_name",
    "beneficiary__last_name",
    "beneficiary__erased_at",
)


def mission_rows(*, association: Association, q: str = "", status: str = "", kind: str = ""):
    """The missions list's rows as mission_list has them, its row's columns only, for
    liens.lib.pages.list_page: a page of them from a query compiled once per filter, unless
    words are searched (text is never compiled) or the kind is none of the kinds."""
    if q or (kind and kind not in VisitKind.values):
        return mission_list(association=association, q=q, status=status, kind=kind).only(*MISSION_ROW_FIELDS)
    status = status if status in Mission.Status.values else ""
    return CompiledRows(_mission_rows, status, kind, association=association.pk)


@compiled(association=int)
def _mission_rows(status: str, kind: str, start: int | None, stop: int | None, *, association: int):
    rows = mission_list(association=association, status=status, kind=kind).only(*MISSION_ROW_FIELDS)
    return counted(rows)[start:stop]


def mission_occurrences(*, mission: Mission, count: int = 3, now: datetime.datetime | None = None) -> list:
    """The next start times of a mission, in the association's local time."""
    zone = zoneinfo.ZoneInfo(mission.association.timezone or settings.TIME_ZONE)
    now = now or timezone.now()
    if mission.recurrence == Mission.Recurrence.ONE_OFF:
        return [mission.starts_at.astimezone(zone)] if mission.starts_at else []
    if mission.weekday is None or mission.local_time is None:
        return []
    day = max(mission.first_date or now.astimezone(zone).date(), now.astimezone(zone).date())
    day += datetime.timedelta(days=(mission.weekday - day.weekday()) % 7)
    found = []
    while len(found) < count and (mission.end_date is None or day <= mission.end_date):
        # Wall-clock time in the zone on each date: 15:00 stays 15:00 across DST changes.
        found.append(datetime.datetime.combine(day, mission.local_time, tzinfo=zone))
        day += datetime.timedelta(days=7)
    return found


def mission_suggestions(*, mission: Mission, limit: int = 10) -> list:
    """The matching engine's best volunteers for the mission, each with its reasons."""
    return list(matching_suggestions(mission=mission, limit=limit))


# --- vetting desk ---------------------------------------------------------------------------


# What a row of the vetting desk shows (_vetting_row.html): the volunteer's name, place, sign-up
# day, charter and vetting state, and the date of each step; the rows read these columns only.
VETTING_ROW_FIELDS = (
    "user__first_name",
    "user__last_name",
    "user__email",
    "vetting_state",
    "postcode",
    "city",
    "created_at",
    "charter_accepted_at",
    *STEP_FIELDS.values(),
)


def vetting_desk(*, association: Association, user, q: str = "", waiting_for: str = "") -> QuerySet:
    """The volunteers of vetting_waiting with their vetting records (latest first, with the
    association that recorded each), the longest waiting first."""
    rows = vetting_waiting(association=association, user=user, q=q, waiting_for=waiting_for)
    return with_vetting_records(rows).order_by("created_at", "pk")


def vetting_waiting(*, association: Association, user, q: str = "", waiting_for: str = "") -> QuerySet:
    """Volunteers waiting for vetting near the association (same département) or matched with it,
    searched by name, email, postcode or city, and narrowed to those still waiting for a step.
    Alone (without vetting_desk's records and order), what the home counts.

    Nobody finds themselves on it: nobody vets their own profile. Empty for a pending
    association (volunteers_visible); pages and the API say why (scoping.vetting_refusal).
    """
    me = user.pk if user.is_authenticated else None
    rows = _waiting(volunteers_visible(user, association=association), me=me, waiting_for=waiting_for)
    return words_search(
        rows,
        q,
        "user__first_name__icontains",
        "user__last_name__icontains",
        "user__email__icontains",
        "postcode__startswith",
        "city__icontains",
    )


def _waiting(visible: QuerySet, *, me: int | None, waiting_for: str) -> QuerySet:
    rows = visible.filter(vetting_state=Volunteer.Vetting.PENDING, left_at__isnull=True)
    if me is not None:
        rows = rows.exclude(user=me)
    if waiting_for in STEP_FIELDS:  # the "waiting for" filter: the step's date still empty
        rows = rows.filter(**{f"{STEP_FIELDS[waiting_for]}__isnull": True})
    return rows


# The desk and the home's count of it are read at every visit: compiled once per set of
# départements the association sees (the postcode it gives, so a changed postcode is a new
# shape) and per step filter. A search typed goes through the ORM (text is never compiled).
def _compiled_visibility(association: Association, user) -> tuple | None:
    """The départements of volunteer_visibility, where it is this association's own view;
    None where the ORM must answer (nobody signed in, or the association sees nobody)."""
    if not user.is_authenticated:
        return None
    ids, departements = volunteer_visibility(user, association=association)
    return tuple(departements) if ids == [association.pk] else None


def vetting_waiting_count_reading(*, association: Association, user) -> Reading:
    """How many volunteers vetting_waiting holds (the home's figure, read with its others by
    liens.lib.compiled.together)."""
    departements = _compiled_visibility(association, user)
    if departements is None:
        return Reading.known(vetting_waiting(association=association, user=user).count())
    return _waiting_count.later(departements, association=association.pk, me=user.pk).then(lambda rows: rows[0]["n"])


def vetting_desk_rows(*, association: Association, user, q: str = "", waiting_for: str = ""):
    """vetting_desk's volunteers with their row's columns, for liens.lib.pages.list_page, without
    their records (vetting_records_of reads the page's)."""
    departements = _compiled_visibility(association, user)
    if q or departements is None:
        rows = vetting_waiting(association=association, user=user, q=q, waiting_for=waiting_for)
        return _desk_order(rows)
    waiting_for = waiting_for if waiting_for in STEP_FIELDS else ""
    return CompiledRows(_desk_rows, departements, waiting_for, association=association.pk, me=user.pk)


def _desk_order(rows: QuerySet) -> QuerySet:
    return rows.select_related("user").only(*VETTING_ROW_FIELDS).order_by("created_at", "pk")


@compiled(association=int, me=int)
def _waiting_count(departements: tuple, *, association: int, me: int):
    rows = _waiting(visible_volunteers([association], list(departements)), me=me, waiting_for="")
    return totals(rows, n=Count("pk"))


@compiled(association=int, me=int)
def _desk_rows(departements: tuple, waiting_for: str, start, stop, *, association: int, me: int):
    rows = _waiting(visible_volunteers([association], list(departements)), me=me, waiting_for=waiting_for)
    return counted(_desk_order(rows))[start:stop]


def vetting_records_of(volunteers) -> dict[int, list[VettingRecord]]:
    """Each volunteer's vetting records, latest first (what with_vetting_records prefetches)."""
    ids = [volunteer.pk for volunteer in volunteers]
    found = {pk: [] for pk in ids}
    for record in _vetting_records(ids=ids) if ids else []:
        found[record.volunteer_id].append(record)
    return found


@compiled(ids=list)
def _vetting_records(*, ids: list[int]):
    return _records().filter(volunteer__in=ids)


def _records() -> QuerySet:
    # What the desk and the API show of a record: its step, day and association's name.
    return (
        VettingRecord.objects.select_related("association")
        .only("volunteer", "step", "done_on", "recorded_at", "association__name")
        .order_by("-recorded_at", "-pk")
    )


@dataclass
class VettingRow:
    """One volunteer on the desk and their steps: (step, label, its button's name for screen
    readers, still to do, latest record)."""

    volunteer: Volunteer
    steps: list[tuple[str, str, str, bool, VettingRecord | None]]

    @property
    def anchor(self) -> str:
        """The row's id in the page, which each step's form swaps (and a redirect comes back to)."""
        return f"volunteer-{self.volunteer.pk}"


def vetting_rows(volunteers, records: dict | None = None) -> list[VettingRow]:
    """The desk's rows for volunteers fetched by vetting_desk or with_vetting_records, or with
    `records` from vetting_records_of (no query)."""
    # Each step's label and button name, translated once for the page rather than in every row.
    labels = [(step, str(label), _("%(label)s: done today") % {"label": label}) for step, label in STEP_LABELS.items()]
    rows = []
    for volunteer in volunteers:
        left = vetting_steps_left(volunteer)
        traces = vetting_traces(volunteer, None if records is None else records[volunteer.pk])
        steps = [(step, label, done, step in left, traces.get(step)) for step, label, done in labels]
        rows.append(VettingRow(volunteer=volunteer, steps=steps))
    return rows


def with_vetting_records(volunteers: QuerySet) -> QuerySet:
    """The volunteers with their user and vetting records (latest first, with their association)."""
    return volunteers.select_related("user").prefetch_related(Prefetch("vetting_records", queryset=_records()))


def vetting_traces(volunteer: Volunteer, records: list | None = None) -> dict:
    """Step -> its latest VettingRecord, from `records` (latest first) or the records
    vetting_desk prefetched (no query)."""
    traces = {}
    for record in volunteer.vetting_records.all() if records is None else records:
        traces.setdefault(record.step, record)
    return traces


# --- staff ----------------------------------------------------------------------------------


def staff_list(*, association: Association) -> tuple[list[Membership], list[Invitation]]:
    members = list(association.memberships.select_related("user").order_by("role", "user__email"))
    invitations = list(association.invitations.filter(accepted_at__isnull=True).order_by("-created_at"))
    return members, invitations


def associations_awaiting_validation() -> QuerySet:
    """Associations not yet validated, oldest first, with their managers."""
    managers = Membership.objects.filter(role=Membership.Role.MANAGER).select_related("user")
    return (
        Association.objects.filter(validated_at__isnull=True)
        .prefetch_related(Prefetch("memberships", queryset=managers, to_attr="managers"))
        .order_by("created_at", "pk")
    )


def import_jobs(*, association: Association) -> QuerySet:
    return ImportJob.objects.filter(association=association).defer("content", "rows").order_by("-created_at")[:10]


# --- the association home -------------------------------------------------------------------


@dataclass
class Attention:
    """What needs a coordinator today, as counts."""

    open_alerts: int = 0
    alerts_by_severity: dict = field(default_factory=dict)
    unfilled_missions: int = 0
    draft_missions: int = 0
    visits_without_report: int = 0
    late_visits: list = field(default_factory=list)  # the oldest of them (visits_without_report)
    volunteers_waiting: int = 0
    beneficiaries_in_intake: int = 0
    pauses_ending: int = 0

    @property
    def total(self) -> int:
        return (
            self.open_alerts
            + self.unfilled_missions
            + self.visits_without_report
            + self.volunteers_waiting
            + self.beneficiaries_in_intake
        )


def association_attention(*, association: Association, user, now: datetime.datetime | None = None) -> Attention:
    """Counts of what needs attention today, and the oldest visits without a report: five
    queries whatever the volume, sent together."""
    return association_attention_reading(association=association, user=user, now=now)()


def association_attention_reading(*, association: Association, user, now: datetime.datetime | None = None) -> Reading:
    """association_attention, to read with a page's other queries (liens.lib.compiled.together)."""
    now = now or timezone.now()
    today = timezone.localdate(now)

    def attention(counts: dict, mission_totals: list, late_visits: list, waiting: int, people_totals: list):
        (missions,), (people,) = mission_totals, people_totals  # one row each
        return Attention(
            alerts_by_severity=counts,
            open_alerts=counts["total"],
            unfilled_missions=missions["unfilled"],
            draft_missions=missions["drafts"],
            # The oldest visits without a report carry their total: the list and the count in one query.
            late_visits=late_visits,
            visits_without_report=late_visits[0].late_total if late_visits else 0,
            volunteers_waiting=waiting,
            beneficiaries_in_intake=people["intake"],
            pauses_ending=people["pauses"],
        )

    readings = (
        alert_counts_reading(association_ids=[association.pk]),
        _mission_counts.later(association=association.pk),
        _late_visits.later(10, association=association.pk, now=now),
        vetting_waiting_count_reading(association=association, user=user),
        _people_counts.later(association=association.pk, until=today + datetime.timedelta(days=2)),
    )
    return Reading.all(readings, attention)


# The home's counts are asked at every visit of it: compiled once (liens.lib.compiled).
@compiled(association=int)
def _mission_counts(*, association: int):
    return totals(
        Mission.objects.filter(association=association),
        unfilled=Count("pk", filter=Q(status=Mission.Status.OPEN)),
        drafts=Count("pk", filter=Q(status=Mission.Status.DRAFT)),
    )


@compiled(association=int, until=datetime.date)
def _people_counts(*, association: int, until: datetime.date):
    """The people in intake, and those whose pause ends by `until`."""
    return totals(
        Beneficiary.objects.filter(association=association),
        intake=Count("pk", filter=Q(status=Beneficiary.Status.INTAKE)),
        pauses=Count("pk", filter=Q(status=Beneficiary.Status.PAUSED, paused_until__lte=until)),
    )


@compiled(association=int, now=datetime.datetime)
def _late_visits(limit: int, *, association: int, now: datetime.datetime):
    return visits_without_report(association=association, now=now, limit=limit)


def visits_without_report(*, association: Association | int, now: datetime.datetime | None = None, limit: int = 10):
    """The `limit` oldest visits past their end still without a report, each with `late_total`,
    the number of them all (counted by the database over the whole set, before the limit)."""
    now = now or timezone.now()
    return (
        Visit.objects.filter(
            Q(status=Visit.Status.SCHEDULED, ends_at__lt=now) | Q(status=Visit.Status.UNCONFIRMED),
            match__mission__association=association,
        )
        .select_related("match__volunteer__user", "match__mission__beneficiary")
        # What the home page shows of each (names, title, day, status): these columns only.
        .only(
            "starts_at",
            "status",
            "match__mission__title",
            "match__mission__beneficiary__first_name",
            "match__mission__beneficiary__last_name",
            "match__mission__beneficiary__erased_at",
            "match__volunteer__user__first_name",
            "match__volunteer__user__last_name",
            "match__volunteer__user__email",
        )
        .annotate(late_total=Window(Count("pk")))
        .order_by("ends_at")[:limit]
    )
