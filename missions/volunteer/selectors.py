"""Reads on the volunteer's side of missions: safe cards of missions for them, their matches,
their visits and the calendar feed's visits.

Privacy by construction: before an active match, templates and the API get a MissionCard —
first name and initial, age band, neighbourhood, distance, interests, schedule — and never the
Beneficiary row, so no surname, address or phone can leak by a slip in a template.
"""

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404
from django.urls import resolve, reverse
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liens.choices import Interest, VisitKind
from liens.lib.compiled import Reading, compiled, together
from liens.lib.geo import haversine_km
from missions import disclosure
from missions.conversations.selectors import volunteer_unread_reading
from missions.disclosure import ADDRESS, parts_allowed_for, with_parts_allowed
from missions.matching.facts import Facts
from missions.matching.selectors import volunteer_facts_reading, volunteer_recommendations
from missions.models import Match, Mission, Visit
from missions.outcomes.hours import volunteer_total_hours_reading
from volunteers.models import Volunteer

# --- mission cards --------------------------------------------------------------------------

# Built once: `Interest.values` builds a new list at each call, and a card looks up every interest.
INTEREST_LABELS = dict(Interest.choices)


@dataclass(frozen=True)
class MissionCard:
    """What a volunteer may know of a mission before an active match. Nothing else."""

    mission_id: int
    kind: str
    kind_label: str
    title: str
    person: str  # first name and initial of the surname, e.g. "Simone R."
    age_band: str
    neighbourhood: str
    distance_km: float | None
    distance: str
    interests: list[str]
    schedule: str
    reasons: list[str] = field(default_factory=list)
    needs_approval: bool = False


def age_band(birth_year: int | None, *, today: datetime.date | None = None) -> str:
    """A decade band like "80-89 years" rather than an exact age."""
    if not birth_year:
        return ""
    age = (today or timezone.localdate()).year - birth_year
    low = age // 10 * 10
    return _("%(low)s–%(high)s years") % {"low": low, "high": low + 9}


def distance_text(km: float | None) -> str:
    if km is None:
        return ""
    return _("%(km)s km") % {"km": formats.number_format(round(km, 1), 1, use_l10n=True)}


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(h)s h %(m)02d") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)s h") % {"h": hours}
    return _("%(m)s min") % {"m": rest}


def mission_schedule(mission) -> str:
    """The mission's schedule in plain words, in the association's local time."""
    duration = duration_text(mission.duration_minutes)
    if mission.recurrence == "weekly":
        return _("Every %(weekday)s at %(time)s (%(duration)s)") % {
            "weekday": str(WEEKDAYS[mission.weekday]).lower(),
            "time": formats.time_format(mission.local_time, "H:i"),
            "duration": duration,
        }
    zone = zoneinfo.ZoneInfo(mission.association.timezone)
    local = timezone.localtime(mission.starts_at, zone)
    return _("%(date)s at %(time)s (%(duration)s)") % {
        "date": formats.date_format(local, "l j F"),
        "time": formats.time_format(local, "H:i"),
        "duration": duration,
    }


def person_label(beneficiary) -> str:
    """First name and the initial of the surname: enough to talk about, not to find."""
    if beneficiary is None:
        return ""
    initial = beneficiary.last_name[:1].upper()
    return f"{beneficiary.first_name} {initial}." if initial else beneficiary.first_name


def mission_card(mission, volunteer: Volunteer, *, reasons=None, distance_km: float | None = None) -> MissionCard:
    """The safe card of `mission` as seen by `volunteer`."""
    beneficiary = mission.beneficiary
    if distance_km is None:
        lat = beneficiary.latitude if beneficiary else mission.latitude
        lon = beneficiary.longitude if beneficiary else mission.longitude
        if None not in (lat, lon, volunteer.latitude, volunteer.longitude):
            distance_km = haversine_km(volunteer.latitude, volunteer.longitude, lat, lon)
    interests = [
        str(INTEREST_LABELS[value])
        for value in (beneficiary.interests if beneficiary else [])
        if value in INTEREST_LABELS
    ]
    return MissionCard(
        mission_id=mission.pk,
        kind=mission.kind,
        kind_label=str(VisitKind(mission.kind).label),
        title=mission.title,
        person=person_label(beneficiary),
        age_band=age_band(beneficiary.birth_year) if beneficiary else "",
        neighbourhood=(beneficiary.neighbourhood or beneficiary.city) if beneficiary else mission.place,
        distance_km=round(distance_km, 1) if distance_km is not None else None,
        distance=distance_text(distance_km),
        interests=interests,
        schedule=mission_schedule(mission),
        reasons=[str(reason) for reason in (reasons or [])],
        needs_approval=not volunteer.may_take(mission.kind),
    )


