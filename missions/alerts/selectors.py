"""Reads on isolation alerts: the review queue, one alert's file, and the numbers.

Every staff-facing read goes through missions.scoping, so other associations' alerts do not
exist for the reader. Each function runs a fixed number of queries whatever the data size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, DateTimeField, DurationField, ExpressionWrapper, F, Q, QuerySet, Value
from django.utils import timezone

from liens.accounts.policy import staff_memberships
from liens.lib.compiled import Reading, compiled
from liens.lib.pages import CompiledRows, counted
from liens.models import User

from .. import deadline
from ..models import (
    AlertEvent,
    Beneficiary,
    Contact,
    IsolationAlert,
    KeyContact,
    ReferralService,
    VisitReport,
)
from ..models.beneficiaries import SILENT_SINCE
from ..scoping import association_ids_for, get_scoped_or_404, scoped, scoped_to

Severity = IsolationAlert.Severity

STATE_OPEN = "open"  # not acknowledged yet
STATE_ACKNOWLEDGED = "acknowledged"  # someone is on it, not resolved
STATE_RESOLVED = "resolved"
ASSIGNEE_ME = "me"
ASSIGNEE_NONE = "none"


def alert_queue(
    *, user, kind: str = "", severity: int | None = None, state: str = "", assignee: str = ""
) -> QuerySet[IsolationAlert]:
    """Alerts the user may review, most severe and oldest first. Without `state`, every
    unresolved alert; `assignee` is "me", "none" or a user id."""
    alerts = _queue(scoped(IsolationAlert.objects.all(), user), kind=kind, state=state)
    if severity:
        alerts = alerts.filter(severity=severity)
    if assignee == ASSIGNEE_ME:
        alerts = alerts.filter(assigned_to=user)
    elif assignee == ASSIGNEE_NONE:
        alerts = alerts.filter(assigned_to__isnull=True)
    elif assignee:
        alerts = alerts.filter(assigned_to_id=assignee)
    return _in_queue_order(alerts)


def _queue(alerts: QuerySet, *, kind: str, state: str) -> QuerySet:
    if state == STATE_RESOLVED:
        alerts = alerts.filter(resolved_at__isnull=False)
    else:
        alerts = alerts.filter(resolved_at__isnull=True)
        if state == STATE_OPEN:
            alerts = alerts.filter(acknowledged_at__isnull=True)
        elif state == STATE_ACKNOWLEDGED:
            alerts = alerts.filter(acknowledged_at__isnull=False)
    if kind:
        alerts = alerts.filter(kind=kind)
    return alerts


def _in_queue_order(alerts: QuerySet) -> QuerySet:
    # Unresolved alerts walk the partial index alert_open_queue (association, -severity, raised_at).
    return alerts.select_related("beneficiary", "association", "assigned_to").order_by("-severity", "raised_at", "pk")


# What a card of the queue shows (_alert_card.html): the alert's severity, kind and state, the
# person's name and last contact, the association's name and who it is assigned to; the cards
# read these columns only, not the three joined tables' every column.
ALERT_CARD_FIELDS = (
    "severity",
    "kind",
    "raised_at",
    "acknowledged_at",
    "resolved_at",
    "association__name",
    "beneficiary__first_name",
    "beneficiary__last_name",
    "beneficiary__last_contact_at",
    "assigned_to__first_name",
    "assigned_to__last_name",
    "assigned_to__email",
)


def alert_queue_rows(*, user, kind: str = "", severity: int | None = None, state: str = "", assignee: str = ""):
    """alert_queue's cards (their columns only) for liens.lib.pages.list_page: read by a query
    compiled once per state and kind filter for association staff, as they open the queue at
    every visit; through the ORM for a severity or an assignee asked, and for platform admins."""
    ids = association_ids_for(user)
    if ids is None or severity or assignee:
        alerts = alert_queue(user=user, kind=kind, severity=severity, state=state, assignee=assignee)
        return alerts.only(*ALERT_CARD_FIELDS)
    return CompiledRows(_queue_rows, state, kind, ids=ids)


@compiled(ids=list)
def _queue_rows(state: str, kind: str, start: int | None, stop: int | None, *, ids: list[int]):
    alerts = _queue(scoped_to(IsolationAlert.objects.all(), ids), kind=kind, state=state)
    return counted(_in_queue_order(alerts).only(*ALERT_CARD_FIELDS))[start:stop]


def alert_get(*, user, alert_id: int) -> IsolationAlert:
    """One alert inside the user's scope, or Http404."""
    return get_scoped_or_404(
        IsolationAlert.objects.select_related(
            "beneficiary", "association", "assigned_to", "acknowledged_by", "resolved_by", "report__submitted_by"
        ),
        user,
        pk=alert_id,
    )


