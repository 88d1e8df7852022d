"""The simulated territory and the people in it: built through the services, then living.

Everything is drawn from one `random.Random(seed)`. The world acts only through the services a
person would use (a volunteer files a report or says "I can't come", a coordinator pauses a
person, logs a call, acknowledges an alert), and keeps its own record of what really happened:
every real contact, every pause, every departure (Truth). Liens never reads that record; the
measures compare it with what Liens did.

What the world does, per day or per visit (rates in RATES):
- volunteers visit, or forget; report at once, late (after the chase), or never; cancel ahead
  with "I can't come"; fall ill or go on holiday (a pause); leave the programme;
- people go to hospital (a dated pause), move into care or die (their follow-up ends);
- coordinators phone people, note what families tell them, and answer alerts after a delay,
  or never;
- a few reports carry an urgent concern.
"""

from __future__ import annotations

import datetime
import heapq
import itertools
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from liens.errors import DomainError
from liens.models import User
from missions import deadline
from missions.alerts.services import alert_acknowledge, alert_call_log
from missions.association.beneficiaries import (
    beneficiary_activate,
    beneficiary_create,
    beneficiary_end,
    beneficiary_pause,
)
from missions.association.missions import mission_close, mission_create, mission_publish
from missions.ledger import contact_record
from missions.matching.life import match_activate, match_end, match_introduce
from missions.matching.services import match_accept, match_propose
from missions.models import Association, Beneficiary, Contact, IsolationAlert, Match, Membership, Visit, VisitReport
from missions.reports import visit_report_submit
from missions.visits.services import visit_cancel
from volunteers.models import AvailabilitySlot, Volunteer
from volunteers.services import volunteer_leave, volunteer_pause

PARIS = "Europe/Paris"
# How many people the build adds between two refreshes of the database's statistics.
MAINTAIN_EVERY = 250
POSTCODES = ["69001", "69002", "69003", "69004", "69005", "69006", "69007", "69008", "69009"]

# Per day unless said otherwise; chosen to look like a year of a real association compressed
# into the window (many more hospital stays and departures than a quiet quarter would have).
RATES = {
    "visit_happens": 0.90,  # a reliable volunteer goes (some are less reliable, see Person)
    "report_now": 0.65,  # within 3 hours of the end
    "report_late": 0.15,  # 4 to 30 hours later
    "report_after_chase": 0.10,  # 2 to 4 days later, once the visit is marked unconfirmed
    # the rest: never reported
    "cant_come": 0.03,  # per visit, a day or so ahead
    "volunteer_ill": 0.0015,
    "volunteer_holiday": 0.002,
    "volunteer_leaves": 0.0004,
    "hospital": 0.0015,
    "into_care": 0.0002,
    "dies": 0.0002,
    "staff_call": 0.02,
    "family_news": 0.01,
    "urgent_concern": 0.004,  # per report of a visit that happened
    "ack_soon": 0.6,  # 1 to 6 hours
    "ack_late": 0.25,  # 12 to 36 hours
    # the rest: never acknowledged
    "call_reaches": 0.8,
}


@dataclass
class Truth:
    """What really happened to one person; Liens never sees it."""

    pk: int
    target_days: int
    grace_days: int
    activated_at: datetime.datetime
    contacts: list[datetime.datetime] = field(default_factory=list)
    pauses: list[tuple[datetime.datetime, datetime.datetime]] = field(default_factory=list)  # [start, end)
    ended_at: datetime.datetime | None = None
    in_hospital_until: datetime.datetime | None = None

    def allowance(self) -> datetime.timedelta:
        return deadline.allowance(target_days=self.target_days, grace_days=self.grace_days)

    def paused_at(self, moment: datetime.datetime) -> bool:
        return any(start <= moment < end for start, end in self.pauses)


@dataclass(order=True)
class _Event:
    at: datetime.datetime
    seq: int
    kind: str = field(compare=False)
    args: tuple = field(compare=False, default=())


