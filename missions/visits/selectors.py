"""Reads about visits: what still deserves a reminder, what needs a coordinator's attention, and
what a message about one visit names."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet

from liens.models import User
from missions.models import IsolationAlert, Match, Mission, Visit

LIST_LIMIT = 20
# What every step on one visit reads: its mission, association, beneficiary and volunteer.
VISIT_RELATED = ("match__mission__association", "match__mission__beneficiary", "match__volunteer__user")


def visits_still_scheduled(rows) -> set[int]:
    """Outbox guard "visit_scheduled": ids of the rows whose visit is still scheduled and whose
    match is not paused (one query). A reminder planned before a pause is thus never sent."""
    visit_ids = {(row.payload or {}).get("visit_id") for row in rows}
    scheduled = set(
        Visit.objects.filter(pk__in=visit_ids, status=Visit.Status.SCHEDULED)
        .exclude(match__status__in=Match.SUSPENDED)
        .values_list("pk", flat=True)
    )
    return {row.pk for row in rows if (row.payload or {}).get("visit_id") in scheduled}


def _visits(association_ids: list[int] | None) -> QuerySet:
    visits = Visit.objects.select_related(
        "match__volunteer__user", "match__mission__beneficiary", "match__mission__association"
    )
    if association_ids is not None:
        visits = visits.filter(match__mission__association_id__in=association_ids)
    return visits


@dataclass
class Attention:
    """What needs a coordinator's attention, in one association or several."""

    awaiting_report: list = field(default_factory=list)
    awaiting_report_count: int = 0
    unconfirmed: list = field(default_factory=list)
    cancelled: list = field(default_factory=list)
    open_alerts: int = 0
    unfilled_missions: list = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.awaiting_report_count
            or self.unconfirmed
            or self.cancelled
            or self.open_alerts
            or self.unfilled_missions
        )


def attention_for(*, association_ids: list[int] | None, now: datetime.datetime, since: datetime.datetime) -> Attention:
    """Visits without report, visits gone unconfirmed or cancelled since `since`, open alerts, unfilled missions.

    A constant number of queries (six), whatever the number of rows; None means every association.
    """
    reported_late = now - datetime.timedelta(hours=settings.LIENS_REPORT_NUDGE_AFTER_HOURS)
    # Served by the partial index visit_awaiting_report (status = 'scheduled', on ends_at).
    awaiting = _visits(association_ids).filter(status=Visit.Status.SCHEDULED, ends_at__lt=reported_late)
    unconfirmed = _visits(association_ids).filter(status=Visit.Status.UNCONFIRMED, updated_at__gte=since)
    # Cancelled by a person (not by a schedule change), for a visit still ahead: a substitute may be needed.
    cancelled = _visits(association_ids).filter(
        status=Visit.Status.CANCELLED, updated_at__gte=since, starts_at__gte=now, cancelled_by__isnull=False
    )
    alerts = IsolationAlert.objects.filter(resolved_at__isnull=True)
    missions = Mission.objects.filter(
        status=Mission.Status.OPEN, created_at__lte=now - datetime.timedelta(days=settings.LIENS_UNFILLED_AFTER_DAYS)
    )
    if association_ids is not None:
        alerts = alerts.filter(association_id__in=association_ids)
        missions = missions.filter(association_id__in=association_ids)
    missions = (
        missions.annotate(live=Count("matches", filter=Q(matches__status__in=Match.LIVE)))
        .filter(live__lt=F("volunteers_needed"))
        .select_related("beneficiary")
        .order_by("created_at")
    )
    return Attention(
        awaiting_report=list(awaiting.order_by("ends_at")[:LIST_LIMIT]),
        awaiting_report_count=awaiting.count(),
        unconfirmed=list(unconfirmed.order_by("-starts_at")[:LIST_LIMIT]),
        cancelled=list(cancelled.order_by("starts_at")[:LIST_LIMIT]),
        open_alerts=alerts.count(),
        unfilled_missions=list(missions[:LIST_LIMIT]),
    )


def visit_context(visit: Visit, recipient: User) -> dict:
    """What every message and page about one visit names (the visit loaded with VISIT_RELATED)."""
    mission = visit.match.mission
    beneficiary = mission.beneficiary
    who = beneficiary.display_name if beneficiary else mission.title
    where = (beneficiary.neighbourhood or beneficiary.city) if beneficiary else mission.place
    return {
        "visit": visit,
        "mission": mission,
        "who": who,
        "where": where,
        "who_where": f"{who} ({where})" if where else who,
        "volunteer_name": visit.match.volunteer.user.get_full_name() or visit.match.volunteer.user.email,
        "starts_at": visit.starts_at,
        "ends_at": visit.ends_at,
        "association": mission.association,
    }