def alert_assignees(*, association_id: int) -> list[User]:
    """Who an alert of this association may be given to: its staff."""
    return list(
        User.objects.filter(memberships__association_id=association_id, is_active=True)
        .order_by("first_name", "last_name", "email")
        .distinct()
    )


def staff_colleagues(*, user) -> list[User]:
    """Staff of the user's associations, for the queue's assignee filter (none for admins)."""
    # The user's own memberships are already read for this request (the menu, the scope).
    ids = sorted({association_id for association_id, _role in staff_memberships(user)})
    return _colleagues(ids=ids)


@compiled(ids=list)
def _colleagues(*, ids: list[int]):
    """The queue asks this at every visit: compiled once (liens.lib.compiled)."""
    return (
        User.objects.filter(memberships__association_id__in=ids, is_active=True)
        .only("first_name", "last_name", "email")  # what the filter's choices show
        .order_by("first_name", "last_name", "email")
        .distinct()
    )


@dataclass
class AlertFile:
    """Everything the alert page shows next to the alert itself."""

    events: list[AlertEvent]
    contacts: list[Contact]
    reports: list[VisitReport]
    key_contacts: list[KeyContact]
    assignees: list[User]


def alert_raised_line(alert: IsolationAlert, events: list[AlertEvent]) -> AlertEvent:
    """The timeline's first line, made from the alert row (not stored: see AlertEvent).

    The severity at raise is the first rise's starting point, or the severity now; an urgent
    concern names the report and its author, who raised it."""
    rises = [event for event in events if event.kind == AlertEvent.Kind.SEVERITY]
    data: dict = {"severity": rises[0].data.get("from") if rises else alert.severity}
    author = None
    if alert.report is not None:
        data |= {"report": alert.report_id, "concerns": alert.report.urgent_concerns}
        author = alert.report.submitted_by
    return AlertEvent(alert=alert, kind=AlertEvent.Kind.RAISED, at=alert.raised_at, author=author, data=data)


def alert_file(*, alert: IsolationAlert, contacts: int = 20, reports: int = 5) -> AlertFile:
    """The alert's timeline, the person's contact timeline, last reports, key contacts and the
    staff it may be assigned to. Five queries."""

    beneficiary = alert.beneficiary
    stored = list(alert.events.select_related("author").order_by("at", "pk"))
    events = [alert_raised_line(alert, stored), *stored]
    for event in events:
        event.service_label = dict(ReferralService.choices).get(event.data.get("service"), "")
    last_reports = list(
        VisitReport.objects.filter(visit__match__mission__beneficiary=beneficiary)
        .select_related("visit", "submitted_by")
        .order_by("-submitted_at")[:reports]
    )
    for report in [*last_reports, *([alert.report] if alert.report else [])]:
        report.concern_labels = concern_labels(report.concerns)
    return AlertFile(
        events=events,
        contacts=list(
            Contact.objects.filter(beneficiary=beneficiary)
            .select_related("recorded_by", "volunteer__user")
            .order_by("-occurred_at")[:contacts]
        ),
        reports=last_reports,
        key_contacts=list(beneficiary.key_contacts.order_by("kind", "name")),
        assignees=alert_assignees(association_id=alert.association_id),
    )


def concern_labels(codes: list[str]) -> list[str]:
    """The concerns of a report in words, in the active language."""
    labels = dict(VisitReport.Concern.choices)
    return [str(labels.get(code, code)) for code in codes]


# --- Numbers --------------------------------------------------------------------------------------

WEEKS = 12


def alert_counts(*, association_ids: list[int] | None) -> dict:
    """Unresolved alerts by severity name, plus "total" (None means every association)."""
    return alert_counts_reading(association_ids=association_ids)()


def alert_counts_reading(*, association_ids: list[int] | None) -> Reading:
    """alert_counts, to read with a page's other queries (liens.lib.compiled.together)."""
    every = association_ids is None
    return _open_by_severity.later(every, ids=[] if every else sorted(set(association_ids))).then(_by_severity)


def _by_severity(rows: list[dict]) -> dict:
    counts = {severity.name.lower(): 0 for severity in Severity}
    for row in rows:
        counts[Severity(row["severity"]).name.lower()] = row["n"]
    counts["total"] = sum(counts.values())
    return counts


@compiled(ids=list)
def _open_by_severity(every: bool, *, ids: list[int]):
    """Asked by the association home and the alert pages at every visit: compiled once."""
    alerts = IsolationAlert.objects.filter(resolved_at__isnull=True)
    if not every:
        alerts = alerts.filter(association_id__in=ids)
    return alerts.values("severity").annotate(n=Count("pk")).order_by()


