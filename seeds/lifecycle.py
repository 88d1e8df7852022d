"""The demo's matches and visits, lived through the services at their moments.

Each planned match is proposed by the association's coordinator to a volunteer the matching
engine suggests then (mission_suggestions: the hard rules of missions.matching.rules and the
score of missions.matching.scoring, on the territory as it stood; the demo volunteer's own
matches keep their pair, which match_propose judges all the same), then accepted or declined,
introduced, started, reviewed, paused and ended. Visits are what the visit services make of
them: materialised when a match starts and by the nightly job, their reports filed, the silent
ones chased by the hourly job.

Every step comes after the one it needs (published, proposed, accepted, introduced, started,
visited) at any instant the demo is loaded: a step planned too early waits for its
prerequisite, and nothing happens after `now`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from missions.matching.life import match_activate, match_end, match_introduce, match_pause, match_review
from missions.matching.selectors import mission_suggestions
from missions.matching.services import match_accept, match_decline, match_propose
from missions.models import Match, Mission, Visit
from missions.visits.services import match_visits_materialise, reports_chase, visits_materialise_all
from seeds.common import PARIS, add_months

# Order of the steps at one moment (History.replay_ledger sorts on it after the time): the
# vetting (0.5), a match ends before its mission closes (1.5) and everything else about a match
# comes after its mission is published (1.5); the visit jobs after the matches.
ENDED, PROPOSED, ACCEPTED, INTRODUCED, ACTIVATED, REVIEWED, PAUSED, DECLINED = (
    1.4,
    1.6,
    1.61,
    1.62,
    1.63,
    1.64,
    1.65,
    1.66,
)
NIGHTLY, CANCELLED, CHASED = 1.7, 1.71, 1.72

# The demo keeps the last eight weeks of visits (seeds.matches.make_visits); the nightly job
# ran over them.
HISTORY_DAYS = 56
STEP = dt.timedelta(minutes=1)


class Lifecycle:
    """Replay steps for the planned matches and visits, and what each step does."""

    def after(self, moment: dt.datetime, prerequisite: dt.datetime) -> dt.datetime:
        """`moment`, or just after its prerequisite if planned before it; never after now (the
        steps at now keep their order by their rank)."""
        return min(max(moment, prerequisite + STEP), self.now)

    def match_steps(self, published: dict[int, dt.datetime]) -> list[tuple]:
        steps = []
        for n, m in enumerate(self.matches):
            proposed = self.after(m._when, published[id(m.mission)] + dt.timedelta(minutes=30))
            steps.append((proposed, PROPOSED, n, ("propose", m)))
            if m.status == Match.Status.DECLINED:
                m.ended_at = self.after(m.ended_at, proposed)
                steps.append((m.ended_at, DECLINED, n, ("decline", m)))
                continue
            if m.status == Match.Status.PROPOSED:
                continue
            # Answered, introduced and started in that order, whatever the plan's rounding.
            started = self.after(m.activated_at, proposed + 3 * STEP)
            accepted = self.after(min(m.responded_at, proposed + (started - proposed) / 3), proposed)
            introduced = self.after(proposed + (started - proposed) * 2 / 3, accepted)
            started = self.after(started, introduced)
            m.activated_at = started
            steps.append((accepted, ACCEPTED, n, ("accept", m)))
            day = introduced.astimezone(PARIS).date()
            if m.introduced_on is None or not proposed.astimezone(PARIS).date() <= m.introduced_on <= day:
                m.introduced_on = day
            steps.append((introduced, INTRODUCED, n, ("introduce", m)))
            steps.append((started, ACTIVATED, n, ("activate", m)))
            if m.status == Match.Status.PAUSED:
                m.paused_at = self.after(m.paused_at, started)
            elif m.status == Match.Status.ENDED:
                m.ended_at = self.after(m.ended_at, started)
            for review in self.reviews(m):
                steps.append((self.at_local(review, dt.time(15)), REVIEWED, n, ("review", m, review)))
            if m.status == Match.Status.PAUSED:
                steps.append((m.paused_at, PAUSED, n, ("pause", m)))
            elif m.status == Match.Status.ENDED:
                steps.append((m.ended_at, ENDED, n, ("end", m)))
        return steps

    def reviews(self, m: Match) -> list[dt.date]:
        """The reviews held while the match ran: a first one some weeks after the start, then
        one every few months (settings), as match_activate and match_review schedule them."""
        held, review = (
            [],
            m.activated_at.astimezone(PARIS).date() + dt.timedelta(weeks=settings.LIENS_MATCH_FIRST_REVIEW_WEEKS),
        )
        until = min(m.paused_at or self.now, m.ended_at or self.now)
        while self.at_local(review, dt.time(15)) < until:
            held.append(review)
            review = add_months(review, settings.LIENS_MATCH_REVIEW_EVERY_MONTHS)
        return held

    def visit_steps(self) -> list[tuple]:
        """The nightly materialisation over the demo's eight weeks of visits; the cancellations,
        a day or so ahead; the hourly chase once a silent visit is past its delay."""
        steps = []
        first = self.today - dt.timedelta(days=HISTORY_DAYS)
        for n in range((self.today - first).days + 1):
            night = self.at_local(first + dt.timedelta(days=n), dt.time(2, 30))
            if night <= self.now:
                steps.append((night, NIGHTLY, n, ("nightly", None)))
        chase_after = dt.timedelta(hours=settings.LIENS_REPORT_UNCONFIRMED_AFTER_HOURS, minutes=20)
        for n, visit in enumerate(self.visits):
            if visit.status == Visit.Status.CANCELLED:
                ahead = dt.timedelta(hours=6 + (n * 7) % 40)
                at = max(visit.starts_at - ahead, visit.match.activated_at + STEP)
                if at < visit.starts_at:
                    steps.append((at, CANCELLED, n, ("cancel", visit)))
            elif visit.status == Visit.Status.UNCONFIRMED and visit.ends_at + chase_after <= self.now:
                steps.append((visit.ends_at + chase_after, CHASED, n, ("chase", visit)))
        return steps

    def visit_step(self, step: str, visit: Visit | None) -> None:
        if step == "nightly":
            visits_materialise_all()
        elif step == "chase":
            reports_chase()
        else:
            self.cancel(visit)

    def match_step(self, step: str, m: Match, *args) -> None:
        coordinator = self.coordinators[self.associations.index(m.mission.association)]
        if getattr(m, "_dropped", False):
            return
        if step == "propose":
            match = self.propose(m, coordinator)
            if match is None:
                m._dropped = True
                return
            m.pk, m.proposed_at, m.proposed_by = match.pk, match.proposed_at, coordinator
            m.score, m.score_parts = match.score, match.score_parts
            m._state.adding, m._state.db = False, match._state.db
            # Planned before its mission had an id: the id the row now has.
            m.mission, m.volunteer = m.mission, m.volunteer
        elif step == "decline":
            match_decline(match=m, by=m.volunteer.user, reason=m.end_reason)
        elif step == "accept":
            match_accept(match=m, volunteer=m.volunteer)
        elif step == "introduce":
            match_introduce(match=m, by=coordinator, on=m.introduced_on)
        elif step == "activate":
            match_activate(match=m, by=coordinator)
            # What the task match_activate sends does, as it ran then (older visits are not kept).
            if m.activated_at >= self.at_local(self.today - dt.timedelta(days=HISTORY_DAYS), dt.time(0)):
                match_visits_materialise(match_id=m.pk)
        elif step == "review":
            match_review(match=m, by=coordinator, on=args[0])
        elif step == "pause":
            match_pause(match=m, by=coordinator, reason=m.pause_reason)
        else:
            match_end(match=m, by=m.ended_by or coordinator, reason=m.end_reason)

    def propose(self, m: Match, coordinator) -> Match | None:
        """The coordinator proposes the mission to one of the engine's suggestions then: the
        volunteer whose hours the mission was written around when the engine ranks them among its
        first five, else its first. The demo volunteer's own matches keep their planned pair,
        which match_propose judges all the same. When the engine has nobody (everyone near busy,
        away or not free at that hour), the proposal was never made, nor its visits."""
        if m.volunteer is not self.camille:
            others = [o.volunteer.pk for o in self.matches if o.mission is m.mission and o.pk is not None]
            # The mission as it stands then (the plan's copy holds how it ends).
            mission = Mission.objects.get(pk=m.mission.pk)
            suggested = mission_suggestions(mission=mission, limit=5, exclude_volunteer_ids=[*others, self.camille.pk])
            if not suggested:
                return None
            ids = [s.volunteer.pk for s in suggested]
            chosen = m.volunteer.pk if m.volunteer.pk in ids else ids[0]
            m.volunteer = next(v for v in self.volunteers if v.pk == chosen)
        return match_propose(mission=m.mission, volunteer=m.volunteer, by=coordinator)

    def cancel(self, visit: Visit) -> None:
        """A visit called off ahead by its volunteer or the coordinator (written as visit_cancel
        writes it, without the stand-in it would then ask for: the demo's cancellations are a
        day's hitch, not a search for someone else)."""
        m = visit.match
        if getattr(m, "_dropped", False):
            return
        by = m.volunteer.user if getattr(visit, "_by_volunteer", False) else visit.cancelled_by
        Visit.objects.filter(match_id=m.pk, occurrence=visit.occurrence, status=Visit.Status.SCHEDULED).update(
            status=Visit.Status.CANCELLED, cancel_reason=visit.cancel_reason, cancelled_by=by, updated_at=timezone.now()
        )

    def visit_row(self, visit: Visit) -> Visit | None:
        """The visit the services materialised for a planned one, if its match was made (the
        match's visits read at once, again when one is not there yet)."""
        m = visit.match
        if getattr(m, "_dropped", False) or m.pk is None:
            return None
        rows = self.visit_rows.get(m.pk, {})
        if visit.occurrence not in rows:
            found = Visit.objects.filter(match_id=m.pk).select_related(
                "match__volunteer__user", "match__mission__association", "match__mission__beneficiary"
            )
            rows = self.visit_rows[m.pk] = {row.occurrence: row for row in found}
        return rows.get(visit.occurrence)