class World:
    def __init__(self, *, seed: int, beneficiaries: int, volunteers: int, start: datetime.datetime):
        self.rng = random.Random(seed)
        self.size, self.volunteer_count, self.start = beneficiaries, volunteers, start
        self.truth: dict[int, Truth] = {}
        self.reliability: dict[int, float] = {}  # volunteer pk -> chance a visit happens
        self.events: list[_Event] = []
        self.seq = itertools.count()
        self.staff: dict[int, list[User]] = {}  # association pk -> coordinators
        self.counts: dict[str, int] = {}
        self.refused: dict[str, int] = {}  # domain errors the services answered, by action
        self.last_day: datetime.date | None = None

    # --- building ----------------------------------------------------------------------------

    def build(self, *, maintain=None) -> None:
        """The territory at `start`: associations, staff, volunteers, people followed, their
        weekly missions and matches (proposed, accepted, introduced, started). `maintain`, when
        given, is called every MAINTAIN_EVERY people (the database's upkeep as the tables grow)."""
        now = timezone.now()
        associations = max(1, round(self.size / 700))
        per = [self.size // associations + (1 if n < self.size % associations else 0) for n in range(associations)]
        for n in range(associations):
            association = Association.objects.create(
                name=f"Simulated association {n + 1}",
                siret=f"{n + 1:014d}",
                address="1 place Bellecour",
                postcode="69002",
                city="Lyon",
                territory="simulation",
                contact_email=f"association-{n + 1}@simulation.invalid",
                validated_at=now,
            )
            coordinators = []
            for k in range(max(2, per[n] // 80)):
                user = User.objects.create_user(email=f"coordinator-{n + 1}-{k + 1}@simulation.invalid")
                # Half hear of each event at once, half only in the morning digest.
                mode = Membership.DigestMode.REALTIME if k % 2 == 0 else Membership.DigestMode.DAILY
                Membership.objects.create(user=user, association=association, digest_mode=mode)
                coordinators.append(user)
            manager = User.objects.create_user(email=f"manager-{n + 1}@simulation.invalid")
            Membership.objects.create(user=manager, association=association, role=Membership.Role.MANAGER)
            self.staff[association.pk] = coordinators
        volunteers = [self._volunteer(k, now) for k in range(self.volunteer_count)]
        load = dict.fromkeys((v.pk for v in volunteers), 0)
        k = 0
        for association in Association.objects.filter(territory="simulation").order_by("pk"):
            for _ in range(per[list(self.staff).index(association.pk)]):
                k += 1
                self._person(k, association, volunteers, load, now)
                if maintain is not None and k % MAINTAIN_EVERY == 0:
                    maintain()

    def _volunteer(self, k: int, now: datetime.datetime) -> Volunteer:
        user = User.objects.create_user(email=f"volunteer-{k + 1}@simulation.invalid", first_name=f"V{k + 1}")
        # The vetting is not what is simulated here: the volunteer arrives approved.
        volunteer = Volunteer.objects.create(
            user=user,
            postcode=self.rng.choice(POSTCODES),
            city="Lyon",
            latitude=45.76 + self.rng.uniform(-0.02, 0.02),
            longitude=4.84 + self.rng.uniform(-0.02, 0.02),
            travel_radius_km=15,
            visit_kinds=["home_visit", "phone_call"],
            max_commitments=3,
            vetting_state=Volunteer.Vetting.APPROVED,
            approved_at=now,
            charter_accepted_at=now,
            data_consent_at=now,
        )
        AvailabilitySlot.objects.bulk_create(
            AvailabilitySlot(volunteer=volunteer, weekday=day, start=datetime.time(9), end=datetime.time(19))
            for day in range(7)
        )
        # Most volunteers are reliable; a few forget often.
        self.reliability[volunteer.pk] = RATES["visit_happens"] if self.rng.random() < 0.85 else 0.6
        return volunteer

    def _person(self, k: int, association: Association, volunteers: list[Volunteer], load: dict, now) -> None:
        rng = self.rng
        coordinator = rng.choice(self.staff[association.pk])
        weekly = rng.random() < 0.8
        beneficiary = beneficiary_create(
            association=association,
            by=coordinator,
            first_name=f"Personne {k}",
            last_name="Simulée",
            address=f"{rng.randint(1, 120)} rue de la République",
            postcode=rng.choice(POSTCODES),
            city="Lyon",
            referral_source=Beneficiary.ReferralSource.CCAS,
            consent_by=Beneficiary.ConsentBy.PERSON,
            consent_on=timezone.localdate(),
            assessed_on=timezone.localdate(),  # the coordinator's assessment visit, done
            contact_target_days=7 if weekly else 14,
            contact_grace_days=2 if weekly else 3,
        )
        beneficiary_activate(beneficiary=beneficiary, by=coordinator)
        self.truth[beneficiary.pk] = Truth(
            pk=beneficiary.pk,
            target_days=beneficiary.contact_target_days,
            grace_days=beneficiary.contact_grace_days,
            activated_at=now,
        )
        # One person in twelve waits for a volunteer: only the staff's calls reach them.
        if rng.random() < 1 / 12:
            return
        local_time = datetime.time(rng.randint(10, 16), rng.choice((0, 30)))
        mission = mission_create(
            association=association,
            by=coordinator,
            kind="home_visit" if weekly else "phone_call",
            beneficiary=beneficiary,
            title="Visite hebdomadaire" if weekly else "Appel",
            recurrence="weekly",
            weekday=rng.randint(0, 6),
            local_time=local_time,
            first_date=timezone.localdate(),
            duration_minutes=60,
        )
        mission_publish(mission=mission, by=coordinator)
        self._match(mission, coordinator, volunteers, load)

    def _match(self, mission, coordinator, volunteers: list[Volunteer], load: dict) -> Match | None:
        for volunteer in self.rng.sample(volunteers, min(8, len(volunteers))):
            if load[volunteer.pk] >= volunteer.max_commitments or volunteer.left_at is not None:
                continue
            try:
                match = match_propose(mission=mission, volunteer=volunteer, by=coordinator)
            except DomainError:
                continue
            match_accept(match=match, volunteer=volunteer)
            match_introduce(match=match, by=coordinator, on=timezone.localdate())
            match_activate(match=match, by=coordinator)
            load[volunteer.pk] += 1
            return match
        self._refused("match")
        return None

    # --- the clock moves ---------------------------------------------------------------------

    def at(self, moment: datetime.datetime, kind: str, *args) -> None:
        heapq.heappush(self.events, _Event(moment, next(self.seq), kind, args))

    def act(self, before: datetime.datetime, now: datetime.datetime) -> None:
        """Everything that happens in (before, now]: visits as they start, the day's events, and
        what was planned for then (reports, acknowledgements, calls)."""
        self._new_alerts(before, now)
        self._visits_starting(before, now)
        day = timezone.localdate(now)
        if day != self.last_day:
            self.last_day = day
            self._day(now)
        while self.events and self.events[0].at <= now:
            event = heapq.heappop(self.events)
            getattr(self, f"_do_{event.kind}")(event.at, *event.args)

    def _count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    def _refused(self, name: str) -> None:
        self.refused[name] = self.refused.get(name, 0) + 1

    def _visits_starting(self, before, now) -> None:
        # Asked at every step, and most steps have no visit starting: a query for the keys alone
        # says so, and `ends_at > before` (implied: a visit ends after it starts) lets it read the
        # partial index of scheduled visits by end (visit_awaiting_report) rather than every visit
        # ever planned. The joins are paid for only when some visit starts. Ties at the same
        # start are taken by key, so the seeded draws do not depend on the query plan.
        starting = list(
            Visit.objects.filter(
                status=Visit.Status.SCHEDULED, starts_at__gt=before, starts_at__lte=now, ends_at__gt=before
            ).values_list("pk", flat=True)
        )
        if not starting:
            return
        visits = (
            Visit.objects.filter(pk__in=starting)
            .select_related("match__volunteer", "match__mission__beneficiary")
            .order_by("starts_at", "pk")
        )
        for visit in visits:
            volunteer = visit.match.volunteer
            beneficiary = visit.match.mission.beneficiary
            truth = self.truth.get(beneficiary.pk) if beneficiary else None
            if truth is None or visit.match.status != Match.Status.ACTIVE:
                continue
            away = volunteer.left_at is not None or volunteer.is_paused(timezone.localdate(visit.starts_at))
            absent = truth.ended_at is not None or (
                truth.in_hospital_until is not None and visit.starts_at < truth.in_hospital_until
            )
            if away:
                self._count("visits_volunteer_away")
                continue  # nobody goes, nobody reports: the chase will find it
            happened = not absent and self.rng.random() < self.reliability.get(volunteer.pk, RATES["visit_happens"])
            if happened:
                truth.contacts.append(visit.starts_at)
                self._count("visits_happened")
            else:
                self._count("visits_missed")
            roll = self.rng.random()
            hours = None
            if roll < RATES["report_now"]:
                hours = self.rng.uniform(0.2, 3)
            elif roll < RATES["report_now"] + RATES["report_late"]:
                hours = self.rng.uniform(4, 30)
            elif roll < RATES["report_now"] + RATES["report_late"] + RATES["report_after_chase"]:
                hours = self.rng.uniform(50, 96)
            if hours is not None and (happened or self.rng.random() < 0.5):
                self.at(visit.ends_at + datetime.timedelta(hours=hours), "report", visit.pk, volunteer.pk, happened)
            else:
                self._count("reports_never")

    def _do_report(self, at, visit_pk: int, volunteer_pk: int, happened: bool) -> None:
        visit = Visit.objects.filter(pk=visit_pk).first()
        volunteer = Volunteer.objects.select_related("user").filter(pk=volunteer_pk).first()
        if visit is None or volunteer is None:
            return
        urgent = happened and self.rng.random() < RATES["urgent_concern"]
        try:
            visit_report_submit(
                visit=visit,
                volunteer=volunteer,
                happened=happened,
                mood=VisitReport.Mood.values[0] if happened else "",
                concerns=[VisitReport.Concern.FALL] if urgent else [],
                notes="",
            )
            self._count("reports_filed")
            if urgent:
                self._count("urgent_concerns")
        except DomainError:
            self._refused("report")  # cancelled meanwhile (the match ended, the person left)

    def _day(self, now) -> None:
        """Once a simulated day: draw what happens to whom, at a moment of that day."""
        rng = self.rng
        today = timezone.localdate(now)
        for truth in self.truth.values():
            if truth.ended_at is not None:
                continue
            in_hospital = truth.in_hospital_until is not None and now < truth.in_hospital_until
            when = now + datetime.timedelta(minutes=rng.randint(30, 600))
            roll = rng.random()
            if roll < RATES["dies"]:
                self.at(when, "person_leaves", truth.pk, "died")
            elif roll < RATES["dies"] + RATES["into_care"]:
                self.at(when, "person_leaves", truth.pk, "moved into care")
            elif not in_hospital and roll < RATES["dies"] + RATES["into_care"] + RATES["hospital"]:
                self.at(when, "hospital", truth.pk, rng.randint(4, 20))
            elif not in_hospital and rng.random() < RATES["staff_call"]:
                self.at(when, "staff_call", truth.pk)
            elif not in_hospital and rng.random() < RATES["family_news"]:
                self.at(when, "family_news", truth.pk)
        volunteers = Volunteer.objects.filter(user__email__endswith="@simulation.invalid", left_at__isnull=True)
        for volunteer in volunteers.only("pk", "paused_until"):
            if volunteer.paused_until is not None and volunteer.paused_until >= today:
                continue
            when = now + datetime.timedelta(minutes=rng.randint(30, 600))
            roll = rng.random()
            if roll < RATES["volunteer_leaves"]:
                self.at(when, "volunteer_leaves", volunteer.pk)
            elif roll < RATES["volunteer_leaves"] + RATES["volunteer_ill"]:
                self.at(when, "volunteer_pause", volunteer.pk, rng.randint(5, 15), "ill")
            elif roll < RATES["volunteer_leaves"] + RATES["volunteer_ill"] + RATES["volunteer_holiday"]:
                self.at(when, "volunteer_pause", volunteer.pk, rng.randint(7, 21), "holiday")
        # "I can't come": some of tomorrow's visits are called off by their volunteer.
        soon = Visit.objects.filter(
            status=Visit.Status.SCHEDULED,
            starts_at__gt=now + datetime.timedelta(hours=12),
            starts_at__lte=now + datetime.timedelta(hours=36),
        ).values_list("pk", "starts_at")
        for pk, starts_at in soon:
            if rng.random() < RATES["cant_come"]:
                self.at(now + (starts_at - now) * rng.uniform(0.1, 0.6), "cant_come", pk)

    def _coordinator(self, association_id: int) -> User:
        return self.rng.choice(self.staff[association_id])

    def _do_person_leaves(self, at, pk: int, reason: str) -> None:
        beneficiary = Beneficiary.objects.get(pk=pk)
        coordinator = self._coordinator(beneficiary.association_id)
        with transaction.atomic():
            for match in Match.objects.filter(mission__beneficiary=beneficiary, status__in=Match.LIVE):
                match_end(match=match, by=coordinator, reason=reason)
            for mission in beneficiary.missions.exclude(status="closed"):
                mission_close(mission=mission, by=coordinator)
            beneficiary_end(beneficiary=beneficiary, by=coordinator, reason=reason)
        self.truth[pk].ended_at = at
        self._count(f"people_{reason.replace(' ', '_')}")

    def _do_hospital(self, at, pk: int, days: int) -> None:
        beneficiary = Beneficiary.objects.get(pk=pk)
        if beneficiary.status != Beneficiary.Status.ACTIVE:
            return
        until = timezone.localdate(at) + datetime.timedelta(days=days)
        beneficiary_pause(
            beneficiary=beneficiary, by=self._coordinator(beneficiary.association_id), reason="hospital", until=until
        )
        end = deadline.pause_end(paused_until=until, tz=PARIS)
        truth = self.truth[pk]
        truth.pauses.append((at, end))
        truth.in_hospital_until = end
        self._count("hospital_stays")

    def _do_staff_call(self, at, pk: int) -> None:
        beneficiary = Beneficiary.objects.get(pk=pk)
        if beneficiary.status != Beneficiary.Status.ACTIVE:
            return
        coordinator = self._coordinator(beneficiary.association_id)
        contact_record(beneficiary=beneficiary, kind=Contact.Kind.STAFF_CALL, occurred_at=at, recorded_by=coordinator)
        self.truth[pk].contacts.append(at)
        self._count("staff_calls")

    def _do_family_news(self, at, pk: int) -> None:
        """A relative says they saw the person, up to two days ago; the coordinator logs it."""
        beneficiary = Beneficiary.objects.get(pk=pk)
        if beneficiary.status != Beneficiary.Status.ACTIVE:
            return
        seen = at - datetime.timedelta(hours=self.rng.uniform(0, 48))
        coordinator = self._coordinator(beneficiary.association_id)
        contact_record(beneficiary=beneficiary, kind=Contact.Kind.FAMILY, occurred_at=seen, recorded_by=coordinator)
        self.truth[pk].contacts.append(seen)
        self._count("family_contacts")

    def _do_volunteer_pause(self, at, pk: int, days: int, why: str) -> None:
        volunteer = Volunteer.objects.get(pk=pk)
        if volunteer.left_at is not None:
            return
        volunteer_pause(volunteer=volunteer, until=timezone.localdate(at) + datetime.timedelta(days=days), reason=why)
        self._count(f"volunteer_{why}")

    def _do_volunteer_leaves(self, at, pk: int) -> None:
        volunteer_leave(volunteer=Volunteer.objects.get(pk=pk))
        self._count("volunteers_left")

    def _do_cant_come(self, at, pk: int) -> None:
        visit = Visit.objects.select_related("match__volunteer__user").get(pk=pk)
        try:
            visit_cancel(visit=visit, by=visit.match.volunteer.user, reason="I can't come")
            self._count("cant_come")
        except DomainError:
            self._refused("cant_come")

    def _new_alerts(self, before, now) -> None:
        """Coordinators see new alerts and answer some of them, after a while."""
        for alert in IsolationAlert.objects.filter(raised_at__gt=before, raised_at__lte=now).only(
            "pk", "raised_at", "kind", "association_id"
        ):
            roll = self.rng.random()
            if roll < RATES["ack_soon"]:
                delay = self.rng.uniform(1, 6)
            elif roll < RATES["ack_soon"] + RATES["ack_late"]:
                delay = self.rng.uniform(12, 36)
            else:
                self._count("alerts_never_acknowledged")
                continue
            self.at(alert.raised_at + datetime.timedelta(hours=delay), "acknowledge", alert.pk)

    def _do_acknowledge(self, at, pk: int) -> None:
        alert = IsolationAlert.objects.get(pk=pk)
        if alert.resolved_at is not None:
            return
        coordinator = self._coordinator(alert.association_id)
        try:
            alert_acknowledge(alert=alert, by=coordinator)
        except DomainError:
            self._refused("acknowledge")  # resolved meanwhile
            return
        self._count("alerts_acknowledged")
        truth = self.truth.get(alert.beneficiary_id)
        if truth is None or truth.ended_at is not None:
            return
        reached = truth.in_hospital_until is None or at >= truth.in_hospital_until
        reached = reached and self.rng.random() < RATES["call_reaches"]
        try:
            alert_call_log(alert=alert, by=coordinator, reached=reached, note="")
        except DomainError:
            self._refused("call")
            return
        if reached:
            truth.contacts.append(at)
            self._count("alert_calls_reached")