@dataclass
class WeekShare:
    ends_at: datetime.datetime
    within: int
    total: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.within / self.total) if self.total else None


@dataclass
class AlertNumbers:
    """Open alerts, silence and regularity for some associations (or all)."""

    counts: dict
    active: int
    within_target: int
    median_days: float | None
    weeks: list[WeekShare] = field(default_factory=list)

    @property
    def within_target_percent(self) -> int | None:
        return round(100 * self.within_target / self.active) if self.active else None

    @property
    def bars(self) -> list[dict]:
        """The 12-week chart as SVG rectangles in a 240 x 100 box (bars up to 80 high)."""
        bars = []
        for index, week in enumerate(self.weeks):
            percent = week.percent or 0
            height = round(80 * percent / 100, 1)
            bars.append(
                {
                    "x": index * 20 + 2,
                    "y": round(90 - height, 1),
                    "height": height,
                    "percent": week.percent,
                    "ends_on": timezone.localdate(week.ends_at),
                }
            )
        return bars


def _scope(queryset: QuerySet, association_ids: list[int] | None, via: str) -> QuerySet:
    return queryset if association_ids is None else queryset.filter(**{f"{via}__in": association_ids})


def _reach(stamp: str, *, prefix: str = ""):
    """The moment a contact at `stamp` stops counting: `stamp` plus the person's own target in
    days. The database adds it row by row, so one condition serves every target (a condition
    per target and per week made the query long to build and to plan)."""
    days = F(f"{prefix}contact_target_days")
    if connection.vendor == "sqlite":
        # SQLite keeps a duration as its microseconds and cannot multiply a number by an
        # interval; Django adds such a duration to a stamp itself (the embedded default).
        span = ExpressionWrapper(days * Value(86_400_000_000), output_field=DurationField())
    else:
        span = days * datetime.timedelta(days=1)
    return ExpressionWrapper(F(stamp) + span, output_field=DateTimeField())


def alert_numbers(
    *, association_ids: list[int] | None, now: datetime.datetime | None = None, engine: str | None = None
) -> AlertNumbers:
    """Open alerts by severity, median days since last contact, share of active beneficiaries
    contacted within their target, and that share at the end of each of the last 12 weeks,
    counted from the contact ledger.

    `engine` is "sql" (PostgreSQL only, the default there: one statement, the week ends joined as
    rows) or "orm" (any database: at most three more queries, each one aggregate); tested to agree."""
    now = now or timezone.now()
    engine = engine or ("sql" if connection.vendor == "postgresql" else "orm")
    counts = alert_counts(association_ids=association_ids)
    # Week ends are worked out here, for both engines: the same instants whatever the time zone.
    week_ends = [now - datetime.timedelta(weeks=k) for k in range(WEEKS - 1, -1, -1)]
    figures = (_figures_sql if engine == "sql" else _figures_orm)(association_ids, now=now, week_ends=week_ends)
    if not figures.active:
        return AlertNumbers(counts=counts, active=0, within_target=0, median_days=None)
    days = [(now - since).total_seconds() / 86400 for since in figures.middle]
    return AlertNumbers(
        counts=counts,
        active=figures.active,
        within_target=figures.within,
        median_days=round(sum(days) / len(days), 1),
        weeks=[
            WeekShare(ends_at=end, within=within, total=total)
            for end, within, total in zip(week_ends, figures.covered, figures.alive, strict=True)
        ],
    )


@dataclass
class _Figures:
    """What alert_numbers reads from the database, whichever engine read it."""

    active: int  # active beneficiaries
    within: int  # of them, last contact within their target now
    alive: list[int]  # active beneficiaries already created at each week end
    covered: list[int]  # of them, with a ledger contact within their target at each week end
    middle: list[datetime.datetime]  # the middle one or two of the silences' starts, in order


def _figures_orm(association_ids: list[int] | None, *, now: datetime.datetime, week_ends: list) -> _Figures:
    active = _scope(Beneficiary.objects.filter(status=Beneficiary.Status.ACTIVE), association_ids, "association_id")
    # Within target at `at`: the last contact is at or before `at`, and `at` before its reach.
    people = active.alias(reach=_reach("last_contact_at")).aggregate(
        active=Count("pk"),
        within=Count("pk", filter=Q(last_contact_at__lte=now, reach__gt=now)),
        **{f"alive{k}": Count("pk", filter=Q(created_at__lte=end)) for k, end in enumerate(week_ends)},
    )
    if not people["active"]:
        return _Figures(active=0, within=0, alive=[], covered=[], middle=[])
    # The weekly series comes from the ledger itself: a person is within target at a week's end
    # when one of their contacts falls in the target window before it.
    ledger = Contact.objects.filter(beneficiary__in=active, occurred_at__lte=now).alias(
        reach=_reach("occurred_at", prefix="beneficiary__")
    )
    covered = ledger.filter(reach__gt=week_ends[0]).aggregate(
        **{
            f"week{k}": Count("beneficiary", distinct=True, filter=Q(occurred_at__lte=end, reach__gt=end))
            for k, end in enumerate(week_ends)
        }
    )
    return _Figures(
        active=people["active"],
        within=people["within"],
        alive=[people[f"alive{k}"] for k in range(len(week_ends))],
        covered=[covered[f"week{k}"] or 0 for k in range(len(week_ends))],
        middle=_middle_silences(active, total=people["active"]),
    )


