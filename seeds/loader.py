"""Load the demo territory: three associations in Lyon, their staff, volunteers, beneficiaries,
missions, matches, two months of visits and reports, the contact ledger and a few alerts.

Everything is drawn from one `random.Random(seed)` and dated relative to `now`, so the same
seed gives the same territory, always "current". Rows are built in memory first and written
with bulk_create, in one transaction. Loading is idempotent: if the demo is already there,
nothing is written.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
import unicodedata
from contextlib import contextmanager
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from time_machine import travel

from liens.choices import IN_PERSON_KINDS, Interest
from liens.models import Notification
from missions import deadline
from missions.alerts.lifecycle import alert_new, resolution_fields, resolved_event
from missions.alerts.services import alert_assign, alert_call_log, alert_note_add, alerts_escalate
from missions.alerts.sweep import isolation_sweep
from missions.ledger import contact_record
from missions.models import (
    AlertEvent,
    Assessment,
    Association,
    Beneficiary,
    Contact,
    IsolationAlert,
    KeyContact,
    Match,
    Membership,
    Mission,
    VettingRecord,
    Visit,
    VisitReport,
)
from missions.reports import visit_report_submit
from seeds import territory as T
from volunteers.models import AvailabilitySlot, Volunteer
from volunteers.services import PROFILE_STEPS

DEFAULT_SEED = 20261123
UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")

ALL_INTERESTS = [c.value for c in Interest]
INTERESTS_FR = {
    "board_games": "les jeux de société",
    "cards": "les cartes",
    "gardening": "le jardinage",
    "reading": "la lecture",
    "music": "la musique",
    "cooking": "la cuisine",
    "walking": "les promenades",
    "history": "l'histoire de Lyon",
    "cinema": "le cinéma",
    "knitting": "le tricot et la couture",
    "sport": "le sport à la télé",
    "news": "l'actualité",
    "pets": "les animaux",
    "crosswords": "les mots croisés",
    "technology": "apprendre à se servir de sa tablette",
    "art": "la peinture",
}
LANGUAGES_FR = {
    "ar": "arabe",
    "it": "italien",
    "pt": "portugais",
    "es": "espagnol",
    "vi": "vietnamien",
    "en": "anglais",
    "de": "allemand",
}
CONTACT_KIND_FOR = {"home_visit": "visit", "phone_call": "call", "outing": "outing", "group_event": "group_event"}

# Matched beneficiaries (weekly visit or call) across the territory; the rest wait for a volunteer.
MATCHED_QUOTA = 40
# The reach of phone calls and group events in the matching score (settings.LIENS_MATCHING_MAX_RADIUS_KM).
MATCHING_HORIZON_KM = 20.0


# --- Public API -----------------------------------------------------------------------------


def demo_associations():
    return Association.objects.filter(name__in=[spec.name for spec in T.ASSOCIATIONS])


# Generated volunteers are prenom.nom.N@exemple.fr; other accounts on the domain (tests, a
# developer's own) are left alone.
DEMO_VOLUNTEER_EMAIL = r"^[a-z-]+\.[a-z-]+\.[0-9]+@" + T.DEMO_DOMAIN.replace(".", r"\.") + "$"


def demo_users():
    fixed = [spec.email for spec in T.STAFF] + [T.DEMO_VOLUNTEER["email"]]
    return get_user_model().objects.filter(Q(email__in=fixed) | Q(email__regex=DEMO_VOLUNTEER_EMAIL))


def is_loaded() -> bool:
    return (
        Association.objects.filter(name=T.ASSOCIATIONS[0].name).exists()
        or get_user_model().objects.filter(email=T.DEMO_VOLUNTEER["email"]).exists()
    )


def demo_counts(now: dt.datetime | None = None) -> dict:
    """What the demo territory holds, read back from the database."""
    now = now or timezone.now()
    assocs = demo_associations()
    beneficiaries = Beneficiary.objects.filter(association__in=assocs)
    matches = Match.objects.filter(mission__association__in=assocs)
    return {
        "associations": assocs.count(),
        "memberships": Membership.objects.filter(association__in=assocs).count(),
        "users": demo_users().count(),
        "volunteers": Volunteer.objects.filter(user__in=demo_users()).count(),
        "beneficiaries": beneficiaries.count(),
        "missions": Mission.objects.filter(association__in=assocs).count(),
        "matches": matches.count(),
        "active_matches": matches.filter(status=Match.Status.ACTIVE).count(),
        "visits": Visit.objects.filter(match__mission__association__in=assocs).count(),
        "reports": VisitReport.objects.filter(visit__match__mission__association__in=assocs).count(),
        "contacts": Contact.objects.filter(beneficiary__association__in=assocs).count(),
        "open_alerts": IsolationAlert.objects.filter(association__in=assocs, resolved_at__isnull=True).count(),
        # Past target + grace: due for the sweep, or already under an open no-contact alert.
        "overdue": beneficiaries.filter(status=Beneficiary.Status.ACTIVE)
        .filter(Q(alert_after__lte=now) | Q(alerts__kind="no_contact", alerts__resolved_at__isnull=True))
        .distinct()
        .count(),
    }


def load_demo(*, now: dt.datetime | None = None, seed: int = DEFAULT_SEED) -> dict:
    """Build the demo territory unless it is already there; return the counts and `created`."""
    now = now or timezone.now()
    if is_loaded():
        return {**demo_counts(now), "created": False}
    try:
        with transaction.atomic():
            _Builder(now=now, rng=random.Random(seed)).build()
    except IntegrityError:
        # Another process loaded it at the same moment: its copy stands.
        if not is_loaded():
            raise
        return {**demo_counts(now), "created": False}
    return {**demo_counts(now), "created": True}


def reset_demo() -> None:
    """Delete the demo territory: its associations and everything under them, and the demo
    accounts (the fixed ones and the generated volunteers)."""
    with transaction.atomic():
        assocs = demo_associations()
        IsolationAlert.objects.filter(Q(association__in=assocs) | Q(beneficiary__association__in=assocs)).delete()
        Contact.objects.filter(beneficiary__association__in=assocs).delete()
        Match.objects.filter(mission__association__in=assocs).delete()
        Mission.objects.filter(association__in=assocs).delete()
        Beneficiary.objects.filter(association__in=assocs).delete()
        assocs.delete()
        demo_users().delete()


# --- Helpers --------------------------------------------------------------------------------


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in ascii_text.replace(" ", "-") if ch.isalnum() or ch == "-").strip("-")


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def _t(hm: tuple[int, int]) -> dt.time:
    return dt.time(*hm)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


STREET_KINDS = {"Rue", "Avenue", "Boulevard", "Cours", "Quai", "Place", "Montée", "Route", "Allée"}


@contextmanager
def _given_timestamps(model, name: str):
    field = model._meta.get_field(name)
    saved = field.auto_now_add
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = saved


class _Builder:
    def __init__(self, *, now: dt.datetime, rng: random.Random):
        self.now = now
        self.rng = rng
        self.today = now.astimezone(PARIS).date()
        self.password = make_password(T.DEMO_PASSWORD)

        self.users: list = []
        self.associations: list[Association] = []
        self.memberships: list[Membership] = []
        self.volunteers: list[Volunteer] = []
        self.slots: list[AvailabilitySlot] = []
        self.vetting_records: list[VettingRecord] = []
        self.beneficiaries: list[Beneficiary] = []
        self.key_contacts: list[KeyContact] = []
        self.assessments: list[Assessment] = []
        self.missions: list[Mission] = []
        self.matches: list[Match] = []
        self.visits: list[Visit] = []
        self.reports: list[VisitReport] = []
        self.contacts: list[Contact] = []
        self.alerts: list[IsolationAlert] = []
        self.events: list[AlertEvent] = []
        self.silences: list[tuple[Beneficiary, bool]] = []  # (person, taken in hand)

        self.admin = None
        self.coordinators: list = []  # one per association, by index
        self.camille: Volunteer | None = None
        self.fresh_overdue: Beneficiary | None = None
        self.urgent: tuple[VisitReport, dt.datetime, dt.datetime] | None = None  # report, taken, family called

    # --- time -------------------------------------------------------------------------------

    def at_local(self, day: dt.date, time: dt.time) -> dt.datetime:
        """A local wall-clock time in Lyon as an aware UTC datetime (right across DST)."""
        return dt.datetime.combine(day, time, tzinfo=PARIS).astimezone(UTC)

    def days_ago(self, days: float) -> dt.datetime:
        return self.now - dt.timedelta(days=days)

    def office_time(self, days: int) -> dt.datetime:
        """Some time during office hours `days` days ago, never in the future."""
        while True:
            day = self.today - dt.timedelta(days=days)
            when = self.at_local(day, dt.time(self.rng.randint(9, 16), self.rng.choice([0, 15, 30, 45])))
            if when <= self.now:
                return when
            days += 1

    def phone(self, landline: bool = False) -> str:
        r = self.rng
        head = r.choice(["04 78", "04 72", "04 78", "04 37"]) if landline else r.choice(["06", "06", "07"])
        groups = 3 if landline else 4
        return head + "".join(f" {r.randint(10, 99)}" for _ in range(groups))

    def scatter(self, hood: T.Neighbourhood) -> tuple[float, float]:
        lat = hood.latitude + self.rng.uniform(-hood.spread_lat, hood.spread_lat)
        lon = hood.longitude + self.rng.uniform(-hood.spread_lon, hood.spread_lon)
        return round(lat, 6), round(lon, 6)

    def street_address(self, hood: T.Neighbourhood) -> str:
        number = self.rng.randint(1, 110)
        suffix = " bis" if self.rng.random() < 0.05 else ""
        street = self.rng.choice(hood.streets)
        kind, _, rest = street.partition(" ")
        if kind in STREET_KINDS:
            street = f"{kind.lower()} {rest}"
        return f"{number}{suffix} {street}"

    # --- build ------------------------------------------------------------------------------

    def build(self) -> None:
        self.make_staff_and_associations()
        self.make_volunteers()
        self.make_beneficiaries()
        self.make_group_events_and_outings()
        self.make_proposals()
        self.make_ledger_extras()
        self.finish_beneficiaries()
        self.plan_alerts()
        outbox_before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
        self.write()
        self.replay_ledger()
        self.replay_silences()
        # What the replayed services and jobs wrote to the outbox then is not sent today.
        Notification.objects.filter(pk__gt=outbox_before).delete()

    def new_user(self, email: str, first: str, last: str, phone: str, joined: dt.datetime, **extra):
        User = get_user_model()
        user = User(
            email=email,
            first_name=first,
            last_name=last,
            phone=phone,
            date_joined=joined,
            password=self.password,
            language="fr",
            **extra,
        )
        self.users.append(user)
        return user

    def make_staff_and_associations(self) -> None:
        r = self.rng
        staff_users = []
        for spec in T.STAFF:
            extra = {"is_staff": True, "is_superuser": True} if spec.role == "admin" else {}
            user = self.new_user(
                spec.email, spec.first_name, spec.last_name, spec.phone, self.days_ago(r.randint(300, 420)), **extra
            )
            user.last_login = self.days_ago(r.uniform(0.1, 3))
            staff_users.append((spec, user))
        self.admin = staff_users[0][1]

        for index, spec in enumerate(T.ASSOCIATIONS):
            created = self.days_ago(330 - 40 * index)
            assoc = Association(
                name=spec.name,
                siret=spec.siret,
                rna=spec.rna,
                address=spec.address,
                postcode=spec.postcode,
                city=T.CITY,
                latitude=spec.latitude,
                longitude=spec.longitude,
                territory=T.TERRITORY,
                contact_email=spec.contact_email,
                contact_phone=spec.contact_phone,
                timezone="Europe/Paris",
                default_contact_target_days=7,
                default_contact_grace_days=2,
                preferences=dict(spec.preferences),
                validated_at=created + dt.timedelta(days=3, hours=5),
                validated_by=self.admin,
            )
            assoc._when = created
            assoc._spec = spec
            self.associations.append(assoc)

        self.coordinators = [None] * len(self.associations)
        for spec, user in staff_users:
            if spec.association is None:
                continue
            membership = Membership(user=user, association=self.associations[spec.association], role=spec.role)
            membership._when = self.associations[spec.association]._when + dt.timedelta(days=1)
            self.memberships.append(membership)
            if spec.role == "coordinator":
                self.coordinators[spec.association] = user

    # --- volunteers -------------------------------------------------------------------------

    def make_volunteers(self) -> None:
        r = self.rng
        c = T.DEMO_VOLUNTEER
        approved_at = self.days_ago(150)
        user = self.new_user(c["email"], c["first_name"], c["last_name"], c["phone"], self.days_ago(185))
        user.last_login = self.days_ago(1.2)
        camille = Volunteer(
            user=user,
            gender=c["gender"],
            birth_year=c["birth_year"],
            postcode=c["postcode"],
            address=c["address"],
            city=T.CITY,
            latitude=c["latitude"],
            longitude=c["longitude"],
            travel_radius_km=Decimal(c["travel_radius_km"]),
            interests=list(c["interests"]),
            languages=list(c["languages"]),
            visit_kinds=list(c["visit_kinds"]),
            max_commitments=c["max_commitments"],
            profile_steps_done=list(PROFILE_STEPS),
            notify_email=True,
            notify_sms=True,
            notify_push=False,
        )
        self.vet(camille, "approved", approved_at, self.coordinators[0])
        camille._slots = [(wd, *PERIOD_TIMES[p]) for wd, p in c["slots"]]
        camille._live = 0
        camille._when = user.date_joined
        self.camille = camille
        self.volunteers.append(camille)

        hoods = list(T.NEIGHBOURHOODS.values())
        generated = 59
        # Vetting plan: 44 approved (2 of them paused), 14 pending, 1 rejected.
        plan = ["approved"] * 44 + ["pending"] * 14 + ["rejected"]
        r.shuffle(plan)
        paused_left = 2
        for i in range(generated):
            gender = r.choices(["female", "male", "other"], weights=[62, 33, 5])[0]
            first = r.choice(
                {"female": T.VOLUNTEER_FIRST_FEMALE, "male": T.VOLUNTEER_FIRST_MALE, "other": T.VOLUNTEER_FIRST_OTHER}[
                    gender
                ]
            )
            last = r.choice(T.VOLUNTEER_EXTRA_LAST) if r.random() < 0.12 else r.choice(T.LAST_NAMES)
            email = f"{_slug(first)}.{_slug(last)}.{i + 1}@{T.DEMO_DOMAIN}"
            age_group = r.choices(["student", "worker", "retired"], weights=[25, 45, 30])[0]
            birth_year = {
                "student": r.randint(2000, 2006),
                "worker": r.randint(1968, 1996),
                "retired": r.randint(1950, 1962),
            }[age_group]
            state = plan[i]
            joined = self.days_ago(r.randint(3, 45) if state == "pending" else r.randint(75, 720))
            user = self.new_user(email, first, last, self.phone(), joined)
            if state != "pending" or r.random() < 0.5:
                user.last_login = self.days_ago(r.uniform(0.2, 20))
            hood = r.choice(hoods)
            lat, lon = self.scatter(hood)
            languages = ["fr"]
            if r.random() < 0.35:
                languages.append(
                    r.choices(["en", "es", "ar", "it", "pt", "de", "vi", "lsf"], [30, 15, 14, 10, 8, 8, 3, 2])[0]
                )
            if r.random() < 0.1:
                extra = r.choice(["en", "es", "it"])
                if extra not in languages:
                    languages.append(extra)
            kinds = [
                k
                for k, p in (("home_visit", 0.8), ("phone_call", 0.5), ("outing", 0.4), ("group_event", 0.35))
                if r.random() < p
            ]
            if not kinds:
                kinds = [r.choice(["home_visit", "phone_call", "group_event"])]
            volunteer = Volunteer(
                user=user,
                gender=gender,
                birth_year=birth_year,
                postcode=hood.postcode,
                address=self.street_address(hood) if r.random() < 0.7 else "",
                city=T.CITY,
                latitude=lat,
                longitude=lon,
                travel_radius_km=Decimal(
                    r.choice(["1.0", "1.5", "2.0", "2.5", "3.0", "3.0", "4.0", "5.0", "6.0", "8.0"])
                ),
                interests=r.sample(ALL_INTERESTS, r.randint(2, 5)),
                languages=languages,
                visit_kinds=kinds,
                max_commitments=r.choices([1, 2, 3], weights=[35, 45, 20])[0],
                profile_steps_done=list(PROFILE_STEPS),
                notify_email=r.random() < 0.9,
                notify_sms=r.random() < 0.4,
                notify_push=r.random() < 0.25,
            )
            if not (volunteer.notify_email or volunteer.notify_sms or volunteer.notify_push):
                volunteer.notify_email = True
            vetter = self.coordinators[r.randrange(len(self.coordinators))]
            if state == "approved":
                self.vet(volunteer, "approved", joined + dt.timedelta(days=r.randint(20, 45)), vetter)
                if paused_left and r.random() < 0.2:
                    paused_left -= 1
                    volunteer.paused_until = self.today + dt.timedelta(days=r.randint(10, 60))
                    volunteer.pause_reason = r.choice(
                        ["Examens de fin de semestre", "Voyage à l'étranger", "Congé parental"]
                    )
            else:
                self.vet(volunteer, state, joined, vetter)

            period_weights = {
                "student": {"morning": 1, "afternoon": 3, "evening": 4},
                "worker": {"morning": 1, "afternoon": 1, "evening": 5},
                "retired": {"morning": 4, "afternoon": 5, "evening": 1},
            }[age_group]
            slots = set()
            for _ in range(r.randint(1, 4)):
                if age_group == "worker" and r.random() < 0.5:
                    weekday = r.choice([5, 6])
                    period = r.choice(["morning", "afternoon"])
                else:
                    weekday = r.randint(0, 6) if age_group != "retired" else r.randint(0, 5)
                    period = r.choices(list(period_weights), weights=list(period_weights.values()))[0]
                slots.add((weekday, period))
            volunteer._slots = [(wd, *PERIOD_TIMES[p]) for wd, p in sorted(slots)]
            volunteer._live = 0
            volunteer._when = joined
            self.volunteers.append(volunteer)

        for volunteer in self.volunteers:
            for weekday, start, end in volunteer._slots:
                self.slots.append(AvailabilitySlot(volunteer=volunteer, weekday=weekday, start=start, end=end))

    def vet(self, v: Volunteer, state: str, when: dt.datetime, vetter) -> None:
        r = self.rng
        v.vetting_state = state
        v.data_consent_at = v.user.date_joined + dt.timedelta(minutes=r.randint(2, 30))
        if state == "approved":
            v.approved_at = when
            v.interview_on = (when - dt.timedelta(days=r.randint(12, 20))).date()
            v.training_on = (when - dt.timedelta(days=r.randint(3, 10))).date()
            v.background_check_on = (when - dt.timedelta(days=r.randint(1, 8))).date()
            v.background_check_by = vetter
            v.charter_accepted_at = v.data_consent_at + dt.timedelta(days=r.randint(0, 3))
        elif state == "pending":
            if r.random() < 0.6:
                v.charter_accepted_at = v.data_consent_at + dt.timedelta(hours=r.randint(1, 48))
            if r.random() < 0.4 and (self.now - when).days > 7:
                v.interview_on = (when + dt.timedelta(days=r.randint(3, 7))).date()
        else:  # rejected after the interview
            v.interview_on = (when + dt.timedelta(days=10)).date()
            v.charter_accepted_at = v.data_consent_at
        # Each step done names the association that recorded it, as vetting_step_record does.
        association = self.associations[self.coordinators.index(vetter)]
        for step, done_on in (("interview", v.interview_on), ("training", v.training_on)):
            if done_on is not None:
                self.vetting_record(v, step, done_on, association, vetter)
        if v.background_check_on is not None:
            self.vetting_record(v, "background_check", v.background_check_on, association, vetter)

    def vetting_record(self, v: Volunteer, step: str, done_on: dt.date, association, vetter) -> None:
        record = VettingRecord(volunteer=v, step=step, done_on=done_on, association=association, recorded_by=vetter)
        record._when = min(self.now, dt.datetime.combine(done_on, dt.time(17), tzinfo=dt.UTC))
        self.vetting_records.append(record)

    # --- beneficiaries, their missions, matches and visits -----------------------------------

    def make_beneficiaries(self) -> None:
        r = self.rng
        total = sum(spec.beneficiaries for spec in T.ASSOCIATIONS)
        for index, assoc in enumerate(self.associations):
            spec: T.AssociationSpec = assoc._spec
            coordinator = self.coordinators[index]
            fixed = 2 if index == 0 else 0
            rest = spec.beneficiaries - fixed - spec.intake - spec.paused - spec.ended - spec.overdue
            quota = round(MATCHED_QUOTA * spec.beneficiaries / total) - (1 if index == 0 else 0)
            plan = (
                ["intake"] * spec.intake
                + ["paused"] * spec.paused
                + ["ended"] * spec.ended
                + ["overdue"] * spec.overdue
                + ["candidate"] * min(quota + 3, rest)
                + ["waiting"] * max(0, rest - quota - 3)
            )
            r.shuffle(plan)
            if index == 0:
                self.make_jeanne(assoc, coordinator)
                self.make_marcel(assoc, coordinator)
            matched = 0
            for category in plan:
                if category == "candidate":
                    category = "matched" if matched < quota else "waiting"
                b = self.make_person(assoc, category)
                if category == "matched":
                    if self.match_weekly(b, coordinator):
                        matched += 1
                    else:
                        b._category = "waiting"
                        self.open_mission(b, coordinator)
                elif category == "waiting":
                    self.open_mission(b, coordinator)
                elif category == "overdue":
                    self.make_overdue(b, coordinator)
                elif category == "paused":
                    self.make_paused(b, coordinator)
                elif category == "ended":
                    self.make_ended(b, coordinator)
                elif category == "intake":
                    self.make_intake(b, coordinator)

    def make_person(
        self, assoc: Association, category: str, fixed: dict | None = None, created_days: int | None = None
    ) -> Beneficiary:
        r = self.rng
        spec: T.AssociationSpec = assoc._spec
        span = {
            "matched": (60, 720),
            "waiting": (12, 120),
            "overdue": (70, 500),
            "paused": (120, 600),
            "ended": (300, 700),
            "intake": (2, 25),
        }[category]
        created = self.days_ago((created_days or r.randint(*span)) + r.random())

        profile = r.choices(T.ELDER_PROFILES, weights=[p[0] for p in T.ELDER_PROFILES])[0]
        _, females, males, lasts, language, required_chance = profile
        gender = (fixed or {}).get("gender") or ("female" if r.random() < 0.66 else "male")
        first = r.choice(females if gender == "female" else males)
        last = r.choice(lasts)
        keys, weights = zip(*spec.neighbourhoods, strict=True)
        hood = T.NEIGHBOURHOODS[r.choices(keys, weights=weights)[0]]
        lat, lon = self.scatter(hood)
        languages = ["fr"] + ([language] if language else [])
        required = [language] if language and r.random() < required_chance else []
        if gender == "female":
            preference = r.choices(["any", "female"], weights=[55, 45])[0]
        else:
            preference = r.choices(["any", "female", "male"], weights=[70, 10, 20])[0]

        source = r.choices(
            [s.value for s in Beneficiary.ReferralSource],
            weights=[24, 8, 15, 10, 15, 8, 7, 11, 2],
        )[0]
        referrer_name, referrer_contact = self.referrer(source, hood, last)
        has_pets = r.random() < 0.22
        words = T.GENDER_WORDS[gender]
        tips = [tip.format(**words) for tip in r.sample(T.PRACTICAL_TIPS, r.randint(1, 2))]
        if has_pets:
            tips.append(
                r.choice(
                    ["A un chat très câlin, Minou.", "Petit chien qui aboie mais ne mord pas.", "Perruche bavarde !"]
                )
            )
        floor = r.choice(["1er", "2e", "3e", "4e", "5e", "6e"])
        access = r.choice(T.ACCESS_NOTES).format(
            code=f"{r.randint(1000, 9999)}{r.choice('ABCDE')}", floor=floor, last=last.upper(), **words
        )

        b = Beneficiary(
            association=assoc,
            first_name=first,
            last_name=last,
            birth_year=r.randint(1928, 1950),
            gender=gender,
            phone=self.phone(landline=r.random() < 0.6),
            address=self.street_address(hood),
            postcode=hood.postcode,
            city=T.CITY,
            neighbourhood=hood.name,
            latitude=lat,
            longitude=lon,
            access_notes=access,
            practical_tips=" ".join(tips),
            referral_source=source,
            referrer_name=referrer_name,
            referrer_contact=referrer_contact,
            referral_reason=r.choice(T.REFERRAL_REASONS).format(**words),
            interests=r.sample(ALL_INTERESTS, r.randint(2, 4)),
            languages=languages,
            required_languages=required,
            visitor_preference=preference,
            best_times=r.choice(T.BEST_TIMES),
            mobility_notes=r.choice(T.MOBILITY_NOTES).format(**words),
            hearing_notes=r.choice(T.HEARING_NOTES).format(**words),
            has_pets=has_pets,
            smoker=r.random() < 0.12,
            apa_social_hours=r.random() < 0.2,
            status="intake"
            if category == "intake"
            else "paused"
            if category == "paused"
            else "ended"
            if category == "ended"
            else "active",
            contact_target_days=7,
            contact_grace_days=2,
        )
        if category in ("matched", "waiting") and r.random() < 0.1:
            b.contact_target_days = 14
        if fixed:
            for key, value in fixed.items():
                setattr(b, key, value)
        self.record_consent(b, created, category)
        b._when = created
        b._category = category
        b._assoc_index = self.associations.index(assoc)
        self.beneficiaries.append(b)
        self.add_key_contacts(b)
        self.add_assessments(b)
        # The first call, once referred: every file starts with one.
        if category != "intake" or r.random() < 0.5:
            self.add_contact(
                b,
                "staff_call",
                min(created + dt.timedelta(days=r.randint(1, 3), hours=2), self.now - dt.timedelta(hours=2)),
                notes=T.STAFF_CALL_NOTES[3],
            )
        return b

    def referrer(self, source: str, hood: T.Neighbourhood, last: str) -> tuple[str, str]:
        r = self.rng
        first, g = self.someone()
        other = r.choice(T.LAST_NAMES)
        f = g == "female"
        arrondissement = int(hood.postcode[-1])
        suffix = "er" if arrondissement == 1 else "e"
        email = f"{_slug(first)[0]}.{_slug(other)}@{T.DEMO_DOMAIN}"
        return {
            "ccas": (
                f"{first} {other}, {'travailleuse sociale' if f else 'travailleur social'} "
                f"(CCAS, antenne du {arrondissement}{suffix})",
                email,
            ),
            "clic": (
                f"{first} {other}, Maison de la Métropole pour les solidarités du {arrondissement}{suffix}",
                email,
            ),
            "gp": (f"Dr {other}, médecin traitant", self.phone(landline=True)),
            "hospital": (
                "Service social, hôpital de la Croix-Rousse"
                if arrondissement in (1, 4, 9)
                else "Service social, hôpital Édouard Herriot",
                self.phone(landline=True),
            ),
            "family": (f"{first} {last}, {r.choice(T.RELATIONS_FAMILY[g])}", self.phone()),
            "neighbour": (f"{first} {other}, {'voisine' if f else 'voisin'} de palier", self.phone()),
            "self": ("", ""),
            "link_worker": (
                f"{first} {other}, {'coordinatrice' if f else 'coordinateur'} de parcours (prescription sociale)",
                email,
            ),
            "other": (
                f"{first} {other}, {'pharmacienne' if f else 'pharmacien'} du quartier",
                self.phone(landline=True),
            ),
        }[source]

    def someone(self) -> tuple[str, str]:
        """A first name for a relative or a professional, and its gender."""
        if self.rng.random() < 0.6:
            return self.rng.choice(T.VOLUNTEER_FIRST_FEMALE), "female"
        return self.rng.choice(T.VOLUNTEER_FIRST_MALE), "male"

    def record_consent(self, b: Beneficiary, created: dt.datetime, category: str) -> None:
        r = self.rng
        b._ready = min(created + dt.timedelta(days=3), self.now - dt.timedelta(hours=1))
        if category == "intake":
            if (self.now - created).days >= 10 and r.random() < 0.5:
                b.assessed_on = (created + dt.timedelta(days=r.randint(3, 7))).astimezone(PARIS).date()
            return
        assessed = created + dt.timedelta(days=r.randint(3, 10))
        b.assessed_on = assessed.astimezone(PARIS).date()
        if r.random() < 0.12:
            b.consent_by = "representative"
            b.consent_on = min(b.assessed_on + dt.timedelta(days=r.randint(2, 8)), self.today)
        else:
            b.consent_by = "person"
            b.consent_on = b.assessed_on
        b._ready = self.at_local(b.consent_on, dt.time(18, 0))

    def add_key_contacts(self, b: Beneficiary) -> None:
        r = self.rng
        wanted = r.randint(0, 1) if b.status == "intake" else r.randint(1, 2)
        kinds = ["family", "gp", "carer", "trusted"]
        if b.consent_by == "representative":
            kinds = ["family"] + kinds
        for kind in kinds[:wanted] if b.consent_by == "representative" else r.sample(kinds, wanted):
            first, g = self.someone()
            if kind == "family":
                relation = r.choice(T.RELATIONS_FAMILY[g])
                if b.consent_by == "representative":
                    relation += " (habilitation familiale)"
                name = f"{first} {b.last_name if r.random() < 0.6 else r.choice(T.LAST_NAMES)}"
                email = f"{_slug(first)}.{_slug(name.split(' ', 1)[1])}@{T.DEMO_DOMAIN}" if r.random() < 0.5 else ""
                self.key_contacts.append(
                    KeyContact(beneficiary=b, kind=kind, name=name, relation=relation, phone=self.phone(), email=email)
                )
            elif kind == "gp":
                self.key_contacts.append(
                    KeyContact(
                        beneficiary=b,
                        kind=kind,
                        name=f"Dr {r.choice(T.LAST_NAMES)}",
                        relation="médecin traitant",
                        phone=self.phone(landline=True),
                    )
                )
            elif kind == "carer":
                self.key_contacts.append(
                    KeyContact(
                        beneficiary=b,
                        kind=kind,
                        name=f"{first} (service d'aide à domicile)",
                        relation="aide à domicile",
                        phone=self.phone(),
                    )
                )
            else:
                self.key_contacts.append(
                    KeyContact(
                        beneficiary=b,
                        kind=kind,
                        name=f"{first} {r.choice(T.LAST_NAMES)}",
                        relation=r.choice(
                            ["voisine", "amie de longue date", "gardienne de l'immeuble"]
                            if g == "female"
                            else ["voisin", "ami de longue date", "gardien de l'immeuble"]
                        ),
                        phone=self.phone(),
                    )
                )

    def add_assessments(self, b: Beneficiary) -> None:
        r = self.rng
        if b.assessed_on is None or b.status == "intake" or r.random() > 0.45:
            return
        coordinator = self.coordinators[b._assoc_index]
        answers = [r.choices([1, 2, 3], weights=[2, 4, 4])[0] for _ in range(3)]
        self.assessments.append(
            Assessment(
                beneficiary=b,
                scale="ucla3",
                answers=answers,
                score=sum(answers),
                taken_on=b.assessed_on,
                recorded_by=coordinator,
            )
        )
        follow_up = b.assessed_on + dt.timedelta(days=r.randint(85, 100))
        if follow_up < self.today and r.random() < 0.4:
            answers = [max(1, a - (1 if r.random() < 0.4 else 0)) for a in answers]
            self.assessments.append(
                Assessment(
                    beneficiary=b,
                    scale="ucla3",
                    answers=answers,
                    score=sum(answers),
                    taken_on=follow_up,
                    recorded_by=coordinator,
                )
            )
        if r.random() < 0.5:
            network = [r.choices([0, 1, 2, 3, 4, 5], weights=[3, 4, 3, 2, 1, 1])[0] for _ in range(6)]
            self.assessments.append(
                Assessment(
                    beneficiary=b,
                    scale="lsns6",
                    answers=network,
                    score=sum(network),
                    taken_on=b.assessed_on,
                    recorded_by=coordinator,
                )
            )

    # The fixed demo people of association 1.

    def make_jeanne(self, assoc: Association, coordinator) -> None:
        j = T.DEMO_BENEFICIARY
        fields = {
            k: j[k]
            for k in (
                "first_name",
                "last_name",
                "birth_year",
                "gender",
                "phone",
                "address",
                "postcode",
                "neighbourhood",
                "latitude",
                "longitude",
                "interests",
                "languages",
                "visitor_preference",
                "access_notes",
                "practical_tips",
                "best_times",
                "mobility_notes",
                "hearing_notes",
                "referral_source",
                "referrer_name",
                "referral_reason",
            )
        }
        fields.update(required_languages=[], has_pets=False, smoker=False, apa_social_hours=True, contact_target_days=7)
        b = self.make_person(assoc, "matched", fixed=fields, created_days=170)
        b.consent_by, b.consent_on = "person", b.assessed_on
        b._ready = self.at_local(b.consent_on, dt.time(18, 0))
        activation = self.days_ago(125)
        self.match_weekly(
            b,
            coordinator,
            volunteer=self.camille,
            kind="home_visit",
            schedule=(j["weekday"], _t(j["local_time"]), j["duration"]),
            activation=activation,
        )

    def make_marcel(self, assoc: Association, coordinator) -> None:
        m = T.DEMO_PHONE_BENEFICIARY
        fields = {
            k: m[k]
            for k in (
                "first_name",
                "last_name",
                "birth_year",
                "gender",
                "phone",
                "address",
                "postcode",
                "neighbourhood",
                "latitude",
                "longitude",
                "interests",
                "languages",
            )
        }
        fields.update(
            required_languages=[],
            visitor_preference="any",
            referral_source="gp",
            referrer_name="Dr Perrin, médecin traitant",
        )
        b = self.make_person(assoc, "waiting", fixed=fields, created_days=40)
        b.referral_reason = (
            "Ne peut plus sortir depuis l'automne ; attend avec impatience le coup de fil du soir "
            "quand sa fille appelle."
        )
        b.hearing_notes = "Bonne audition au téléphone"
        mission = self.open_mission(
            b, coordinator, kind="phone_call", schedule=(m["weekday"], _t(m["local_time"]), m["duration"])
        )
        mission.status = "open"
        mission.first_date = mission.first_date or self.today + dt.timedelta(days=7)
        self._marcel_mission = mission

    # Missions.

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
        mission._when = created
        self.missions.append(mission)
        return mission

    def pick_schedule(
        self, kind: str, volunteer: Volunteer | None = None, duration: int | None = None
    ) -> tuple[int, dt.time, int]:
        r = self.rng
        if duration is None:
            duration = r.choice([60, 60, 90, 90, 120]) if kind == "home_visit" else r.choice([20, 30, 30, 45])
        if volunteer is not None:
            slots = [s for s in volunteer._slots if _minutes(s[2]) - _minutes(s[1]) >= duration]
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
        first_date = None if draft else self.today + dt.timedelta(days=r.randint(2, 14))
        return self.new_mission(b, coordinator, kind, "draft" if draft else "open", schedule, first_date, created)

    def find_volunteer(
        self, b: Beneficiary | None, kind: str, *, weekday=None, at=None, duration=60, exclude=(), near=None
    ):
        """A volunteer who passes the matching hard rules, among the three closest (to the
        person, or to `near`, the place of a group event)."""
        r = self.rng
        candidates = []
        for v in self.volunteers:
            if v is self.camille or v in exclude:
                continue
            if v.vetting_state != "approved" or v.is_paused(self.today) or v._live >= v.max_commitments:
                continue
            if kind not in v.visit_kinds:
                continue
            if at is not None:
                end = (dt.datetime.combine(self.today, at) + dt.timedelta(minutes=duration)).time()
                if not any(wd == weekday and s <= at and end <= e for wd, s, e in v._slots):
                    continue
            if b is None:
                candidates.append((_km(*near, v.latitude, v.longitude) if near else 0.0, v))
                continue
            if b.required_languages and not set(b.required_languages) & set(v.languages):
                continue
            if b.visitor_preference in ("female", "male") and v.gender != b.visitor_preference:
                continue
            distance = _km(b.latitude, b.longitude, v.latitude, v.longitude)
            if kind in IN_PERSON_KINDS and distance > float(v.travel_radius_km):
                continue
            candidates.append((distance, v))
        if not candidates:
            return None, 0.0
        candidates.sort(key=lambda c: c[0])
        distance, volunteer = r.choice(candidates[:3])
        return volunteer, distance

    def score(self, mission: Mission, v: Volunteer, distance: float) -> tuple[float, dict]:
        """The named parts of missions.matching at proposal time (each 0..1), and their weighted sum."""
        b = mission.beneficiary
        shared = len(set(b.interests) & set(v.interests)) if b is not None else 0
        reach = float(v.travel_radius_km) if mission.kind in IN_PERSON_KINDS else MATCHING_HORIZON_KM
        slack = 0.0
        if mission.weekday is not None and mission.local_time is not None:
            begin = _minutes(mission.local_time)
            for weekday, start, end in v._slots:
                if weekday == mission.weekday and _minutes(start) <= begin < _minutes(end):
                    slack = (_minutes(end) - _minutes(start) - mission.duration_minutes) / 120
        parts = {
            "distance": round(min(1.0, max(0.0, 1 - distance / reach)), 3),
            "interests": round(min(shared, 3) / 3, 3),
            "slack": round(min(1.0, max(0.0, slack)), 3),
            "continuity": 0.0,
            "load": round(max(0.0, 1 - v._live / v.max_commitments), 3),
            "reliability": 0.5,  # a newcomer's smoothed share of reported visits
        }
        weights = getattr(settings, "LIENS_MATCHING_WEIGHTS", {})
        return round(sum(weights.get(name, 0.0) * value for name, value in parts.items()), 4), parts

    def match_weekly(self, b, coordinator, *, volunteer=None, kind=None, schedule=None, activation=None) -> bool:
        r = self.rng
        kind = kind or r.choices(["home_visit", "phone_call"], weights=[78, 22])[0]
        distance = 0.0
        if volunteer is None:
            volunteer, distance = self.find_volunteer(b, kind)
            if volunteer is None:
                return False
        else:
            distance = _km(b.latitude, b.longitude, volunteer.latitude, volunteer.longitude)
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
            distance,
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
            review = _add_months(review, every)
        match.next_review_on = review

    def new_match(self, volunteer, mission, status, proposed_by, distance, proposed) -> Match:
        r = self.rng
        score, parts = self.score(mission, volunteer, distance)
        match = Match(
            volunteer=volunteer, mission=mission, status=status, proposed_by=proposed_by, score=score, score_parts=parts
        )
        match._when = proposed
        if status != "proposed":
            match.responded_at = proposed + dt.timedelta(hours=r.randint(2, 40))
        if status in Match.LIVE:
            volunteer._live += 1
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
                visit.cancelled_by = (
                    match.volunteer.user
                    if r.random() < 0.6
                    else self.coordinators[self.associations.index(mission.association)]
                )
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
                CONTACT_KIND_FOR[mission.kind],
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

    # Other life stories.

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
        if r.random() < 0.6:
            # A volunteer used to come, then stopped: the match ended, the mission reopened.
            volunteer, distance = self.find_volunteer(b, mission.kind)
            volunteer = volunteer or r.choice(
                [v for v in self.volunteers if v.vetting_state == "approved" and v is not self.camille]
            )
            last_day -= dt.timedelta(days=(last_day.weekday() - mission.weekday) % 7)
            activation = max(
                b._ready + dt.timedelta(days=12),
                self.at_local(last_day, dt.time(0, 0)) - dt.timedelta(days=r.randint(60, 200)),
            )
            last_visit = self.at_local(last_day, mission.local_time)
            if activation < last_visit:
                match = self.new_match(
                    volunteer, mission, "ended", coordinator, distance, proposed=activation - dt.timedelta(days=5)
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
        b.paused_until = self.today + dt.timedelta(days=r.randint(7, 40))
        b.pause_reason = r.choice(T.PAUSE_REASONS)
        kind = "home_visit"
        volunteer, distance = self.find_volunteer(b, kind)
        if volunteer is None:
            self.open_mission(b, coordinator, kind=kind).status = "draft"
            return
        activation = self.now - dt.timedelta(days=r.randint(60, 200))
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
        match = self.new_match(
            volunteer, mission, "paused", coordinator, distance, proposed=activation - dt.timedelta(days=4)
        )
        match.activated_at = activation
        match.introduced_on = activation.astimezone(PARIS).date()
        match.paused_at, match.pause_reason = paused_on, b.pause_reason
        self.make_visits(match, mission, start=activation, until=paused_on)

    def make_ended(self, b: Beneficiary, coordinator) -> None:
        r = self.rng
        ended = self.now - dt.timedelta(days=r.randint(30, 50))
        activation = ended - dt.timedelta(days=r.randint(120, 240))
        volunteer, distance = self.find_volunteer(b, "home_visit")
        volunteer = volunteer or r.choice(
            [v for v in self.volunteers if v.vetting_state == "approved" and v is not self.camille]
        )
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
        match = self.new_match(
            volunteer, mission, "ended", coordinator, distance, proposed=activation - dt.timedelta(days=4)
        )
        match.activated_at = activation
        match.introduced_on = activation.astimezone(PARIS).date()
        match.ended_at = ended
        match.ended_by = coordinator
        match.end_reason = T.BENEFICIARY_END_REASON
        self.make_visits(match, mission, start=activation, until=ended - dt.timedelta(days=3))

    def make_intake(self, b: Beneficiary, coordinator) -> None:
        if b.assessed_on and self.rng.random() < 0.5:
            mission = self.open_mission(b, coordinator, kind="home_visit")
            mission.status, mission.first_date = "draft", None

    # --- group events, outings, proposals ---------------------------------------------------

    def make_group_events_and_outings(self) -> None:
        r = self.rng
        for spec in GROUP_EVENTS:
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
                mission.weekday, mission.local_time = spec["weekday"], _t(spec["time"])
                mission.first_date = self.today - dt.timedelta(days=spec["since_days"])
                mission._when = self.days_ago(spec["since_days"] + 20)
            else:
                day = self.today + dt.timedelta(days=spec["in_days"])
                mission.starts_at = self.at_local(day, _t(spec["time"]))
                mission.first_date = day
                mission._when = self.days_ago(r.randint(5, 15))
            self.missions.append(mission)
            if mission.status == "draft":
                continue
            taken, place = [], (spec["lat"], spec["lon"])
            for _ in range(spec["active"]):
                if mission.recurrence == "weekly":
                    v, distance = self.find_volunteer(
                        None,
                        "group_event",
                        weekday=mission.weekday,
                        at=mission.local_time,
                        duration=mission.duration_minutes,
                        exclude=taken,
                        near=place,
                    )
                else:
                    v, distance = self.find_volunteer(None, "group_event", exclude=taken, near=place)
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
                    distance,
                    proposed=min(activation, mission._when + dt.timedelta(days=2)),
                )
                match.activated_at = activation
                self.set_reviews(match, activation.astimezone(PARIS).date())
                if mission.recurrence == "weekly":
                    self.make_visits(match, mission, start=activation, until=self.now + dt.timedelta(days=28))
                else:
                    self.one_off_visit(match, mission)
            for _ in range(spec.get("proposed", 0)):
                v, distance = self.find_volunteer(None, "group_event", exclude=taken, near=place)
                if v is None:
                    break
                taken.append(v)
                self.new_match(
                    v, mission, "proposed", None, distance, proposed=self.now - dt.timedelta(hours=r.randint(5, 60))
                )

        # Outings, one-off, for people already followed: one past, one coming and filled, one open.
        matched = [b for b in self.beneficiaries if b._category == "matched" and b.status == "active"]
        for index, assoc in enumerate(self.associations):
            coordinator = self.coordinators[index]
            people = [b for b in matched if b.association is assoc and b is not self.beneficiaries[0]]
            r.shuffle(people)
            states = list(OUTING_STATES[index])
            for b in people:
                if not states:
                    break
                place = r.choice(OUTING_PLACES[index])
                volunteer, distance = None, 0.0
                if states[0] != "open":
                    # One-off, but still in one of the volunteer's free slots.
                    volunteer, distance = self.find_volunteer(b, "outing")
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
                        distance,
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
                        distance,
                        proposed=min(mission._when + dt.timedelta(days=1), self.now - dt.timedelta(hours=30)),
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
        """Camille's proposal for Marcel's calls, a few more from the engine, two declined."""
        r = self.rng
        self.new_match(
            self.camille,
            self._marcel_mission,
            "proposed",
            None,
            _km(
                self.camille.latitude,
                self.camille.longitude,
                self._marcel_mission.latitude,
                self._marcel_mission.longitude,
            ),
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
            v, distance = self.find_volunteer(
                mission.beneficiary,
                mission.kind,
                weekday=mission.weekday,
                at=mission.local_time,
                duration=mission.duration_minutes,
                exclude=already,
            )
            if v is None:
                continue
            if proposed < 5:
                proposed += 1
                self.new_match(
                    v,
                    mission,
                    "proposed",
                    self.coordinators[self.associations.index(mission.association)] if r.random() < 0.4 else None,
                    distance,
                    proposed=self.now - dt.timedelta(hours=r.randint(3, 70)),
                )
            else:
                declined += 1
                match = self.new_match(
                    v, mission, "declined", None, distance, proposed=self.now - dt.timedelta(days=r.randint(4, 12))
                )
                match.end_reason = r.choice(["Trop loin de chez moi finalement", "Horaire qui ne me convient plus"])
                match.ended_at, match.ended_by = match.responded_at, v.user

    # --- the rest of the ledger --------------------------------------------------------------

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

    # --- writing ------------------------------------------------------------------------------

    def write(self) -> None:
        User = get_user_model()
        User.objects.bulk_create(self.users)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in self.users]
        )
        self.save(Association, self.associations, "created_at")
        self.save(Membership, self.memberships, "created_at")
        self.save(Volunteer, self.volunteers, "created_at")
        AvailabilitySlot.objects.bulk_create(self.slots)
        self.save(VettingRecord, self.vetting_records, "recorded_at")
        # The ledger fields are the ledger's to write (replay_ledger); the plan keeps its own copy.
        planned = [(b.last_contact_at, b.alert_after) for b in self.beneficiaries]
        for b in self.beneficiaries:
            b.last_contact_at = b.alert_after = None
        self.save(Beneficiary, self.beneficiaries, "created_at")
        for b, (last_contact_at, alert_after) in zip(self.beneficiaries, planned, strict=True):
            b.last_contact_at, b.alert_after = last_contact_at, alert_after
        KeyContact.objects.bulk_create(self.key_contacts)
        Assessment.objects.bulk_create(self.assessments)
        self.save(Mission, self.missions, "created_at")
        self.save(Match, self.matches, "proposed_at")
        # A visit with a report is scheduled until its volunteer files it (replay_ledger).
        reported = {id(report.visit): report.visit.status for report in self.reports}
        for visit in self.visits:
            if id(visit) in reported:
                visit.status = Visit.Status.SCHEDULED
        Visit.objects.bulk_create(self.visits, batch_size=500)
        for visit in self.visits:
            visit.status = reported.get(id(visit), visit.status)
        IsolationAlert.objects.bulk_create(self.alerts)
        for event in self.events:
            # Ids in the event data of rows that had none when the event was planned.
            for key, row in getattr(event, "_ids", {}).items():
                event.data[key] = row.pk
        AlertEvent.objects.bulk_create(self.events)

    def save(self, model, objs: list, stamp: str) -> None:
        """bulk_create keeping the back-dated `stamp` (an auto_now_add field) of each row.

        auto_now_add would overwrite it with the current time; a bulk_update afterwards costs
        more than the whole insert, so the flag is lifted on this one field for the duration of
        the insert (a management command or test, single-threaded).
        """
        for obj in objs:
            setattr(obj, stamp, obj._when)
        with _given_timestamps(model, stamp):
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
        """The alerts of the demo: the urgent concern and the resolved silence are built as
        missions.alerts.lifecycle raises and resolves them, with the coordinators' actions; the
        open silences are chosen here and raised by the real jobs once everything is written
        (replay_silences)."""
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
            coordinator = self.coordinators[1]
            alert = alert_new(
                beneficiary=b,
                kind=IsolationAlert.Kind.NO_CONTACT,
                severity=IsolationAlert.Severity.LATE,
                started_at=started,
                now=started + dt.timedelta(minutes=12),
            )
            alert.acknowledged_at, alert.acknowledged_by = started + dt.timedelta(hours=20), coordinator
            resolution = "Contact repris : première visite du nouveau bénévole"
            for name, value in resolution_fields(now=resolved, by=coordinator, resolution=resolution).items():
                setattr(alert, name, value)
            closed = resolved_event(alert_id=None, now=resolved, by=coordinator, note=resolution)
            closed.alert = alert
            self.alerts.append(alert)
            self.events += [
                AlertEvent(alert=alert, kind="acknowledged", at=alert.acknowledged_at, author=coordinator),
                AlertEvent(
                    alert=alert,
                    kind="note",
                    at=alert.acknowledged_at + dt.timedelta(minutes=5),
                    author=coordinator,
                    note="Bénévole précédent parti ; nouvelle proposition en cours.",
                ),
                closed,
            ]

    def replay_ledger(self) -> None:
        """File the reports and record the other contacts through their services, in the order
        and at the moments they happened: visit_report_submit marks the visit done or missed,
        writes its contact and raises what a report raises (the fall's urgent alert, a second
        missed visit in a row); contact_record moves last_contact_at and alert_after. Then the
        coordinator takes the urgent alert in hand."""
        steps = [(report._when, 0, n, report) for n, report in enumerate(self.reports)]
        steps += [(c._when, 1, n, c) for n, c in enumerate(self.contacts) if c.visit is None]
        steps.sort(key=lambda step: step[:3])
        # The ledger copies what it wrote back onto the person it is given; the plan keeps its own.
        planned = {id(b): (b.last_contact_at, b.alert_after) for b in self.beneficiaries}
        filed: dict[int, VisitReport] = {}
        for when, _, _, row in steps:
            with travel(min(when, self.now), tick=False):
                if isinstance(row, VisitReport):
                    filed[id(row)] = visit_report_submit(
                        visit=row.visit,
                        volunteer=row.visit.match.volunteer,
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


PERIOD_TIMES = {name: (_t(start), _t(end)) for name, (start, end) in T.PERIODS.items()}

GROUP_EVENTS = [
    {
        "assoc": 0,
        "title": "Après-midi jeux de société au local",
        "description": (
            "Belote, scrabble et petits chevaux autour d'un goûter, chaque jeudi. Les bénévoles accueillent, "
            "animent les tables et raccompagnent celles et ceux qui le souhaitent."
        ),
        "place": "Local de l'association, 12 rue d'Austerlitz, 69004 Lyon",
        "lat": 45.7771,
        "lon": 4.8302,
        "recurrence": "weekly",
        "weekday": 3,
        "time": (14, 30),
        "duration": 120,
        "needed": 4,
        "status": "open",
        "since_days": 150,
        "active": 2,
        "proposed": 1,
    },
    {
        "assoc": 0,
        "title": "Goûter de fin d'année à la mairie du 4e",
        "description": (
            "Grand goûter avec chorale d'enfants du quartier. "
            "Besoin de bras pour l'accueil, le service et les trajets en minibus."
        ),
        "place": "Mairie du 4e arrondissement, 133 boulevard de la Croix-Rousse, 69004 Lyon",
        "lat": 45.7788,
        "lon": 4.8268,
        "recurrence": "one_off",
        "in_days": 24,
        "time": (14, 30),
        "duration": 180,
        "needed": 6,
        "status": "open",
        "active": 1,
        "proposed": 1,
    },
    {
        "assoc": 1,
        "title": "Atelier mémoire et chansons",
        "description": (
            "Chansons françaises, jeux de mémoire et discussion chaque mardi. "
            "Animé par une psychomotricienne, avec l'aide de bénévoles."
        ),
        "place": "Salle associative, 28 rue Sébastien Gryphe, 69007 Lyon",
        "lat": 45.7512,
        "lon": 4.8445,
        "recurrence": "weekly",
        "weekday": 1,
        "time": (14, 0),
        "duration": 90,
        "needed": 3,
        "status": "open",
        "since_days": 90,
        "active": 2,
    },
    {
        "assoc": 1,
        "title": "Visite du musée des Confluences en petit groupe",
        "description": (
            "Visite adaptée (parcours assis possible) pour huit personnes. Transport en minibus depuis la Guillotière."
        ),
        "place": "Musée des Confluences, 86 quai Perrache, 69002 Lyon",
        "lat": 45.7330,
        "lon": 4.8180,
        "recurrence": "one_off",
        "in_days": 16,
        "time": (14, 0),
        "duration": 180,
        "needed": 4,
        "status": "open",
        "active": 1,
    },
    {
        "assoc": 2,
        "title": "Café-rencontre du vendredi",
        "description": (
            "Un café en terrasse ou à l'intérieur selon la météo, pour se retrouver entre voisins. "
            "Les bénévoles vont chercher les personnes qui marchent difficilement."
        ),
        "place": "Place Ambroise Courtois, 69008 Lyon",
        "lat": 45.7450,
        "lon": 4.8705,
        "recurrence": "weekly",
        "weekday": 4,
        "time": (10, 0),
        "duration": 90,
        "needed": 3,
        "status": "open",
        "since_days": 120,
        "active": 2,
    },
    {
        "assoc": 2,
        "title": "Projection d'un film de patrimoine à l'Institut Lumière",
        "description": "Séance de l'après-midi suivie d'un goûter. À confirmer avec l'Institut.",
        "place": "Institut Lumière, 25 rue du Premier Film, 69008 Lyon",
        "lat": 45.7452,
        "lon": 4.8710,
        "recurrence": "one_off",
        "in_days": 35,
        "time": (14, 30),
        "duration": 150,
        "needed": 5,
        "status": "draft",
        "active": 0,
    },
]

# Per association: which one-off outings to create.
OUTING_STATES = [["past", "coming", "open"], ["coming", "open"], ["coming", "open"]]
OUTING_PLACES = [
    [
        ("Marché de la Croix-Rousse", "tour du marché du boulevard et café en terrasse"),
        ("Promenade au jardin des Chartreux", "promenade au jardin et vue sur la Saône"),
        ("Parc de la Tête d'Or", "tour du lac et serres"),
    ],
    [
        ("Balade sur les berges du Rhône", "promenade à plat sur les berges, pause sur un banc"),
        ("Parc de Gerland", "promenade au parc et goûter"),
    ],
    [
        ("Parc Chambovet", "promenade au parc et goûter"),
        ("Marché de Monplaisir", "tour du marché de la place Ambroise Courtois"),
    ],
]
