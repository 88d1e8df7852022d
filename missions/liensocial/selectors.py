"""Reads on lien-social hours: what a home-care service may see (the one home of that rule),
its month figures, and the monthly statement for the département.

A home-care service's staff work across associations on purpose: the persons are the
associations', the plans name the service. So these selectors read with the tenant scope
disabled and filter by the service themselves, each query saying so; nothing here returns an
association's notes, assessments, volunteers or key contacts.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from liens.models import User
from liens.scopes import scopes_disabled

from ..models import ApaPlan, Association, Beneficiary, LienSocialSession, Membership
from . import months

# The only fields of a person a home-care service's pages load: what going there needs.
# Address, phone and access notes are then shown through missions.disclosure (and logged).
SERVICE_PERSON_FIELDS = ("beneficiary__id", "beneficiary__first_name", "beneficiary__last_name")

SERVICE_SCOPE = "a home-care service's own plans, filtered by service in the same query"


def services_of(user) -> QuerySet:
    """The home-care services `user` works for (as manager or professional)."""
    with scopes_disabled("the user's own memberships"):
        return Association.objects.filter(
            kind=Association.Kind.HOME_CARE, memberships__user_id=getattr(user, "pk", None)
        ).distinct()


def service_membership(user, service_id: int | None = None) -> Membership:
    """The user's membership of a home-care service (the one asked, else their first), or 404."""
    with scopes_disabled("the user's own memberships"):
        memberships = Membership.objects.filter(
            user_id=getattr(user, "pk", None), association__kind=Association.Kind.HOME_CARE
        ).select_related("association")
        if service_id is not None:
            memberships = memberships.filter(association_id=service_id)
        membership = memberships.order_by("association_id").first()
    if membership is None:
        raise Http404
    return membership


def service_plans(*, service: Association) -> QuerySet:
    """Every plan the service delivers (the rule: a service sees the persons of its plans only)."""
    with scopes_disabled(SERVICE_SCOPE):
        return (
            ApaPlan.objects.filter(service=service)
            .select_related("beneficiary", "service")
            .only("id", "hours_per_month", "starts_on", "ends_on", "service", "beneficiary_id", *SERVICE_PERSON_FIELDS)
        )


def service_plan_or_404(*, service: Association, plan_id: int) -> ApaPlan:
    """One plan of the service's, or 404 (another service's plan, or an association's person)."""
    try:
        with scopes_disabled(SERVICE_SCOPE):
            return service_plans(service=service).get(pk=plan_id)
    except ApaPlan.DoesNotExist as exc:
        raise Http404 from exc


def plans_in_force(*, service: Association, day: datetime.date) -> list[ApaPlan]:
    with scopes_disabled(SERVICE_SCOPE):
        return list(service_plans(service=service).filter(ApaPlan.in_force_on(day)).order_by("beneficiary__first_name"))


def service_month(*, service: Association, year: int, month: int) -> list[months.PlanMonth]:
    """Planned and delivered minutes of each of the service's plans in force during the month.
    Two queries whatever the number of plans."""
    first, last = datetime.date(year, month, 1), months.month_last_day(year, month)
    start, end = months.month_bounds(year, month, tz=service.timezone)
    with scopes_disabled(SERVICE_SCOPE):
        plans = list(
            service_plans(service=service)
            .filter(starts_on__lte=last)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
            .order_by("beneficiary__last_name", "beneficiary__first_name", "pk")
        )
        return _plan_months(plans, year=year, month=month, start=start, end=end)


def person_month(*, beneficiary: Beneficiary, year: int, month: int, tz: str) -> list[months.PlanMonth]:
    """The person's lien-social month, for their association's page: each plan's planned and
    delivered hours (apart from volunteer time). Two queries."""
    plans = list(beneficiary.apa_plans.select_related("service").order_by("-starts_on"))
    start, end = months.month_bounds(year, month, tz=tz)
    return _plan_months(plans, year=year, month=month, start=start, end=end)


def _plan_months(plans: list, *, year: int, month: int, start, end) -> list[months.PlanMonth]:
    """Each plan's month: planned (months.planned_minutes) and delivered between `start` and
    `end`, the month's bounds in the right zone. One query for all the plans' sessions."""
    totals = {
        row["plan_id"]: row
        for row in LienSocialSession.objects.filter(plan__in=plans, starts_at__gte=start, starts_at__lt=end)
        .values("plan_id")
        .annotate(minutes=Sum("duration_minutes"), count=Count("pk"))
    }
    return [
        months.PlanMonth(
            plan=plan,
            year=year,
            month=month,
            planned_minutes=months.planned_minutes(plan, year, month),
            delivered_minutes=totals.get(plan.pk, {}).get("minutes") or 0,
            sessions=totals.get(plan.pk, {}).get("count") or 0,
        )
        for plan in plans
    ]


@dataclass
class StatementRow:
    """One person's line of a monthly statement."""

    person: str
    planned_minutes: int
    delivered_minutes: int
    activities: Counter = field(default_factory=Counter)
    dates: list[datetime.datetime] = field(default_factory=list)


@dataclass
class Statement:
    service: Association
    year: int
    month: int
    rows: list[StatementRow]

    @property
    def planned_minutes(self) -> int:
        return sum(row.planned_minutes for row in self.rows)

    @property
    def delivered_minutes(self) -> int:
        return sum(row.delivered_minutes for row in self.rows)


def statement(*, service: Association, year: int, month: int, plan: ApaPlan | None = None) -> Statement:
    """The month's statement for the département: per person, hours planned and delivered, the
    activities and the dates. The one source of the CSV, the PDF and the API. Three queries."""
    figures = service_month(service=service, year=year, month=month)
    if plan is not None:
        figures = [row for row in figures if row.plan.pk == plan.pk]
    start, end = months.month_bounds(year, month, tz=service.timezone)
    with scopes_disabled(SERVICE_SCOPE):
        sessions = defaultdict(list)
        for session in (
            LienSocialSession.objects.filter(
                plan__in=[row.plan for row in figures], starts_at__gte=start, starts_at__lt=end
            )
            .only("plan_id", "starts_at", "activity")
            .order_by("starts_at")
        ):
            sessions[session.plan_id].append(session)
    rows = []
    for row in figures:
        person = row.plan.beneficiary
        rows.append(
            StatementRow(
                person=f"{person.first_name} {person.last_name}",
                planned_minutes=row.planned_minutes,
                delivered_minutes=row.delivered_minutes,
                activities=Counter(s.activity for s in sessions[row.plan.pk]),
                dates=[s.starts_at for s in sessions[row.plan.pk]],
            )
        )
    return Statement(service=service, year=year, month=month, rows=rows)


def service_managers(*, service_id: int) -> list[User]:
    """The active managers of a home-care service, in a stable order: those told of its
    sessions' urgent concerns and of its months' shortfalls."""
    with scopes_disabled("the managers of a service, told about its own plans"):
        memberships = Membership.objects.filter(
            association_id=service_id, role=Membership.Role.MANAGER, user__is_active=True
        ).select_related("user")
        return [membership.user for membership in memberships.order_by("pk")]