def mission_recommendations(
    volunteer: Volunteer, *, limit: int = 20, facts: Facts | None = None, now: datetime.datetime | None = None
) -> list[MissionCard]:
    """Open missions that fit the volunteer, best first, as safe cards (matching area's ranking).

    A volunteer awaiting vetting also gets the missions that every rule but vetting lets
    through: they open once approved, and their cards say so (`needs_approval`). `facts` and
    `now`: the ranking's first query, read with the page's others (missions_page)."""
    pending = volunteer.vetting_state == Volunteer.Vetting.PENDING
    suggestions = volunteer_recommendations(
        volunteer=volunteer,
        limit=limit,
        once_vetted=pending,
        missions=_missions().only(*_CARD_FIELDS),
        facts=facts,
        now=now,
    )
    return [mission_card(s.mission, volunteer, reasons=s.reasons, distance_km=s.distance_km) for s in suggestions]


def _missions():
    return Mission.objects.select_related("beneficiary", "association")


def mission_for_volunteer_or_404(volunteer: Volunteer, mission_id: int):
    """A mission the volunteer may look at: open, or one they have a match on; else 404."""
    mission = (
        _missions()
        .filter(pk=mission_id)
        .filter(Q(status=Mission.Status.OPEN) | Q(matches__volunteer=volunteer))
        .distinct()
        .first()
    )
    if mission is None:
        raise Http404
    return mission


@dataclass(frozen=True)
class MatchItem:
    match: object
    card: MissionCard


def volunteer_matches(volunteer: Volunteer) -> list[MatchItem]:
    """The volunteer's live matches (proposed, accepted, active, paused) with safe cards."""
    return _volunteer_matches_reading(volunteer)()


def _volunteer_matches_reading(volunteer: Volunteer) -> Reading:
    return _live_matches.later(volunteer=volunteer.pk).then(
        lambda matches: [MatchItem(match=m, card=mission_card(m.mission, volunteer)) for m in matches]
    )


@dataclass(frozen=True)
class MissionsPage:
    matches: list[MatchItem]  # live, proposed first
    recommendations: list[MissionCard]  # open missions that fit, none the volunteer has a live match on
    unread: dict[int, int]  # unread messages per match listed


def missions_page(volunteer: Volunteer) -> MissionsPage:
    """The volunteer's missions page: their live matches, the missions recommended to them and
    the unread messages of the matches listed. The matches, the unread counts and the first of
    the recommendations' queries do not depend on one another: sent together (one round trip on
    PostgreSQL, liens.lib.compiled.together); the recommendations' others follow."""
    now = timezone.now()
    matches, facts, unread = together(
        _volunteer_matches_reading(volunteer),
        volunteer_facts_reading(volunteer, now=now),
        volunteer_unread_reading(volunteer),
    )
    taken = {item.card.mission_id for item in matches}
    cards = mission_recommendations(volunteer, facts=facts, now=now)
    listed = {item.match.pk for item in matches}
    return MissionsPage(
        matches=matches,
        recommendations=[card for card in cards if card.mission_id not in taken],
        unread={match_id: count for match_id, count in unread.items() if match_id in listed},
    )


@compiled(volunteer=int)
def _live_matches(*, volunteer: int):
    """Asked by the volunteer's missions page at every visit: compiled once (liens.lib.compiled)."""
    return (
        Match.objects.filter(volunteer=volunteer, status__in=Match.LIVE)
        .select_related("mission__beneficiary", "mission__association")
        .only("status", "proposed_at", *(f"mission__{name}" for name in _CARD_FIELDS))
        .order_by("status", "-proposed_at")
    )


