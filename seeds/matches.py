"""The demo's weekly missions and matches and their visit history: matched, waiting, fallen
silent, paused, ended."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from liens.choices import IN_PERSON_KINDS
from missions.models import (
    Beneficiary,
    Contact,
    Match,
    Mission,
    Visit,
    VisitReport,
)
from missions.reports import CONTACT_KIND
from seeds import territory as T
from seeds.common import (
    INTERESTS_FR,
    LANGUAGES_FR,
    PARIS,
    PERIOD_TIMES,
    add_months,
    minutes_of,
)
from seeds.planning import eligible, sketch
from volunteers.models import Volunteer


class Matches:
    """Missions, the matches planned for them, visits and reports, and the contacts they make."""

    def describe(self, b: Beneficiary, kind: str) -> tuple[str, str, str]:
        r = self.rng
        civ = "Mme" if b.gender == "female" else "M."
        age = self.today.year - b.birth_year
        interests = [INTERESTS_FR[i] for i in b.interests[:3]]
        liked = ", ".join(interests[:-1]) + f" et {interests[-1]}" if len(interests) > 1 else interests[0]
        alone = "seule" if b.gender == "female" else "seul"
        if kind == "phone_call":
            title = f"Appel hebdomadaire avec {b.display_name}"
            description = (
                f"{civ} {b.last_name[0]}., {age} ans, vit {alone} ({b.neighbourhood}) et sort peu. "
                f"Un appel d'une demi-heure chaque semaine pour prendre des nouvelles. Aime {liked}."
            )
        else:
            title = f"Visite de convivialité chez {b.display_name} – {b.neighbourhood}"
            description = (
                f"{civ} {b.last_name[0]}., {age} ans, vit {alone} et serait "
                f"heureu{'se' if b.gender == 'female' else 'x'} d'avoir de la visite chaque semaine. "
                f"Aime {liked}. {b.best_times}."
            )
        requirements = []
        if b.required_languages:
            requirements.append(f"Parler {LANGUAGES_FR[b.required_languages[0]]} est indispensable.")
        elif len(b.languages) > 1 and r.random() < 0.5:
            requirements.append(f"Parler {LANGUAGES_FR[b.languages[1]]} serait un plus.")
        if b.visitor_preference in ("female", "male"):
            verb = "appelé" if kind == "phone_call" else "visité"
            agreement = "e" if b.gender == "female" else ""
            who = "une femme" if b.visitor_preference == "female" else "un homme"
            requirements.append(f"Préfère être {verb}{agreement} par {who}.")
        if kind != "phone_call":
            if b.has_pets:
                requirements.append("Être à l'aise avec les animaux.")
            if b.smoker:
                requirements.append("Fume à la maison.")
        return title, description, " ".join(requirements)

    def new_mission(
        self, b: Beneficiary, coordinator, kind: str, status: str, schedule, first_date, created
    ) -> Mission:
        weekday, local_time, duration = schedule
        title, description, requirements = self.describe(b, kind)
        mission = Mission(
            association=b.association,
            beneficiary=b,
            kind=kind,
            title=title,
            description=description,
            requirements=requirements,
            recurrence="weekly",
            weekday=weekday,
            local_time=local_time,
            first_date=first_date,
            duration_minutes=duration,
            volunteers_needed=1,
            latitude=b.latitude,
            longitude=b.longitude,
            status=status,
            created_by=coordinator,
        )
        # Never written before the person's file was opened.
        mission._when = max(created, b._when + dt.timedelta(hours=2))
        self.missions.append(mission)
        return mission

    def pick_schedule(
        self, kind: str, volunteer: Volunteer | None = None, duration: int | None = None
    ) -> tuple[int, dt.time, int]:
        r = self.rng
        if duration is None:
            duration = r.choice([60, 60, 90, 90, 120]) if kind == "home_visit" else r.choice([20, 30, 30, 45])
        if volunteer is not None:
            slots = [s for s in volunteer._slots if minutes_of(s[2]) - minutes_of(s[1]) >= duration]
            if kind in IN_PERSON_KINDS:
                daytime = [s for s in slots if s[1] < dt.time(18, 0)]
                slots = daytime or slots
            weekday, start, end = r.choice(slots)
        else:
            weekday = r.randint(0, 5)
            start, end = PERIOD_TIMES[
                r.choice(["morning", "afternoon", "afternoon"] + (["evening"] if kind == "phone_call" else []))
            ]
        options = []
        minute = start.hour * 60 + start.minute
        last = end.hour * 60 + end.minute - duration
        while minute <= last:
            options.append(dt.time(minute // 60, minute % 60))
            minute += 30
        local_time = r.choice(options[1:] if len(options) > 1 else options)
        return weekday, local_time, duration

    def open_mission(self, b: Beneficiary, coordinator, kind: str | None = None, schedule=None) -> Mission:
        r = self.rng
        kind = kind or r.choices(["home_visit", "phone_call"], weights=[75, 25])[0]
        schedule = schedule or self.pick_schedule(kind)
        draft = r.random() < 0.05
        created = b._ready + dt.timedelta(days=r.randint(0, 4))
        created = min(created, self.now - dt.timedelta(hours=3))
        # A draft has its schedule too (mission_create asks for it); a week ahead until published.
        first_date = self.today + dt.timedelta(days=7) if draft else self.today + dt.timedelta(days=r.randint(2, 14))
        return self.new_mission(b, coordinator, kind, "draft" if draft else "open", schedule, first_date, created)

    def hours_from(self, mission: Mission, *, exclude=(), hour_set: bool = True) -> Volunteer | None:
        """Whose free hours give a mission its time: one of the three volunteers nearest it whom
        the matching engine's hard rules accept for it (seeds.planning; at its hour when it is
        set, else the hour is then taken from their free slots): the coordinator writes the
        mission with the people around in mind. Not who is proposed: the matching engine chooses
        that when the replay reaches the proposal (seeds.lifecycle); this one is only the plan's
        placeholder, so the plan adds what its history needs: an approval date to start from
        (pending volunteers may take calls, but have no history yet), and not the demo
        volunteer, whose history is written for her."""
        passed, distance = eligible(self.volunteers, mission, now=self.now, exclude=exclude, hour_set=hour_set)
        around = [
            (float(distance[n]), n, v)
            for n, v in enumerate(self.volunteers)
            if passed[n] and v is not self.camille and v.vetting_state == "approved"
        ]
        if not around:
            return None
        around.sort()
        return self.rng.choice(around[:3])[2]

    def hours_for(self, b: Beneficiary, kind: str) -> Volunteer | None:
        """hours_from() for a weekly mission for the person whose hour is not set yet."""
        return self.hours_from(sketch(b, kind, on=self.today), hour_set=False)

    def match_weekly(self, b, coordinator, *, volunteer=None, kind=None, schedule=None, activation=None) -> bool:
        r = self.rng
        kind = kind or r.choices(["home_visit", "phone_call"], weights=[78, 22])[0]
        if volunteer is None:
            volunteer = self.hours_for(b, kind)
            if volunteer is None:
                return False
        schedule = schedule or self.pick_schedule(kind, volunteer)
        if activation is None:
            earliest = max(b._ready, volunteer.approved_at) + dt.timedelta(days=10)
            span = max(14, int((self.now - earliest).total_seconds() // 86400))
            activation = self.now - dt.timedelta(days=r.randint(14, min(span, 330)))
        mission = self.new_mission(
            b,
            coordinator,
            kind,
            "filled",
            schedule,
            activation.astimezone(PARIS).date(),
            activation - dt.timedelta(days=r.randint(8, 25)),
        )
        match = self.new_match(
            volunteer,
            mission,
            "active",
            coordinator,
            proposed=activation - dt.timedelta(days=r.randint(3, 7)),
        )
        match.activated_at = activation
        match.introduced_on = activation.astimezone(PARIS).date() - dt.timedelta(days=r.randint(0, 3))
        self.set_reviews(match, match.introduced_on)
        self.make_visits(match, mission, start=activation, until=self.now + dt.timedelta(days=28))
        return True

    def set_reviews(self, match: Match, start: dt.date) -> None:
        """A first review some weeks after the start, then one every few months (settings)."""
        review = start + dt.timedelta(weeks=getattr(settings, "LIENS_MATCH_FIRST_REVIEW_WEEKS", 6))
        every = getattr(settings, "LIENS_MATCH_REVIEW_EVERY_MONTHS", 3)
        while review < self.today:
            match.last_review_on = review
            review = add_months(review, every)
        match.next_review_on = review

    def new_match(self, volunteer, mission, status, proposed_by, proposed) -> Match:
        """A planned match: match_propose judges and scores it when the replay reaches it."""
        r = self.rng
        match = Match(volunteer=volunteer, mission=mission, status=status, proposed_by=proposed_by)
        match._when = proposed
        # The hours of the volunteers around are spread over the missions written.
        if status in Match.LIVE or status == Match.Status.ENDED:
            volunteer._planned += 1
        if status != "proposed":
            match.responded_at = proposed + dt.timedelta(hours=r.randint(2, 40))
        self.matches.append(match)
        return match

    def occurrences(self, mission: Mission, first: dt.date, last: dt.date):
        day = first + dt.timedelta(days=(mission.weekday - first.weekday()) % 7)
        while day <= last:
            start = self.at_local(day, mission.local_time)
            yield day, start, start + dt.timedelta(minutes=mission.duration_minutes)
            day += dt.timedelta(days=7)

    def make_visits(
        self, match: Match, mission: Mission, *, start: dt.datetime, until: dt.datetime, force_last_done=True
    ) -> list[Visit]:
        """Visits from `start` to `until`, within the last 8 weeks and the next 4: past ones
        mostly done and reported, upcoming ones scheduled."""
        r = self.rng
        first = max(start.astimezone(PARIS).date(), self.today - dt.timedelta(days=56))
        last = min(until.astimezone(PARIS).date(), self.today + dt.timedelta(days=28))
        created, past = [], []
        for day, begins, ends in self.occurrences(mission, first, last):
            if begins < start or begins > until:
                continue
            visit = Visit(match=match, occurrence=day, starts_at=begins, ends_at=ends, status="scheduled")
            created.append(visit)
            if ends <= self.now - dt.timedelta(hours=20):
                past.append(visit)
        # The demo volunteer is a reliable one: her history has no missed or unconfirmed visit.
        weights = [88, 12, 0, 0] if match.volunteer is self.camille else [86, 8, 3, 3]
        for visit in past:
            visit.status = r.choices(["done", "cancelled", "missed", "unconfirmed"], weights=weights)[0]
        if force_last_done and past:
            past[-1].status = "done"
        for visit in created:
            self.visits.append(visit)
            if visit.status == "done":
                self.report(visit, match, mission)
            elif visit.status == "cancelled":
                visit.cancel_reason = r.choice(T.CANCEL_REASONS)
                # By the volunteer the engine proposed (known in the replay), or by the coordinator.
                visit._by_volunteer = r.random() < 0.6
                visit.cancelled_by = self.coordinators[self.associations.index(mission.association)]
            elif visit.status == "missed":
                self.reports.append(
                    VisitReport(
                        visit=visit,
                        happened=False,
                        notes="Pas de réponse à l'interphone ni au téléphone.",
                        submitted_by=match.volunteer.user,
                    )
                )
                self.reports[-1]._when = visit.ends_at + dt.timedelta(hours=1)
        return created

    def report(self, visit: Visit, match: Match, mission: Mission) -> VisitReport:
        r = self.rng
        concerns = []
        if mission.kind != "group_event" and r.random() < 0.08:
            concerns = [r.choice(list(T.CONCERN_NOTES))]
        mood = r.choices(["good", "ok", "low", "worrying"], weights=[45, 40, 12, 3])[0]
        if concerns and mood == "good":
            mood = "low"
        if mission.beneficiary is None:
            notes = r.choice(T.GROUP_REPORT_NOTES)
        else:
            words = T.GENDER_WORDS[mission.beneficiary.gender]
            notes = (T.CONCERN_NOTES[concerns[0]] if concerns else r.choice(T.REPORT_NOTES)).format(**words)
        activities = r.sample(T.ACTIVITIES[mission.kind], r.randint(1, min(3, len(T.ACTIVITIES[mission.kind]))))
        duration = max(10, mission.duration_minutes + r.choice([-30, -15, 0, 0, 0, 15, 30]))
        report = VisitReport(
            visit=visit,
            happened=True,
            mood=mood,
            duration_minutes=duration,
            activities=activities,
            concerns=concerns,
            notes=notes,
            submitted_by=match.volunteer.user,
        )
        latest = self.now - visit.ends_at
        report._when = visit.ends_at + min(dt.timedelta(hours=r.uniform(0.2, 18)), latest - dt.timedelta(minutes=5))
        self.reports.append(report)
        if mission.beneficiary is not None:
            contact = self.add_contact(
                mission.beneficiary,
                CONTACT_KIND[mission.kind],
                visit.starts_at,
                recorded_by=match.volunteer.user,
                volunteer=match.volunteer,
                visit=visit,
            )
            contact._when = report._when
        return report

    def add_contact(self, b, kind, when, *, recorded_by=None, volunteer=None, visit=None, notes="") -> Contact:
        if recorded_by is None and kind in ("staff_call", "family"):
            recorded_by = self.coordinators[b._assoc_index]
        contact = Contact(
            beneficiary=b,
            kind=kind,
            occurred_at=when,
            visit=visit,
            recorded_by=recorded_by,
            volunteer=volunteer,
            notes=notes,
        )
        contact._when = when + dt.timedelta(minutes=10)
        self.contacts.append(contact)
        return contact

    def make_overdue(self, b: Beneficiary, coordinator) -> None:
        """Active, but nobody has been in touch for 9 to 30 days: the sweep has work."""
        r = self.rng
        b.contact_target_days = 7
        mission = self.open_mission(b, coordinator)
        mission.status = "open"
        mission.first_date = mission.first_date or self.today + dt.timedelta(days=3)
        if not self.fresh_overdue:
            # The first one fell silent just now: past target + grace by a few hours, so the
            # alert raised for it is less than a day old and has not escalated yet.
            self.fresh_overdue = b
            last = self.now - dt.timedelta(days=b.contact_target_days + b.contact_grace_days, hours=r.randint(4, 20))
            self.add_contact(b, "staff_call", last, notes=r.choice(T.STAFF_CALL_NOTES[:3]))
            return
        last_day = self.today - dt.timedelta(days=r.randint(11, 24))
        # A volunteer used to come, then stopped: the match ended, the mission reopened.
        volunteer = self.hours_for(b, mission.kind) if r.random() < 0.6 else None
        if volunteer is not None:
            # Written with that volunteer's hours in mind.
            mission.weekday, mission.local_time, mission.duration_minutes = self.pick_schedule(mission.kind, volunteer)
            last_day -= dt.timedelta(days=(last_day.weekday() - mission.weekday) % 7)
            activation = max(
                b._ready + dt.timedelta(days=12),
                volunteer.approved_at + dt.timedelta(days=10),
                self.at_local(last_day, dt.time(0, 0)) - dt.timedelta(days=r.randint(60, 200)),
            )
            last_visit = self.at_local(last_day, mission.local_time)
            if activation < last_visit:
                match = self.new_match(
                    volunteer, mission, "ended", coordinator, proposed=activation - dt.timedelta(days=5)
                )
                match.activated_at = activation
                match.introduced_on = activation.astimezone(PARIS).date()
                match.ended_at = last_visit + dt.timedelta(days=r.randint(2, 6), hours=3)
                match.ended_by = coordinator
                match.end_reason = r.choice(T.MATCH_END_REASONS)
                mission._when = activation - dt.timedelta(days=10)
                mission.first_date = activation.astimezone(PARIS).date()
                self.make_visits(match, mission, start=activation, until=last_visit + dt.timedelta(minutes=1))
                return
        self.add_contact(
            b, "staff_call", self.office_time((self.today - last_day).days), notes=r.choice(T.STAFF_CALL_NOTES[:3])
        )

    def make_paused(self, b: Beneficiary, coordinator) -> None:
        r = self.rng
        paused_on = self.now - dt.timedelta(days=r.randint(5, 20))
        b._paused_at = paused_on
        b.paused_until = self.today + dt.timedelta(days=r.randint(7, 40))
        b.pause_reason = r.choice(T.PAUSE_REASONS)
        kind = "home_visit"
        volunteer = self.hours_for(b, kind)
        # Matched some weeks after the person was ready (not before their file was opened).
        activation = max(
            self.now - dt.timedelta(days=r.randint(60, 200)),
            b._ready + dt.timedelta(days=10),
            volunteer.approved_at + dt.timedelta(days=10) if volunteer else self.now,
        )
        if activation > paused_on - dt.timedelta(days=14):
            # Nobody near was free before the pause: the mission waits as a draft.
            self.open_mission(b, coordinator, kind=kind).status = "draft"
            return
        schedule = self.pick_schedule(kind, volunteer)
        mission = self.new_mission(
            b,
            coordinator,
            kind,
            "filled",
            schedule,
            activation.astimezone(PARIS).date(),
            activation - dt.timedelta(days=14),
        )
        match = self.new_match(volunteer, mission, "paused", coordinator, proposed=activation - dt.timedelta(days=4))
        match.activated_at = activation
        match.introduced_on = activation.astimezone(PARIS).date()
        match.paused_at, match.pause_reason = paused_on, b.pause_reason
        self.make_visits(match, mission, start=activation, until=paused_on)

    def make_ended(self, b: Beneficiary, coordinator) -> None:
        r = self.rng
        ended = self.now - dt.timedelta(days=r.randint(30, 50))
        b._ended_at = ended
        volunteer = self.hours_for(b, "home_visit")
        activation = max(
            ended - dt.timedelta(days=r.randint(120, 240)),
            b._ready + dt.timedelta(days=10),
            volunteer.approved_at + dt.timedelta(days=10) if volunteer else ended,
        )
        if activation > ended - dt.timedelta(days=14):
            volunteer = None  # nobody near was free in time: the mission waited, and closed with the file
        schedule = self.pick_schedule("home_visit", volunteer)
        mission = self.new_mission(
            b,
            coordinator,
            "home_visit",
            "closed",
            schedule,
            activation.astimezone(PARIS).date(),
            activation - dt.timedelta(days=12),
        )
        mission.end_date = ended.astimezone(PARIS).date()
        if volunteer is None:
            return
        match = self.new_match(volunteer, mission, "ended", coordinator, proposed=activation - dt.timedelta(days=4))
        match.activated_at = activation
        match.introduced_on = activation.astimezone(PARIS).date()
        match.ended_at = ended
        match.ended_by = coordinator
        match.end_reason = T.BENEFICIARY_END_REASON
        self.make_visits(match, mission, start=activation, until=ended)

    def make_intake(self, b: Beneficiary, coordinator) -> None:
        if b.assessed_on and self.rng.random() < 0.5:
            mission = self.open_mission(b, coordinator, kind="home_visit")
            mission.status = "draft"
