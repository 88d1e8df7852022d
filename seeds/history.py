"""The demo's past, written: the plan of the ledger and the alerts, the accounts and files written
in bulk, the missions prepared through mission_create, then the vetting, the people's follow-up,
the missions, matches and visits (seeds.lifecycle), the reports, contacts, alerts and jobs
replayed through their services at the moments they happened."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Min
from time_machine import travel

from missions import deadline
from missions.alerts.lifecycle import alert_close, alert_raise
from missions.alerts.services import (
    alert_acknowledge,
    alert_assign,
    alert_call_log,
    alert_note_add,
    alerts_escalate,
)
from missions.alerts.sweep import isolation_sweep
from missions.association.beneficiaries import (
    KEY_CONTACT_FIELDS,
    assessment_record,
    beneficiary_activate,
    beneficiary_end,
    beneficiary_pause,
    beneficiary_update,
)
from missions.association.missions import (
    MISSION_FIELDS,
    mission_close,
    mission_create,
    mission_publish,
)
from missions.association.services import vetting_step_record
from missions.ledger import contact_record
from missions.models import (
    Association,
    Beneficiary,
    IsolationAlert,
    Match,
    Membership,
    Mission,
    VisitReport,
)
from missions.reports import visit_report_submit
from seeds import territory as T
from seeds.common import given_timestamps
from volunteers.models import Volunteer
from volunteers.services import availability_set

# Written by the follow-up and ledger services, not when the file opens (History.write, History.replay_ledger).
FOLLOW_UP_FIELDS = ("status", "paused_until", "pause_reason", "last_contact_at", "alert_after")
# Written by the vetting service, not by the sign-up (History.write, History.vetting_replay_steps).
VETTING_FIELDS = (
    "vetting_state",
    "approved_at",
    "interview_on",
    "training_on",
    "background_check_on",
    "background_check_by",
)


class History:
    """Writing the planned territory and replaying its past through the services (the matches'
    steps are seeds.lifecycle's)."""

    def make_ledger_extras(self) -> None:
        """Staff calls and family news, then make sure everyone who is not meant to be overdue
        has been in touch within their target."""
        r = self.rng
        for b in self.beneficiaries:
            if b.status != "active" or b._category == "overdue":
                continue
            known = max(2, (self.now - b._when).days - 1)  # days since the file was opened
            if b._category == "matched" and r.random() < 0.3:
                note = r.choice(
                    [
                        "Point trimestriel : tout se passe bien avec son bénévole.",
                        "Appel de suivi, les visites lui font du bien.",
                    ]
                )
                self.add_contact(b, "staff_call", self.office_time(r.randint(3, min(50, known))), notes=note)
            if r.random() < 0.2:
                for _ in range(r.randint(1, 3)):
                    self.add_contact(
                        b,
                        "family",
                        self.office_time(r.randint(1, min(55, known))),
                        notes=r.choice(T.FAMILY_NOTES).format(**T.GENDER_WORDS[b.gender]),
                    )
            if b._category == "waiting":
                for days in sorted(r.sample(range(1, min(40, known) + 1), r.randint(1, 2)), reverse=True):
                    self.add_contact(b, "staff_call", self.office_time(days), notes=r.choice(T.STAFF_CALL_NOTES[:3]))
        # A few people whose family calls every other day: a 3-day target.
        three_day = [
            b
            for b in self.beneficiaries
            if b.status == "active" and b._category == "waiting" and b.contact_target_days == 7
        ]
        for b in r.sample(three_day, min(4, len(three_day))):
            b.contact_target_days = 3
            b.practical_tips += " Sa fille appelle tous les deux jours et nous tient au courant."
            for days in range(1, min(56, (self.now - b._when).days), 2):
                self.add_contact(b, "family", self.office_time(days), notes="Appel de sa fille : rien à signaler.")
        # Nobody active is overdue by accident.
        last: dict[int, dt.datetime] = {}
        for c in self.contacts:
            key = id(c.beneficiary)
            if key not in last or c.occurred_at > last[key]:
                last[key] = c.occurred_at
        for b in self.beneficiaries:
            if b.status != "active" or b._category == "overdue":
                continue
            seen = last.get(id(b))
            if seen is None or self.now - seen > dt.timedelta(days=b.contact_target_days - 1):
                self.add_contact(
                    b,
                    "staff_call",
                    self.office_time(r.randint(1, min(2, b.contact_target_days - 1))),
                    notes=T.STAFF_CALL_NOTES[1],
                )

    def write(self) -> None:
        User = get_user_model()
        User.objects.bulk_create(self.users)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in self.users]
        )
        self.save(Association, self.associations, "created_at")
        self.save(Membership, self.memberships, "created_at")
        # The volunteers as they signed up: the staff's vetting steps come in the replay (vetting_replay_steps).
        vetting = [{name: getattr(v, name) for name in VETTING_FIELDS} for v in self.volunteers]
        for v in self.volunteers:
            for name in VETTING_FIELDS:
                setattr(v, name, None)
            v.vetting_state = Volunteer.Vetting.PENDING
        self.save(Volunteer, self.volunteers, "created_at")
        for v, planned in zip(self.volunteers, vetting, strict=True):
            for name, value in planned.items():
                setattr(v, name, value)
        for v in self.volunteers:
            # What the volunteer ticked when signing up; the service merges touching ranges.
            availability_set(volunteer=v, ranges=v._slots)
        # Every file opens in intake; activation, pause and end, and the ledger fields, are the
        # services' to write (replay_ledger). The plan keeps its own copy.
        planned = [{name: getattr(b, name) for name in FOLLOW_UP_FIELDS} for b in self.beneficiaries]
        for b in self.beneficiaries:
            b.last_contact_at = b.alert_after = b.paused_until = None
            b.status, b.pause_reason = Beneficiary.Status.INTAKE, ""
        self.save(Beneficiary, self.beneficiaries, "created_at")
        for b, fields in zip(self.beneficiaries, planned, strict=True):
            for name, value in fields.items():
                setattr(b, name, value)
        # The key contacts, entered by the coordinator on the person's file.
        contacts: dict[int, list[dict]] = {}
        for c in self.key_contacts:
            contacts.setdefault(id(c.beneficiary), []).append({name: getattr(c, name) for name in KEY_CONTACT_FIELDS})
        for b in self.beneficiaries:
            if id(b) in contacts:
                beneficiary_update(beneficiary=b, by=self.coordinators[b._assoc_index], key_contacts=contacts[id(b)])
        self.create_missions()
        # The matches, their visits and the alerts come in the replay (seeds.lifecycle, replay_ledger).

    def create_missions(self) -> None:
        """Each mission prepared as a draft through mission_create, by its association's
        coordinator, on the day it was written; publication and what follows come in the replay
        (mission_steps). The planned row takes the id, and the place the service located."""
        # The service judges the person as the file stands then, not as the plan ends.
        files = Beneficiary.objects.in_bulk([b.pk for b in self.beneficiaries])
        for mission in sorted(self.missions, key=lambda m: m._when):
            fields = {name: getattr(mission, name) for name in MISSION_FIELDS}
            if mission.beneficiary is not None:
                fields["beneficiary"] = files[mission.beneficiary.pk]
            if mission.recurrence == Mission.Recurrence.ONE_OFF:
                fields["weekday"] = fields["end_date"] = None
            with travel(mission._when, tick=False):
                created = mission_create(association=mission.association, by=mission.created_by, **fields)
            mission.pk, mission.created_at = created.pk, created.created_at
            # Planned before its association and person had ids: the ids the rows now have.
            mission.association, mission.beneficiary = mission.association, mission.beneficiary
            mission.latitude, mission.longitude, mission.starts_at = (
                created.latitude,
                created.longitude,
                created.starts_at,
            )
            mission._state.adding, mission._state.db = False, created._state.db

    def mission_steps(self) -> tuple[list[tuple], dict[int, dt.datetime]]:
        """When each mission was published (once its person is followed and assessed, or its
        association validated) and closed (its last match over), as replay steps, with the
        moment each was published (its matches come after). Closing comes before the person's
        file is closed at the same moment; match_activate fills a mission."""
        activated = {id(b): min(b._ready, self.now) for b in self.beneficiaries if b.status != "intake"}
        steps, published = [], {}
        for n, mission in enumerate(self.missions):
            if mission.status == Mission.Status.DRAFT:
                continue
            b = mission.beneficiary
            ready = activated[id(b)] if b is not None else mission.association.validated_at
            published[id(mission)] = min(max(mission._when, ready) + dt.timedelta(minutes=30), self.now)
            steps.append((published[id(mission)], 1.5, n, ("publish", mission)))
        return steps, published

    def closing_steps(self) -> list[tuple]:
        """A closed mission closes once its last match is over (their moments as the replay
        placed them, Lifecycle.match_steps) and its person's file closed."""
        steps = []
        for n, mission in enumerate(self.missions):
            if mission.status != Mission.Status.CLOSED:
                continue
            b = mission.beneficiary
            ended = [m.ended_at for m in self.matches if m.mission is mission and m.activated_at is not None]
            ended += [b._ended_at] if b is not None and b.status == "ended" else []
            steps.append((max(ended), 1.5, n, ("close", mission)))
        return steps

    def mission_step(self, step: str, mission: Mission) -> None:
        coordinator = mission.created_by
        if step == "publish":
            mission_publish(mission=mission, by=coordinator)
        else:
            mission_close(mission=mission, by=coordinator)

    def save(self, model, objs: list, stamp: str) -> None:
        """bulk_create keeping the back-dated `stamp` (an auto_now_add field) of each row.

        auto_now_add would overwrite it with the current time; a bulk_update afterwards costs
        more than the whole insert, so the flag is lifted on this one field for the duration of
        the insert (a management command or test, single-threaded).
        """
        for obj in objs:
            setattr(obj, stamp, obj._when)
        with given_timestamps(model, stamp):
            model.objects.bulk_create(objs, batch_size=500)

    def finish_beneficiaries(self) -> None:
        """last_contact_at from the ledger; alert_after as the model computes it (active only)."""
        last: dict[int, dt.datetime] = {}
        for c in self.contacts:
            key = id(c.beneficiary)
            if key not in last or c.occurred_at > last[key]:
                last[key] = c.occurred_at
        for b in self.beneficiaries:
            b.created_at = b._when
            b.last_contact_at = last.get(id(b))
            b.alert_after = b.contact_deadline() if b.status == "active" else None

    def plan_alerts(self) -> None:
        """The alerts of the demo, chosen here and raised through the services in the replay: the
        urgent concern by its report, the resolved silence by alert_raise and alert_close
        (replay_resolved_silence), the open silences by the real jobs (replay_silences)."""
        r = self.rng
        # No-contact alerts for some of the people past their target; the sweep raises the rest.
        for index, wanted in enumerate([3, 1, 1]):
            overdue = [b for b in self.beneficiaries if b._assoc_index == index and b._category == "overdue"]
            overdue.sort(key=lambda b: b.last_contact_at)
            chosen = overdue[: wanted - 1] + ([self.fresh_overdue] if index == 0 else overdue[wanted - 1 : wanted])
            # The jobs raise their alerts once everything is written (replay_silences).
            self.silences += [(b, n == 0 and index in (0, 1)) for n, b in enumerate(chosen)]

        # An urgent concern: a fall reported after a recent visit, acknowledged by the coordinator.
        recent = [
            rep
            for rep in self.reports
            if rep.happened
            and rep.visit.match.mission.association is self.associations[0]
            and rep.visit.match.mission.kind == "home_visit"
            and rep.visit.match.volunteer is not self.camille
            and self.now - dt.timedelta(days=5) < rep.visit.ends_at < self.now - dt.timedelta(hours=20)
        ]
        if recent:
            report = recent[-1]
            b = report.visit.match.mission.beneficiary
            words = T.GENDER_WORDS[b.gender]
            civ = "Mme" if b.gender == "female" else "M."
            report.concerns = ["fall"]
            report.mood = "worrying"
            report.notes = (
                f"{civ} {b.last_name[0]}. est tombé{words['e']} dans la salle de bains avant-hier. "
                f"Mal au poignet, n'ose plus se lever seul{words['e']} la nuit. N'a prévenu personne."
            )
            # Filed through the report service (replay_ledger), which raises the alert; the
            # coordinator takes it in hand and calls the family.
            acknowledged = min(report._when + dt.timedelta(minutes=r.randint(20, 50)), self.now)
            self.urgent = (report, acknowledged, min(acknowledged + dt.timedelta(minutes=20), self.now))

        # A resolved one, for history: a silence that ended when a new volunteer started.
        matched = [b for b in self.beneficiaries if b._category == "matched" and b._assoc_index == 1]
        if matched:
            b = matched[0]
            match = next(
                m
                for m in self.matches
                if m.mission.beneficiary is b and m.status == "active" and m.mission.recurrence == "weekly"
            )
            resolved = match.activated_at
            started = resolved - dt.timedelta(days=6)
            # Raised, acknowledged, noted and closed through the alert services (replay_ledger).
            self.resolved_silence = (b, started, self.coordinators[1], resolved)

    def replay_assessments(self) -> None:
        """Record the planned assessments through assessment_record (which scores them), on the
        afternoon of the assessment visit, by the association's coordinator."""
        for a in sorted(self.assessments, key=lambda a: a.taken_on):  # stable: planned order within a day
            with travel(min(self.now, self.at_local(a.taken_on, dt.time(16))), tick=False):
                assessment_record(
                    beneficiary=a.beneficiary, scale=a.scale, answers=a.answers, taken_on=a.taken_on, by=a.recorded_by
                )

    def vetting_replay_steps(self) -> list[tuple]:
        """The vetting steps, recorded through vetting_step_record at the moments staff recorded
        them (the last of an approved volunteer's three steps approves them then), so that the
        matching engine proposes only volunteers approved by then."""
        steps = []
        ordered = sorted(self.vetting_steps, key=lambda s: (s[0], s[1].pk, s[2]))
        for n, (at, v, step, done_on, association, vetter) in enumerate(ordered):
            record = {"volunteer": v, "step": step, "by": vetter, "association": association, "on": done_on}
            steps.append((at, 0.5, n, ("vet", record)))
        return steps

    def refuse_applications(self) -> None:
        """A refused application has no service (its interview is recorded, then the state is set)."""
        rejected = [v.pk for v in self.volunteers if v.vetting_state == Volunteer.Vetting.REJECTED]
        Volunteer.objects.filter(pk__in=rejected).update(vetting_state=Volunteer.Vetting.REJECTED)

    def replay_ledger(self) -> None:
        """File the reports, record the other contacts and follow the people through their
        services, in the order and at the moments they happened: beneficiary_activate (consent
        recorded), beneficiary_pause and beneficiary_end; the missions published, filled and
        closed (mission_steps); visit_report_submit marks the visit
        done or missed, writes its contact and raises what a report raises (the fall's urgent
        alert, a second missed visit in a row); contact_record moves last_contact_at and
        alert_after. Then the coordinator takes the urgent alert in hand."""
        steps = [(report._when, 0, n, report) for n, report in enumerate(self.reports)]
        steps += [(c._when, 1, n, c) for n, c in enumerate(self.contacts) if c.visit is None]
        for n, b in enumerate(self.beneficiaries):
            if b.status != Beneficiary.Status.INTAKE:
                # Followed before its missions are published (1.5), even both at now.
                steps.append((min(b._ready, self.now), 1.3, n, ("activate", b)))
            if b.status == Beneficiary.Status.PAUSED:
                steps.append((b._paused_at, 2, n, ("pause", b)))
            elif b.status == Beneficiary.Status.ENDED:
                steps.append((b._ended_at, 2, n, ("end", b)))
        published_steps, published = self.mission_steps()
        steps += published_steps + self.match_steps(published) + self.closing_steps() + self.visit_steps()
        steps += self.vetting_replay_steps()
        steps.sort(key=lambda step: step[:3])
        # The ledger copies what it wrote back onto the person it is given; the plan keeps its own.
        planned = {id(b): (b.last_contact_at, b.alert_after) for b in self.beneficiaries}
        filed: dict[int, VisitReport] = {}
        for when, _, _, row in steps:
            with travel(min(when, self.now), tick=False):
                if isinstance(row, tuple) and isinstance(row[1], Mission):
                    self.mission_step(*row)
                elif isinstance(row, tuple) and isinstance(row[1], Match):
                    self.match_step(*row)
                elif isinstance(row, tuple) and row[0] == "vet":
                    vetting_step_record(**row[1])
                elif isinstance(row, tuple) and row[0] in ("nightly", "chase", "cancel"):
                    self.visit_step(*row)
                elif isinstance(row, tuple):
                    self.follow_up(*row)
                elif isinstance(row, VisitReport):
                    visit = self.visit_row(row.visit)
                    if visit is None:
                        continue  # its match was never made (Lifecycle.propose)
                    filed[id(row)] = visit_report_submit(
                        visit=visit,
                        volunteer=visit.match.volunteer,
                        happened=row.happened,
                        mood=row.mood,
                        concerns=row.concerns,
                        notes=row.notes,
                        duration_minutes=row.duration_minutes,
                    )
                else:
                    contact_record(
                        beneficiary=row.beneficiary,
                        kind=row.kind,
                        occurred_at=row.occurred_at,
                        recorded_by=row.recorded_by,
                        volunteer=row.volunteer,
                        notes=row.notes,
                    )
        for b in self.beneficiaries:
            b.last_contact_at, b.alert_after = planned[id(b)]
        self.replay_resolved_silence()
        if self.urgent is None:
            return
        report, taken, called = self.urgent
        coordinator = self.coordinators[0]
        alert = IsolationAlert.objects.get(report=filed[id(report)], kind=IsolationAlert.Kind.URGENT_CONCERN)
        alert_assign(alert=alert, by=coordinator, assignee=coordinator, now=taken)
        with travel(called, tick=False):
            alert_call_log(
                alert=alert,
                by=coordinator,
                reached=False,
                note="Appel à la famille : passage ce soir. Médecin traitant prévenu, téléassistance à proposer.",
            )

    def replay_resolved_silence(self) -> None:
        """A silence of the past, for history: raised by the sweep's alert_raise, acknowledged
        and noted by the coordinator, closed by alert_close when a new volunteer started."""
        if self.resolved_silence is None:
            return
        b, started, coordinator, resolved = self.resolved_silence
        alert = alert_raise(
            beneficiary=b,
            kind=IsolationAlert.Kind.NO_CONTACT,
            severity=IsolationAlert.Severity.LATE,
            started_at=started,
            now=started + dt.timedelta(minutes=12),
        )
        acknowledged = started + dt.timedelta(hours=20)
        with travel(acknowledged, tick=False):
            alert_acknowledge(alert=alert, by=coordinator)
        note = "Bénévole précédent parti ; nouvelle proposition en cours."
        alert_note_add(alert=alert, by=coordinator, note=note, now=acknowledged + dt.timedelta(minutes=5))
        resolution = "Contact repris : première visite du nouveau bénévole"
        with transaction.atomic():
            alert = IsolationAlert.objects.select_for_update().get(pk=alert.pk)
            alert_close(alert=alert, now=resolved, by=coordinator, resolution=resolution, note=resolution)

    def follow_up(self, step: str, b: Beneficiary) -> None:
        """The coordinator starts following the person (consent recorded), pauses or ends it."""
        coordinator = self.coordinators[b._assoc_index]
        if step == "activate":
            beneficiary_activate(beneficiary=b, by=coordinator)
        elif step == "pause":
            beneficiary_pause(beneficiary=b, by=coordinator, reason=b.pause_reason, until=b.paused_until)
        else:
            beneficiary_end(beneficiary=b, by=coordinator, reason=T.BENEFICIARY_END_REASON)

    def job_time(self, moment: dt.datetime) -> dt.datetime:
        """When a 15-minute job handled `moment`: a little after it, but a moment already past
        has been handled by now."""
        return min(moment + dt.timedelta(minutes=self.rng.randint(1, 14)), max(moment, self.now))

    def replay_silences(self) -> None:
        """Run the jobs that ran since each planned silence began, at the moments they ran: the
        isolation sweep (raised late at target + grace, then overdue, then critical), the
        escalation job (coordinators, then managers, while nobody acknowledges), and the
        coordinator taking the alert in hand where planned. The rules are theirs, not restated.

        The other people past their deadline are left for the first real sweep (the demo shows it
        work to do): their deadlines are set aside while the past is replayed, then put back."""
        if not self.silences:
            return
        r = self.rng
        ids = [b.pk for b, _ in self.silences]
        waiting = Beneficiary.objects.filter(alert_after__lte=self.now).exclude(pk__in=ids)
        held = list(waiting.values_list("pk", "alert_after"))
        waiting.update(alert_after=None)

        # Taken in hand a few hours after the last rise in severity, if that is already past.
        in_hand: dict[int, dt.datetime] = {}
        for b, acknowledge in self.silences:
            late_at = b.contact_deadline()
            changes = [
                late_at,
                *deadline.severity_thresholds(
                    start=late_at, target_days=b.contact_target_days, grace_days=b.contact_grace_days
                ),
            ]
            taken = max(at for at in changes if at <= self.now) + dt.timedelta(hours=r.randint(2, 6))
            if acknowledge and taken <= self.now:
                in_hand[b.pk] = taken

        people = {b.pk: b for b, _ in self.silences}
        while True:
            jobs: list[tuple[dt.datetime, str, int | None]] = []
            due = Beneficiary.objects.filter(pk__in=ids).aggregate(at=Min("alert_after"))["at"]
            if due is not None:
                jobs.append((self.job_time(due), "sweep", None))
            escalation = IsolationAlert.objects.filter(
                beneficiary_id__in=ids, resolved_at__isnull=True, acknowledged_at__isnull=True
            ).aggregate(at=Min("escalate_after"))["at"]
            if escalation is not None:
                jobs.append((self.job_time(escalation), "escalate", None))
            jobs += [(at, "take", pk) for pk, at in in_hand.items()]
            jobs = [job for job in jobs if job[0] <= self.now]
            if not jobs:
                break
            at, job, pk = min(jobs, key=lambda job: job[0])
            if job == "sweep":
                isolation_sweep(now=at)
            elif job == "escalate":
                alerts_escalate(now=at)
            else:
                del in_hand[pk]
                self.take_in_hand(people[pk], at=at)

        for pk, alert_after in held:
            Beneficiary.objects.filter(pk=pk).update(alert_after=alert_after)

    def take_in_hand(self, b: Beneficiary, *, at: dt.datetime) -> None:
        """The coordinator takes the alert (acknowledged, assigned) and notes what was done."""
        coordinator = self.coordinators[b._assoc_index]
        alert = IsolationAlert.objects.get(beneficiary=b, kind=IsolationAlert.Kind.NO_CONTACT, resolved_at=None)
        alert_assign(alert=alert, by=coordinator, assignee=coordinator, now=at)
        noted = at + dt.timedelta(minutes=30)
        if noted <= self.now:
            alert_note_add(alert=alert, by=coordinator, note=self.rng.choice(T.NO_CONTACT_NOTES), now=noted)