def match_for_volunteer_or_404(volunteer: Volunteer, match_id: int):
    match = (
        Match.objects.filter(pk=match_id, volunteer=volunteer)
        .select_related("mission__beneficiary", "mission__association")
        .first()
    )
    if match is None:
        raise Http404
    return match


def live_match_for_mission(volunteer: Volunteer, mission):
    """The volunteer's live match on `mission` (any of proposed, accepted, active, paused), if any."""
    return (
        Match.objects.filter(volunteer=volunteer, mission=mission, status__in=Match.LIVE)
        .select_related("mission__beneficiary")
        .first()
    )


# --- visits ---------------------------------------------------------------------------------


def _visits(volunteer: Volunteer | int):
    return Visit.objects.filter(match__volunteer=volunteer).select_related(
        "match__mission__beneficiary", "match__mission__association", "report"
    )


# What a mission's safe card reads of the mission (mission_card: its person, place and
# schedule, which needs the association's time zone). The lists read these columns only, so a
# page compiles and reads a fraction of the tables' columns.
_CARD_FIELDS = (
    "kind",
    "title",
    "place",
    "latitude",
    "longitude",
    "recurrence",
    "weekday",
    "local_time",
    "starts_at",
    "duration_minutes",
    "association__timezone",
    *(
        f"beneficiary__{name}"
        for name in (
            "first_name",
            "last_name",
            "birth_year",
            "neighbourhood",
            "city",
            "interests",
            "latitude",
            "longitude",
        )
    ),
)

# What a list of visits shows (visit_item: the visit, its report and the mission's card). The
# pages that change one visit (visit_for_volunteer_or_404) read every column.
_LISTED = (
    "starts_at",
    "ends_at",
    "status",
    "match__status",
    *(f"match__mission__{name}" for name in _CARD_FIELDS),
    "report",
)


def _visit_list(volunteer: Volunteer | int):
    return _visits(volunteer).only(*_LISTED)


@dataclass(frozen=True)
class VisitItem:
    visit: object
    card: MissionCard
    report: object | None
    can_report: bool
    can_change: bool

    @property
    def report_length(self) -> str:
        """The reported visit's length as its card says it ("45 minutes.")."""
        minutes = self.report.duration_minutes
        return ngettext("%(minutes)s minute.", "%(minutes)s minutes.", minutes) % {"minutes": minutes}


def visit_item(visit, volunteer: Volunteer, now: datetime.datetime, *, cards: dict | None = None) -> VisitItem:
    """The visit as the volunteer's pages show it. A list passes `cards`, where each mission's
    card is made once and shared by its visits (a weekly match has dozens): cards are frozen."""
    report = getattr(visit, "report", None)
    open_status = visit.status in (Visit.Status.SCHEDULED, Visit.Status.UNCONFIRMED)
    mission = visit.match.mission
    card = cards.get(mission.pk) if cards is not None else None
    if card is None:
        card = mission_card(mission, volunteer)
        if cards is not None:
            cards[mission.pk] = card
    return VisitItem(
        visit=visit,
        card=card,
        report=report,
        can_report=report is None and open_status and visit.starts_at <= now,
        can_change=visit.status == Visit.Status.SCHEDULED and visit.starts_at > now,
    )


def _waiting_for_report(now: datetime.datetime) -> Q:
    """Visits that have started and still wait for the volunteer's report."""
    return Q(status__in=[Visit.Status.SCHEDULED, Visit.Status.UNCONFIRMED], starts_at__lte=now, report__isnull=True)


# The visits waiting for a report that the volunteer's pages list (visit_lists' to_report), and so
# their phone keeps: the oldest first.
TO_REPORT_LIMIT = 20


# The three lists are compiled once per process (liens.lib.compiled): building and compiling
# five joined tables cost ten times what the database takes to answer them.
@compiled(volunteer=int, now=datetime.datetime)
def _to_report(limit: int, *, volunteer: int, now: datetime.datetime):
    return _visit_list(volunteer).filter(_waiting_for_report(now)).order_by("starts_at")[:limit]


@compiled(volunteer=int, now=datetime.datetime)
def _upcoming(limit: int, *, volunteer: int, now: datetime.datetime):
    return _visit_list(volunteer).filter(status=Visit.Status.SCHEDULED, starts_at__gt=now).order_by("starts_at")[:limit]


