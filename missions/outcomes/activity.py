"""The activity report: the one home of the figures an association (or a territory) shows its
funders for a period. The page, the CSV/XLSX/PDF exports, the API and the platform admins'
territory report all read `activity_report()`; nothing else counts them.

A period is a span of whole calendar days in the site's zone (Europe/Paris, as a volunteer's
certificate: a territory spans associations): a row belongs to the day its moment falls on
there (hours.period_bounds), so a visit at 23:30 in Paris on 31 January is a January visit.

What each figure counts:
- people followed: people first followed before the period's end who are still followed today
  (active or paused) or had a contact during the period; new people: first followed during it.
- new referrals: received during the period, by source (the partner's kind; the public form
  when there is none) and by where they stand today (their status; closed ones by outcome).
- visits: by status, for visits that started during the period; contacts: the ledger's rows of
  the period by kind.
- volunteer hours (missions.outcomes.hours, the one home of volunteer time) and the hours of
  lien social delivered by home-care services: two figures, never added together.
- within contact target: among the people followed at the period's end (active or paused
  then and now), those whose last contact before the end is within their target
  (missions.deadline.within_target).
- alerts raised during the period by kind, and the time from raising to the first human action
  (acknowledgement, or the first event a person wrote).
- continuity: among people with done visits in the period, those all visited by one volunteer;
  and among the months a person was visited whose previous month they were visited too, those
  in which someone who came the month before came again.
- volunteers active: with a done visit in the period; retained: active also in the period of the
  same length just before.
- scores: for each scale, people with two assessments or more taken by the period's end: mean of
  their first and of their last score.

A constant number of queries, whatever the number of people: each figure is one aggregate
(or one narrow values() read whose rows are counted in Python).
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum

from missions import deadline
from missions.assessments import scale_facts
from missions.models import (
    Assessment,
    Association,
    Beneficiary,
    Contact,
    IsolationAlert,
    LienSocialSession,
    Membership,
    Partner,
    Referral,
    Visit,
)
from missions.scoping import is_staff_of

from .hours import counted_reports, hours_from_minutes, period_bounds
from .schedule import add_months

# The scales whose before/after the report shows (the direct question is a screening aid).
REPORT_SCALES = ("ucla3", "lsns6", "djg6")
# Who is still followed today (so was followed at a past period's end if first followed before it).
STILL_FOLLOWED = (Beneficiary.Status.ACTIVE, Beneficiary.Status.PAUSED)
PUBLIC_SOURCE = Partner.Kind.PUBLIC.value


def last_full_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The default period: the last whole calendar month before `today`."""
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


