"""The demo's matches, lived through the matching services at their moments: proposed by the
coordinator (match_propose judges the pair with the hard rules and scores it), accepted or
declined by the volunteer, introduced, started, reviewed, paused and ended. Their planned visits
are written when the match starts."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from liens.errors import DomainError
from missions.matching.candidates import pair_evaluate
from missions.matching.life import match_activate, match_end, match_introduce, match_pause, match_review
from missions.matching.rules import rules_broken
from missions.matching.selectors import mission_suggestions
from missions.matching.services import match_accept, match_decline, match_propose
from missions.models import Match, Visit
from seeds.common import PARIS, add_months

# Order of the steps at one moment: a match ends before its mission closes (1.5, History), and
# everything else about a match comes after its mission is published.
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


class Lifecycle:
    """Replay steps for the planned matches, and what each step does."""

    def match_steps(self) -> list[tuple]:
        steps = []
        for n, m in enumerate(self.matches):
            proposed = m._when
            steps.append((proposed, PROPOSED, n, ("propose", m)))
            if m.status == Match.Status.DECLINED:
                steps.append((m.responded_at, DECLINED, n, ("decline", m)))
                continue
            if m.status == Match.Status.PROPOSED:
                continue
            # Answered, introduced and started in that order, whatever the plan's rounding.
            started = m.activated_at
            steps.append((min(m.responded_at, proposed + (started - proposed) / 3), ACCEPTED, n, ("accept", m)))
            introduced = proposed + (started - proposed) * 2 / 3
            day = introduced.astimezone(PARIS).date()
            if m.introduced_on is None or not proposed.astimezone(PARIS).date() <= m.introduced_on <= day:
                m.introduced_on = day
            steps.append((introduced, INTRODUCED, n, ("introduce", m)))
            steps.append((started, ACTIVATED, n, ("activate", m)))
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

    def match_step(self, step: str, m: Match, *args) -> None:
        coordinator = self.coordinators[self.associations.index(m.mission.association)]
        if getattr(m, "_dropped", False):
            return
        if step == "propose":
            match = self.propose(m, coordinator)
            if match is None:
                m._dropped = True
                self.matches.remove(m)
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
            self.write_visits(m)
        elif step == "review":
            match_review(match=m, by=coordinator, on=args[0])
        elif step == "pause":
            match_pause(match=m, by=coordinator, reason=m.pause_reason)
        else:
            match_end(match=m, by=m.ended_by or coordinator, reason=m.end_reason)

    def propose(self, m: Match, coordinator) -> Match | None:
        """The planned pair if the hard rules hold for it then; otherwise the engine's best
        suggestion at that moment (the plan picked from the territory as it ends, not as it was:
        a volunteer busier then, or not free at that hour), who takes the planned visits. The
        rules are asked first rather than left to refuse: a refusal inside the replay's one
        transaction would break it."""
        facts = pair_evaluate(volunteer=m.volunteer, mission=m.mission, now=timezone.now())
        if rules_broken(facts, 0):
            others = [o.volunteer.pk for o in self.matches if o.mission is m.mission and o is not m]
            suggested = mission_suggestions(mission=m.mission, exclude_volunteer_ids=[*others, self.camille.pk])
            if not suggested and m.status in (Match.Status.PROPOSED, Match.Status.DECLINED):
                return None  # a proposal nobody could be sent then: it was never made
            if not suggested:
                broken = ", ".join(rule.name for rule in rules_broken(facts, 0))
                raise DomainError(f"No volunteer for {m.mission} at {m._when} ({m.volunteer}: {broken}).")
            m.volunteer = next(v for v in self.volunteers if v.pk == suggested[0].volunteer.pk)
        return match_propose(mission=m.mission, volunteer=m.volunteer, by=coordinator)

    def write_visits(self, m: Match) -> None:
        """The match's planned visits. A visit with a report is scheduled until its volunteer
        files it (History.replay_ledger)."""
        visits = [visit for visit in self.visits if visit.match is m]
        reported = {id(report.visit) for report in self.reports}
        planned = [visit.status for visit in visits]
        for visit in visits:
            visit.match = m
            if id(visit) in reported:
                visit.status = Visit.Status.SCHEDULED
        Visit.objects.bulk_create(visits)
        for visit, status in zip(visits, planned, strict=True):
            visit.status = status
