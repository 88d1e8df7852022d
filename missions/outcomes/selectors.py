"""Reads of outcomes: who needs a reassessment, and a person's scores over time."""

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone

from liens.lib.compiled import Reading, compiled
from missions.assessments import scale_facts
from missions.models import Assessment, Association, Beneficiary
from missions.visits.zones import association_zone

from . import schedule

# Who is followed, so who is reassessed: intake (a baseline is due) and active people. Paused
# people (hospital, holiday) and people no longer followed are left out.
FOLLOWED = (Beneficiary.Status.INTAKE, Beneficiary.Status.ACTIVE)


@dataclass(frozen=True)
class ReassessmentRow:
    beneficiary_id: int
    name: str
    status: str
    reassessment: schedule.Reassessment

    @property
    def status_label(self) -> str:
        return Beneficiary.Status(self.status).label


@dataclass
class ReassessmentBoard:
    """The association's people who need an assessment, in three groups, oldest need first."""

    today: datetime.date
    window_days: int = field(default_factory=schedule.window_days)
    overdue: list[ReassessmentRow] = field(default_factory=list)
    due: list[ReassessmentRow] = field(default_factory=list)
    no_baseline: list[ReassessmentRow] = field(default_factory=list)

    @property
    def due_count(self) -> int:
        """Reassessments due or overdue (people with a baseline)."""
        return len(self.overdue) + len(self.due)

    @property
    def total(self) -> int:
        return self.due_count + len(self.no_baseline)


def association_today(association: Association, now: datetime.datetime | None = None) -> datetime.date:
    """Today in the association's time zone (Europe/Paris unless it says otherwise)."""
    return (now or timezone.now()).astimezone(association_zone(association)).date()


def reassessment_board(*, association: Association, today: datetime.date | None = None) -> ReassessmentBoard:
    """Who needs an assessment in `association` on `today`: one query, whatever the number of people.

    The query reads one short row per followed person (ids, names, first and latest assessment
    dates, aggregated by the database); the schedule is applied in Python because month
    arithmetic at month ends differs between databases (schedule.add_months is the one rule).
    """
    return reassessment_board_reading(association=association, today=today)()


def reassessment_board_reading(*, association: Association, today: datetime.date | None = None) -> Reading:
    """reassessment_board, to read with a page's other queries (liens.lib.compiled.together)."""
    today = today or association_today(association)
    return _assessment_dates.later(association=association.pk).then(lambda people: _board(people, today))


def _board(people: list[dict], today: datetime.date) -> ReassessmentBoard:
    board = ReassessmentBoard(today=today)
    for person in people:
        state = schedule.reassessment_state(baseline=person["baseline"], last_taken=person["last_taken"], today=today)
        if not state.needs_doing:
            continue
        name = f"{person['first_name']} {person['last_name']}"
        row = ReassessmentRow(beneficiary_id=person["pk"], name=name, status=person["status"], reassessment=state)
        {schedule.OVERDUE: board.overdue, schedule.DUE: board.due, schedule.NO_BASELINE: board.no_baseline}[
            state.state
        ].append(row)
    board.overdue.sort(key=lambda r: r.reassessment.next_due)
    board.due.sort(key=lambda r: r.reassessment.next_due)
    return board


@compiled(association=int)
def _assessment_dates(*, association: int):
    """Each followed person's first and latest assessment days (the association home asks at
    every visit: compiled once, liens.lib.compiled)."""
    return (
        Beneficiary.objects.filter(association=association, status__in=FOLLOWED, erased_at__isnull=True)
        .annotate(baseline=Min("assessments__taken_on"), last_taken=Max("assessments__taken_on"))
        .values("pk", "first_name", "last_name", "status", "baseline", "last_taken")
        .order_by("last_name", "first_name", "pk")
    )


# --- a person's trend -------------------------------------------------------------------------


@dataclass(frozen=True)
class ScalePoint:
    taken_on: datetime.date
    score: int


@dataclass
class ScaleTrend:
    """A person's dated scores on one scale, oldest first, with what they mean."""

    scale: str
    label: str
    points: list[ScalePoint] = field(default_factory=list)

    @property
    def facts(self):
        return scale_facts(self.scale)

    @property
    def first(self) -> ScalePoint:
        return self.points[0]

    @property
    def last(self) -> ScalePoint:
        return self.points[-1]

    @property
    def change(self) -> int | None:
        """Last score minus first; None with a single score."""
        return self.last.score - self.first.score if len(self.points) > 1 else None

    @property
    def direction(self) -> str:
        """ "better", "worse" or "same" between the first and last score, in the scale's sense."""
        change = self.change or 0
        if change == 0:
            return "same"
        improved = change < 0 if self.facts.higher_is_worse else change > 0
        return "better" if improved else "worse"

    def flagged(self, score: int) -> bool:
        facts = self.facts
        return score >= facts.threshold if facts.higher_is_worse else score < facts.threshold


def assessment_series(assessments) -> list[ScaleTrend]:
    """Group assessment rows (any order) into one trend per scale, in the scales' order."""
    trends: dict[str, ScaleTrend] = {}
    labels = dict(Assessment.Scale.choices)
    for row in sorted(assessments, key=lambda a: (a.taken_on, a.pk)):
        trend = trends.setdefault(row.scale, ScaleTrend(scale=row.scale, label=str(labels.get(row.scale, row.scale))))
        trend.points.append(ScalePoint(taken_on=row.taken_on, score=row.score))
    order = list(Assessment.Scale.values)
    return sorted(trends.values(), key=lambda t: order.index(t.scale) if t.scale in order else len(order))


def beneficiary_trends(*, beneficiary: Beneficiary) -> list[ScaleTrend]:
    """The person's trend per scale: one query, none when their assessments are prefetched."""
    return assessment_series(beneficiary.assessments.all())


@dataclass(frozen=True)
class PersonOutcomes:
    trends: list[ScaleTrend]
    # None for a person not followed now (paused, ended): nothing is due for them.
    reassessment: schedule.Reassessment | None


def beneficiary_outcomes(*, beneficiary: Beneficiary, today: datetime.date | None = None) -> PersonOutcomes:
    """The person's trends and where they stand for reassessment (their page's outcomes card)."""
    trends = beneficiary_trends(beneficiary=beneficiary)
    if beneficiary.status not in FOLLOWED or beneficiary.erased_at is not None:
        return PersonOutcomes(trends=trends, reassessment=None)
    dates = [point.taken_on for trend in trends for point in trend.points]
    reassessment = schedule.reassessment_state(
        baseline=min(dates, default=None),
        last_taken=max(dates, default=None),
        today=today or association_today(beneficiary.association),
    )
    return PersonOutcomes(trends=trends, reassessment=reassessment)


def site_today(now: datetime.datetime | None = None) -> datetime.date:
    """Today in the site's zone (Europe/Paris): a volunteer's certificate spans associations."""
    return (now or timezone.now()).astimezone(ZoneInfo(settings.TIME_ZONE)).date()