def previous_period(start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of the same number of days just before [start, end]."""
    days = (end - start).days + 1
    return start - datetime.timedelta(days=days), start - datetime.timedelta(days=1)


@dataclass(frozen=True)
class Share:
    count: int
    total: int

    @property
    def percent(self) -> float | None:
        return None if not self.total else round(100 * self.count / self.total, 1)


@dataclass(frozen=True)
class AlertKindFigures:
    kind: str
    raised: int
    acted_on: int
    median_hours: float | None  # to the first human action, over the alerts acted on
    max_hours: float | None


@dataclass(frozen=True)
class ScaleBeforeAfter:
    scale: str
    label: str
    people: int
    mean_first: float | None
    mean_last: float | None
    higher_is_worse: bool


@dataclass(frozen=True)
class ActivityReport:
    start: datetime.date
    end: datetime.date
    association_ids: list[int]
    people_followed: int
    people_new: int
    referrals_new: int
    referrals_by_source: dict[str, int]
    referrals_by_status: dict[str, int]
    referrals_by_outcome: dict[str, int]
    visits_by_status: dict[str, int]
    contacts_by_kind: dict[str, int]
    volunteer_visits_counted: int
    volunteer_minutes: int
    lien_social_sessions: int
    lien_social_minutes: int
    within_target: Share
    alerts: list[AlertKindFigures]
    one_visitor: Share
    visitor_kept_months: Share
    volunteers_active: int
    volunteers_retained: int
    volunteers_active_before: int
    scores: list[ScaleBeforeAfter] = field(default_factory=list)

    @property
    def volunteer_hours(self) -> float:
        return hours_from_minutes(self.volunteer_minutes)

    @property
    def lien_social_hours(self) -> float:
        return hours_from_minutes(self.lien_social_minutes)

    @property
    def visits_total(self) -> int:
        return sum(self.visits_by_status.values())

    @property
    def contacts_total(self) -> int:
        return sum(self.contacts_by_kind.values())

    @property
    def alerts_raised(self) -> int:
        return sum(row.raised for row in self.alerts)

    def as_dict(self) -> dict:
        """Plain data (the API's answer, and what the exports are made from)."""
        data = asdict(self)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        data["volunteer_hours"] = self.volunteer_hours
        data["lien_social_hours"] = self.lien_social_hours
        for name in ("within_target", "one_visitor", "visitor_kept_months"):
            data[name]["percent"] = getattr(self, name).percent
        return data


def _counts(rows, key: str) -> dict[str, int]:
    return {row[key]: row["n"] for row in rows}


def _hours_between(later: datetime.datetime, earlier: datetime.datetime) -> float:
    return round((later - earlier).total_seconds() / 3600, 1)


def _month_key(moment: datetime.datetime, zone: ZoneInfo) -> tuple[int, int]:
    local = moment.astimezone(zone)
    return local.year, local.month


def _previous_month(key: tuple[int, int]) -> tuple[int, int]:
    year, month = key
    return (year - 1, 12) if month == 1 else (year, month - 1)


def activity_report(*, association_ids: list[int], start: datetime.date, end: datetime.date) -> ActivityReport:
    """The figures of [start, end] (whole days) over the associations `association_ids`.

    The caller decides who may ask for which associations (a staff view: its own; a platform
    admin: a territory's). Eleven queries, whatever the number of people or visits."""
    since, until = period_bounds(start, end)
    zone = ZoneInfo(settings.TIME_ZONE)
    people = Beneficiary.objects.filter(association_id__in=association_ids)

    # People followed, new people, and who is within their target at the end: one query.
    in_period = Q(contacts__occurred_at__gte=since, contacts__occurred_at__lt=until)
    followed_rows = list(
        people.filter(followed_since__lt=until)
        .annotate(
            contacts_in_period=Count("contacts", filter=in_period),
            last_before_end=Max("contacts__occurred_at", filter=Q(contacts__occurred_at__lt=until)),
        )
        .filter(Q(status__in=STILL_FOLLOWED) | Q(contacts_in_period__gt=0))
        .values("status", "followed_since", "contact_target_days", "last_before_end")
    )
    people_new = sum(1 for row in followed_rows if row["followed_since"] >= since)
    at_end = [row for row in followed_rows if row["status"] in STILL_FOLLOWED]
    within = sum(
        1
        for row in at_end
        if deadline.within_target(
            since=row["last_before_end"] or row["followed_since"], target_days=row["contact_target_days"], at=until
        )
    )

    # Referrals received during the period: one grouped query.
    referral_rows = list(
        Referral.objects.filter(association_id__in=association_ids, received_at__gte=since, received_at__lt=until)
        .values("partner__kind", "status", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_source, by_status, by_outcome = Counter(), Counter(), Counter()
    for row in referral_rows:
        by_source[row["partner__kind"] or PUBLIC_SOURCE] += row["n"]
        by_status[row["status"]] += row["n"]
        if row["outcome"]:
            by_outcome[row["outcome"]] += row["n"]

    # Visits and contacts.
    visits = Visit.objects.filter(match__mission__association_id__in=association_ids)
    visits_by_status = _counts(
        visits.filter(starts_at__gte=since, starts_at__lt=until).values("status").annotate(n=Count("pk")).order_by(),
        "status",
    )
    contacts_by_kind = _counts(
        Contact.objects.filter(
            beneficiary__association_id__in=association_ids, occurred_at__gte=since, occurred_at__lt=until
        )
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by(),
        "kind",
    )

    # Volunteer time (the one rule of missions.outcomes.hours) and lien-social time, apart.
    volunteer = counted_reports(association_ids=association_ids).aggregate(
        n=Count("pk", filter=Q(visit__starts_at__gte=since, visit__starts_at__lt=until)),
        minutes=Sum("duration_minutes", filter=Q(visit__starts_at__gte=since, visit__starts_at__lt=until)),
    )
    lien_social = LienSocialSession.objects.filter(
        plan__beneficiary__association_id__in=association_ids, starts_at__gte=since, starts_at__lt=until
    ).aggregate(n=Count("pk"), minutes=Sum("duration_minutes"))

    # Alerts raised during the period, with their first human action: one query.
    alert_rows = (
        IsolationAlert.objects.filter(association_id__in=association_ids, raised_at__gte=since, raised_at__lt=until)
        .annotate(first_event=Min("events__at", filter=Q(events__author__isnull=False)))
        .values("kind", "raised_at", "acknowledged_at", "first_event")
        .order_by()
    )
    delays: dict[str, list[float]] = defaultdict(list)
    raised: Counter = Counter()
    for row in alert_rows:
        raised[row["kind"]] += 1
        actions = [moment for moment in (row["acknowledged_at"], row["first_event"]) if moment is not None]
        if actions:
            delays[row["kind"]].append(_hours_between(min(actions), row["raised_at"]))
    alerts = [
        AlertKindFigures(
            kind=kind,
            raised=raised[kind],
            acted_on=len(delays[kind]),
            median_hours=round(statistics.median(delays[kind]), 1) if delays[kind] else None,
            max_hours=max(delays[kind]) if delays[kind] else None,
        )
        for kind in IsolationAlert.Kind.values
        if raised[kind]
    ]

    # Continuity: done visits from the month before the period's first month to its end.
    reach_back = datetime.datetime.combine(add_months(start.replace(day=1), -1), datetime.time(), tzinfo=zone)
    done_rows = (
        visits.filter(status=Visit.Status.DONE, starts_at__gte=min(reach_back, since), starts_at__lt=until)
        .values_list("match__mission__beneficiary_id", "match__volunteer_id", "starts_at")
        .order_by()
    )
    visitors: dict[int, set[int]] = defaultdict(set)  # in the period
    monthly: dict[tuple[int, tuple[int, int]], set[int]] = defaultdict(set)
    period_months: set[tuple[int, tuple[int, int]]] = set()
    for person, volunteer_id, starts_at in done_rows:
        if person is None:
            continue  # a group event's visit follows nobody in particular
        key = (person, _month_key(starts_at, zone))
        monthly[key].add(volunteer_id)
        if starts_at >= since:
            visitors[person].add(volunteer_id)
            period_months.add(key)
    with_previous = [key for key in period_months if (key[0], _previous_month(key[1])) in monthly]
    kept = sum(1 for key in with_previous if monthly[key] & monthly[(key[0], _previous_month(key[1]))])

    # Volunteers active now and in the period just before: one query.
    before_since, _before_until = period_bounds(*previous_period(start, end))
    active = visits.filter(status=Visit.Status.DONE).aggregate(
        now=Count("match__volunteer", distinct=True, filter=Q(starts_at__gte=since, starts_at__lt=until)),
        before=Count("match__volunteer", distinct=True, filter=Q(starts_at__gte=before_since, starts_at__lt=since)),
    )
    retained = (
        visits.filter(status=Visit.Status.DONE, starts_at__gte=since, starts_at__lt=until)
        .filter(
            match__volunteer__in=visits.filter(
                status=Visit.Status.DONE, starts_at__gte=before_since, starts_at__lt=since
            ).values("match__volunteer")
        )
        .values("match__volunteer")
        .distinct()
        .count()
    )

    # Scores before and after: every assessment of the report's scales taken by the end.
    series: dict[tuple[int, str], list[int]] = defaultdict(list)
    for person, scale, score in (
        Assessment.objects.filter(
            beneficiary__association_id__in=association_ids, scale__in=REPORT_SCALES, taken_on__lte=end
        )
        .order_by("beneficiary_id", "scale", "taken_on", "pk")
        .values_list("beneficiary_id", "scale", "score")
    ):
        series[(person, scale)].append(score)
    scores = []
    for scale in REPORT_SCALES:
        pairs = [(s[0], s[-1]) for (person, name), s in series.items() if name == scale and len(s) >= 2]
        facts = scale_facts(scale)
        scores.append(
            ScaleBeforeAfter(
                scale=scale,
                label=facts.short_name,
                people=len(pairs),
                mean_first=round(statistics.fmean(p[0] for p in pairs), 1) if pairs else None,
                mean_last=round(statistics.fmean(p[1] for p in pairs), 1) if pairs else None,
                higher_is_worse=facts.higher_is_worse,
            )
        )

    return ActivityReport(
        start=start,
        end=end,
        association_ids=sorted(association_ids),
        people_followed=len(followed_rows),
        people_new=people_new,
        referrals_new=sum(by_status.values()),
        referrals_by_source=dict(by_source),
        referrals_by_status=dict(by_status),
        referrals_by_outcome=dict(by_outcome),
        visits_by_status=visits_by_status,
        contacts_by_kind=contacts_by_kind,
        volunteer_visits_counted=volunteer["n"] or 0,
        volunteer_minutes=volunteer["minutes"] or 0,
        lien_social_sessions=lien_social["n"] or 0,
        lien_social_minutes=lien_social["minutes"] or 0,
        within_target=Share(within, len(at_end)),
        alerts=alerts,
        one_visitor=Share(sum(1 for ids in visitors.values() if len(ids) == 1), len(visitors)),
        visitor_kept_months=Share(kept, len(with_previous)),
        volunteers_active=active["now"],
        volunteers_retained=retained,
        volunteers_active_before=active["before"],
        scores=scores,
    )


def report_reader(user, association: Association) -> bool:
    """Who reads an association's report: its managers and coordinators, and platform admins.
    A home-care service's staff (their figures are the monthly statements) and anyone else
    may not; the page, the exports and the API answer them 404."""
    if association.kind != Association.Kind.ASSOCIATION:
        return False
    return user.is_staff or any(
        is_staff_of(user, association.pk, role=role) for role in (Membership.Role.MANAGER, Membership.Role.COORDINATOR)
    )


def territories() -> list[str]:
    """The territories associations named when they joined (Association.territory), for the
    platform admins' choice; home-care services are left out (they follow no one by volunteers)."""
    return list(
        Association.objects.filter(kind=Association.Kind.ASSOCIATION)
        .exclude(territory="")
        .values_list("territory", flat=True)
        .distinct()
        .order_by("territory")
    )


def territory_association_ids(territory: str) -> list[int]:
    """The associations of a territory (validated or not: their figures are their own)."""
    return list(
        Association.objects.filter(kind=Association.Kind.ASSOCIATION, territory=territory)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