@compiled(volunteer=int)
def _past(limit: int, *, volunteer: int):
    return (
        _visit_list(volunteer)
        .filter(
            Q(report__isnull=False) | Q(status__in=[Visit.Status.CANCELLED, Visit.Status.MISSED, Visit.Status.DONE])
        )
        .order_by("-starts_at")[:limit]
    )


# The volunteer's lists of visits, each its query.
_LISTS = {"to_report": _to_report, "upcoming": _upcoming, "past": _past}


def visit_lists(volunteer: Volunteer, **limits: int) -> dict[str, list[VisitItem]]:
    """Some of the lists above, each with its limit (to_report=20, upcoming=30...), as
    {name: items}, for a page that shows them together: one moment for all, and a mission's
    card made once for all the lists. One query per list, sent together (one round trip on
    PostgreSQL): a UNION ALL of them costs as much to compile and was measured slower per page."""
    return visit_lists_reading(volunteer, **limits)()


def visit_lists_reading(volunteer: Volunteer, **limits: int) -> Reading:
    """visit_lists, to read with a page's other queries (liens.lib.compiled.together)."""
    given = {"volunteer": volunteer.pk, "now": timezone.now()}
    names = list(limits)
    readings = []
    for name in names:
        query = _LISTS[name]
        readings.append(query.later(limits[name], **{value: given[value] for value in query.kinds}))

    def items(*lists) -> dict[str, list[VisitItem]]:
        cards: dict = {}
        return {
            name: [visit_item(visit, volunteer, given["now"], cards=cards) for visit in visits]
            for name, visits in zip(names, lists, strict=True)
        }

    return Reading.all(readings, items)


# The visits page's lists (and the API's), each with how many it shows.
VISITS_PAGE = {"to_report": TO_REPORT_LIMIT, "upcoming": 30, "past": 30}


def visits_page(volunteer: Volunteer) -> dict:
    """The visits page's lists and the volunteer's total hours (the rule:
    missions.outcomes.hours), for the page and the API, read together
    (liens.lib.compiled.together)."""
    lists, hours = together(
        visit_lists_reading(volunteer, **VISITS_PAGE), volunteer_total_hours_reading(volunteer=volunteer)
    )
    return {**lists, "hours": hours}


def visit_for_volunteer_or_404(volunteer: Volunteer, visit_id: int, *, listed: bool = False):
    """One of the volunteer's visits, or 404 — someone else's visit is not found, not forbidden.
    `listed`: only the columns the lists read (_LISTED), for a page that shows the visit as
    they do (the report form: its service reads the visit afresh under a lock)."""
    found = _one_visit(listed, volunteer=volunteer.pk, visit=int(visit_id))
    if not found:
        raise Http404
    return found[0]


@compiled(volunteer=int, visit=int)
def _one_visit(listed: bool, *, volunteer: int, visit: int):
    """Every page of a visit asks this: compiled once (liens.lib.compiled)."""
    return (_visit_list(volunteer) if listed else _visits(volunteer)).filter(pk=visit)[:1]


def calendar_visits(volunteer: Volunteer, *, days_back: int = 30, limit: int = 200):
    """Visits for the calendar feed: the last month and everything ahead, cancelled included
    so subscribed calendars drop them. A paused match's visits are left out until it resumes:
    the feed only lists what stands (a subscribed calendar drops what leaves the feed)."""
    since = timezone.now() - datetime.timedelta(days=days_back)
    visits = _visits(volunteer).filter(starts_at__gte=since).exclude(match__status__in=Match.SUSPENDED)
    return list(visits.order_by("starts_at")[:limit])


# --- the phone's offline copies -------------------------------------------------------------

# A volunteer's phone keeps the pages of the visits of the next week, for the doorstep.
OFFLINE_DAYS = 7