def _middle_silences(active: QuerySet, *, total: int) -> list[datetime.datetime]:
    """The middle row(s) of the ordered silences' starts (first followed for the never
    contacted): one query, no database-specific percentile function."""
    low = (total - 1) // 2
    high = total // 2
    return list(active.annotate(since=SILENT_SINCE).order_by("since").values_list("since", flat=True)[low : high + 1])


# The ORM engine's figures as one PostgreSQL statement: building the ORM's 26 filtered counts
# took most of the dashboard's time, where this text is built once and prepared by the server.
# Each row is (what, k, first, second): "people" (active, within), "week" k (alive, covered) for
# the k-th week end, "middle" k (its rank, the silence's start). The rules are the ORM engine's
# (_reach: a contact counts until `stamp + target days`, the same interval arithmetic here); the
# week ends come in as one array parameter, so both engines use the very same instants.
_NUMBERS_SQL = """
WITH people AS MATERIALIZED (
    SELECT id, created_at, last_contact_at, contact_target_days,
           COALESCE(last_contact_at, followed_since) AS since
      FROM {beneficiary}
     WHERE status = %(active)s {scope}
),
ends AS (SELECT e.at, e.k - 1 AS k FROM unnest(%(ends)s::timestamptz[]) WITH ORDINALITY AS e(at, k)),
alive AS (
    SELECT e.k, count(p.id) AS n FROM ends e LEFT JOIN people p ON p.created_at <= e.at GROUP BY e.k
),
covered AS (
    SELECT e.k, count(DISTINCT c.beneficiary_id) AS n
      FROM {contact} c
      JOIN people p ON p.id = c.beneficiary_id
      JOIN ends e ON c.occurred_at <= e.at AND c.occurred_at + p.contact_target_days * INTERVAL '1 day' > e.at
     WHERE c.occurred_at <= %(now)s
       AND c.occurred_at + p.contact_target_days * INTERVAL '1 day' > %(first)s
       -- Implied by the line above and the range of targets (a check constraint), a day to spare:
       -- the person's timeline index then reads only the last weeks of the ledger.
       AND c.occurred_at > %(oldest)s
     GROUP BY e.k
),
silent AS (
    SELECT since, row_number() OVER (ORDER BY since) - 1 AS n, count(*) OVER () AS total FROM people
)
SELECT 'people', 0, count(*),
       count(*) FILTER (WHERE last_contact_at <= %(now)s
                          AND last_contact_at + contact_target_days * INTERVAL '1 day' > %(now)s),
       NULL::timestamptz
  FROM people
UNION ALL
SELECT 'week', a.k, a.n, COALESCE(c.n, 0), NULL FROM alive a LEFT JOIN covered c ON c.k = a.k
UNION ALL
SELECT 'middle', n, NULL, NULL, since FROM silent WHERE n IN ((total - 1) / 2, total / 2)
"""


def _figures_sql(association_ids: list[int] | None, *, now: datetime.datetime, week_ends: list) -> _Figures:
    sql = _NUMBERS_SQL.format(
        beneficiary=Beneficiary._meta.db_table,
        contact=Contact._meta.db_table,
        scope="" if association_ids is None else "AND association_id = ANY(%(ids)s::bigint[])",
    )
    params = {
        "active": Beneficiary.Status.ACTIVE.value,
        "now": now,
        "ends": week_ends,
        "first": week_ends[0],
        "oldest": week_ends[0] - datetime.timedelta(days=deadline.TARGET_DAYS_MAX + 1),
        "ids": None if association_ids is None else list(association_ids),
    }
    figures = _Figures(active=0, within=0, alive=[0] * len(week_ends), covered=[0] * len(week_ends), middle=[])
    middle = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for what, k, first, second, since in cursor.fetchall():
            if what == "people":
                figures.active, figures.within = first, second
            elif what == "week":
                figures.alive[k], figures.covered[k] = first, second
            else:
                middle.append((k, since))
    figures.middle = [since for _, since in sorted(middle)]
    return figures
