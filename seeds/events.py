"""The demo's group events, one-off outings and pending proposals."""

from __future__ import annotations

import datetime as dt

from missions.models import (
    Match,
    Mission,
    Visit,
)
from seeds import territory as T
from seeds.common import PARIS, as_time


class Events:
    """Group events and outings with their volunteers, and the proposals waiting for an answer."""

    def make_group_events_and_outings(self) -> None:
        r = self.rng
        for spec in T.GROUP_EVENTS:
            assoc, coordinator = self.associations[spec["assoc"]], self.coordinators[spec["assoc"]]
            mission = Mission(
                association=assoc,
                beneficiary=None,
                kind="group_event",
                title=spec["title"],
                description=spec["description"],
                requirements=spec.get("requirements", ""),
                recurrence=spec["recurrence"],
                duration_minutes=spec["duration"],
                volunteers_needed=spec["needed"],
                place=spec["place"],
                latitude=spec["lat"],
                longitude=spec["lon"],
                status=spec["status"],
                created_by=coordinator,
            )
            if spec["recurrence"] == "weekly":
                mission.weekday, mission.local_time = spec["weekday"], as_time(spec["time"])
                mission.first_date = self.today - dt.timedelta(days=spec["since_days"])
                mission._when = self.days_ago(spec["since_days"] + 20)
            else:
                day = self.today + dt.timedelta(days=spec["in_days"])
                mission.local_time = as_time(spec["time"])
                mission.starts_at = self.at_local(day, mission.local_time)
                mission.first_date = day
                mission._when = self.days_ago(r.randint(5, 15))
            self.missions.append(mission)
            if mission.status == "draft":
                continue
            taken = []
            for _ in range(spec["active"]):
                v = self.hours_from(mission, exclude=taken)
                if v is None:
                    break
                taken.append(v)
                activation = max(self.at_local(mission.first_date, dt.time(8, 0)), v.approved_at + dt.timedelta(days=7))
                if activation > self.now - dt.timedelta(days=2):
                    activation = self.now - dt.timedelta(days=2)
                match = self.new_match(
                    v,
                    mission,
                    "active",
                    coordinator,
                    proposed=min(activation - dt.timedelta(days=2), mission._when + dt.timedelta(days=2)),
                )
                match.activated_at = activation
                self.set_reviews(match, activation.astimezone(PARIS).date())
                if mission.recurrence == "weekly":
                    self.make_visits(match, mission, start=activation, until=self.now + dt.timedelta(days=28))
                else:
                    self.one_off_visit(match, mission)
            for _ in range(spec.get("proposed", 0)):
                v = self.hours_from(mission, exclude=taken)
                if v is None:
                    break
                taken.append(v)
                self.new_match(v, mission, "proposed", None, proposed=self.now - dt.timedelta(hours=r.randint(5, 60)))

        # Outings, one-off, for people already followed: one past, one coming and filled, one open.
        matched = [b for b in self.beneficiaries if b._category == "matched" and b.status == "active"]
        for index, assoc in enumerate(self.associations):
            coordinator = self.coordinators[index]
            people = [b for b in matched if b.association is assoc and b is not self.beneficiaries[0]]
            r.shuffle(people)
            states = list(T.OUTING_STATES[index])
            for b in people:
                if not states:
                    break
                place = r.choice(T.OUTING_PLACES[index])
                volunteer = None
                if states[0] != "open":
                    # One-off, but still in one of the volunteer's free slots.
                    volunteer = self.hours_for(b, "outing")
                    if volunteer is None:
                        continue
                    weekday, local_time, _ = self.pick_schedule("outing", volunteer, duration=120)
                else:
                    weekday, local_time = r.randint(0, 5), dt.time(r.choice([10, 14, 15]), r.choice([0, 30]))
                state = states.pop(0)
                if state == "past":
                    day = self.today - dt.timedelta(days=r.randint(12, 25))
                    day -= dt.timedelta(days=(day.weekday() - weekday) % 7)
                else:
                    day = self.today + dt.timedelta(days=r.randint(4, 20))
                    day += dt.timedelta(days=(weekday - day.weekday()) % 7)
                starts = self.at_local(day, local_time)
                mission = Mission(
                    association=assoc,
                    beneficiary=b,
                    kind="outing",
                    title=f"{place[0]} avec {b.display_name}",
                    description=(
                        f"Sortie accompagnée : {place[1]}. "
                        + ("Prévoir le fauteuil roulant. " if "Fauteuil" in b.mobility_notes else "")
                        + "Environ deux heures, retour au domicile compris."
                    ),
                    requirements="Bénévole à l'aise pour accompagner une personne qui marche lentement.",
                    recurrence="one_off",
                    local_time=local_time,
                    starts_at=starts,
                    first_date=day,
                    duration_minutes=120,
                    volunteers_needed=1,
                    latitude=b.latitude,
                    longitude=b.longitude,
                    status="open",
                    created_by=coordinator,
                )
                mission._when = min(starts - dt.timedelta(days=r.randint(10, 20)), self.days_ago(r.randint(1, 5)))
                self.missions.append(mission)
                if volunteer is None:
                    continue
                if state == "past":
                    mission.status = "closed"
                    match = self.new_match(
                        volunteer,
                        mission,
                        "ended",
                        coordinator,
                        proposed=mission._when + dt.timedelta(days=1),
                    )
                    match.activated_at = mission._when + dt.timedelta(days=2)
                    match.ended_at = starts + dt.timedelta(hours=4)
                    match.ended_by = coordinator
                    match.end_reason = "Sortie réalisée"
                else:
                    mission.status = "filled"
                    match = self.new_match(
                        volunteer,
                        mission,
                        "active",
                        coordinator,
                        # Once published (History.mission_steps), however recently it was written.
                        proposed=max(
                            min(mission._when + dt.timedelta(days=1), self.now - dt.timedelta(hours=30)),
                            mission._when + dt.timedelta(hours=1),
                        ),
                    )
                    match.activated_at = match._when + dt.timedelta(hours=20)
                self.one_off_visit(match, mission)

    def one_off_visit(self, match: Match, mission: Mission) -> None:
        day = mission.starts_at.astimezone(PARIS).date()
        visit = Visit(
            match=match,
            occurrence=day,
            starts_at=mission.starts_at,
            ends_at=mission.starts_at + dt.timedelta(minutes=mission.duration_minutes),
        )
        if visit.ends_at <= self.now - dt.timedelta(hours=20):
            visit.status = "done"
            self.visits.append(visit)
            self.report(visit, match, mission)
        else:
            self.visits.append(visit)

    def make_proposals(self) -> None:
        """Camille's proposal for Marcel's calls, a few more, two declined: all made by the coordinator
        through match_propose in the replay (seeds.lifecycle)."""
        r = self.rng
        self.new_match(
            self.camille,
            self._marcel_mission,
            "proposed",
            None,
            proposed=self.now - dt.timedelta(hours=20),
        )
        open_missions = [
            m
            for m in self.missions
            if m.status == "open"
            and m.recurrence == "weekly"
            and m.beneficiary is not None
            and m is not self._marcel_mission
        ]
        r.shuffle(open_missions)
        proposed = declined = 0
        for mission in open_missions:
            if proposed >= 5 and declined >= 2:
                break
            already = [m.volunteer for m in self.matches if m.mission is mission]
            v = self.hours_from(mission, exclude=already)
            if v is None:
                continue
            if proposed < 5:
                proposed += 1
                self.new_match(
                    v,
                    mission,
                    "proposed",
                    self.coordinators[self.associations.index(mission.association)] if r.random() < 0.4 else None,
                    proposed=self.now - dt.timedelta(hours=r.randint(3, 70)),
                )
            else:
                declined += 1
                match = self.new_match(
                    v, mission, "declined", None, proposed=self.now - dt.timedelta(days=r.randint(4, 12))
                )
                match.end_reason = r.choice(["Trop loin de chez moi finalement", "Horaire qui ne me convient plus"])
                match.ended_at, match.ended_by = match.responded_at, v.user