def offline_pages(volunteer: Volunteer, *, now: datetime.datetime) -> list[str]:
    """The pages the volunteer's phone may keep offline now (paths): their space and visits,
    the report form of each visit of the next OFFLINE_DAYS days or waiting for a report, and
    the page of each of those missions while its details are the volunteer's to see
    (disclosure.py). The service worker drops every other copy: ending a match takes its page
    off this list, so the address leaves the phone at its next connection.

    The first two are always on it (_always_kept). One query, whatever the number of visits:
    the waiting and the coming visits together, each with what its person's rule lets the
    volunteer see (disclosure.with_parts_allowed)."""
    rows = (
        with_parts_allowed(_offline_visits(volunteer, now), volunteer.user, beneficiary="match__mission__beneficiary")
        .order_by("starts_at", "pk")
        .values_list(
            "pk",
            "starts_at",
            "match__mission_id",
            "match__mission__beneficiary_id",
            *disclosure.ANNOTATIONS,
            named=True,
        )
    )
    pages = _always_kept()
    missions: dict[int, bool] = {}  # the coming visits' missions, in order, and whether kept
    for row in rows:
        pages.append(reverse("volunteers:visit_report", args=[row.pk]))
        if row.starts_at > now and row.match__mission_id not in missions:
            missions[row.match__mission_id] = (
                row.match__mission__beneficiary_id is None or ADDRESS in parts_allowed_for(row, volunteer.user)
            )
    pages += [reverse("volunteers:mission_detail", args=[pk]) for pk, kept in missions.items() if kept]
    return pages


def _offline_visits(volunteer: Volunteer | int, now: datetime.datetime, until: datetime.datetime | None = None):
    """The visits whose report forms the phone keeps (offline_pages); `until` is
    _offline_until(now), given by a caller that compiles the query."""
    until = until or _offline_until(now)
    mine = Visit.objects.filter(match__volunteer=volunteer)
    # Of the waiting visits, the oldest TO_REPORT_LIMIT, as the pages list them; every coming one
    # (a week's worth).
    waiting = mine.filter(_waiting_for_report(now)).order_by("starts_at", "pk").values("pk")[:TO_REPORT_LIMIT]
    coming = Q(status=Visit.Status.SCHEDULED, starts_at__gt=now, starts_at__lte=until) & ~Q(
        match__status__in=Match.SUSPENDED
    )
    return mine.filter(Q(pk__in=waiting) | coming)


def _offline_until(now: datetime.datetime) -> datetime.datetime:
    """The end of the coming visits the phone keeps."""
    return now + datetime.timedelta(days=OFFLINE_DAYS)


def _always_kept() -> list[str]:
    """The volunteer's space and visits: on every volunteer's offline list."""
    return [reverse("volunteers:home"), reverse("volunteers:visits")]


def offline_page_kept(volunteer: Volunteer, path: str, *, now: datetime.datetime) -> bool:
    """Whether `path` is on offline_pages(volunteer, now=now); the pages always on it are
    answered without reading the visits, and a report form by asking about its visit alone
    (no need for what the person's rule lets the volunteer see, which only mission pages do)."""
    if path in _always_kept():
        return True
    page = resolve(path)
    if page.view_name == "volunteers:visit_report":
        until = _offline_until(now)
        return bool(_report_form_kept(volunteer=volunteer.pk, visit=page.kwargs["visit_id"], now=now, until=until))
    return path in offline_pages(volunteer, now=now)


@compiled(volunteer=int, visit=int, now=datetime.datetime, until=datetime.datetime)
def _report_form_kept(*, volunteer: int, visit: int, now: datetime.datetime, until: datetime.datetime):
    """Each report form asks whether the phone keeps it: compiled once (liens.lib.compiled)."""
    return _offline_visits(volunteer, now, until).filter(pk=visit).values("pk")[:1]


def install_hint_due(volunteer: Volunteer, *, seen: Iterable[str] = ()) -> bool:
    """Whether to suggest installing Liens on the phone: once a first match has been accepted
    (the volunteer will come back), never on a first visit. `seen`: the statuses of matches of
    theirs the page has read already (its matches, its visits' matches); one accepted, active
    or paused answers without a query."""
    accepted = (Match.Status.ACCEPTED, Match.Status.ACTIVE, Match.Status.PAUSED)
    if any(status in accepted for status in seen):
        return True
    return Match.objects.filter(
        Q(status__in=accepted) | Q(activated_at__isnull=False),
        volunteer=volunteer,
    ).exists()
