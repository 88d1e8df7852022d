"""What the demo builder's parts share: the place and time, small helpers, and the base of the
builder (its state, the clock of the story, addresses and phone numbers, accounts)."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
import unicodedata
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection

from liens.choices import Interest
from missions.models import (
    Assessment,
    Association,
    Beneficiary,
    Contact,
    KeyContact,
    Match,
    Membership,
    Mission,
    Visit,
    VisitReport,
)
from seeds import territory as T
from volunteers.models import Volunteer

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

# Matched beneficiaries (weekly visit or call) across the territory; the rest wait for a volunteer.
MATCHED_QUOTA = 40


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in ascii_text.replace(" ", "-") if ch.isalnum() or ch == "-").strip("-")


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def as_time(hm: tuple[int, int]) -> dt.time:
    return dt.time(*hm)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def minutes_of(t: dt.time) -> int:
    return t.hour * 60 + t.minute


STREET_KINDS = {"Rue", "Avenue", "Boulevard", "Cours", "Quai", "Place", "Montée", "Route", "Allée"}


@contextmanager
def given_timestamps(model, name: str):
    field = model._meta.get_field(name)
    saved = field.auto_now_add
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = saved


@contextmanager
def without_savepoints():
    """Inside the load's one transaction, the services' nested atomic blocks open no savepoint.

    A savepoint lets a caller recover from an error inside a service; the load recovers from
    none (any error rolls the whole load back), and on PostgreSQL the savepoints of some
    thousand replayed service calls cost more round trips than their queries."""
    features = connection.features
    features.uses_savepoints = False
    try:
        yield
    finally:
        del features.uses_savepoints  # back to the backend's own answer


PERIOD_TIMES = {name: (as_time(start), as_time(end)) for name, (start, end) in T.PERIODS.items()}


class BuilderBase:
    """The builder's state and the helpers every part uses. The parts (seeds.people,
    seeds.beneficiaries, seeds.matches, seeds.events, seeds.history) add the steps."""

    def __init__(self, *, now: dt.datetime, rng: random.Random):
        self.now = now
        self.rng = rng
        self.today = now.astimezone(PARIS).date()
        self.password = make_password(T.DEMO_PASSWORD)

        self.users: list = []
        self.associations: list[Association] = []
        self.memberships: list[Membership] = []
        self.volunteers: list[Volunteer] = []
        # (recorded at, volunteer, step, done on, association, by), replayed in History.replay_ledger
        self.vetting_steps: list[tuple] = []
        self.beneficiaries: list[Beneficiary] = []
        self.key_contacts: list[KeyContact] = []
        self.assessments: list[Assessment] = []  # unsaved: recorded in History.replay_assessments
        self.missions: list[Mission] = []
        self.matches: list[Match] = []
        self.visits: list[Visit] = []
        self.visit_rows: dict[int, dict] = {}  # match id -> {occurrence: the materialised visit}
        self.reports: list[VisitReport] = []
        self.contacts: list[Contact] = []
        self.silences: list[tuple[Beneficiary, bool]] = []  # (person, taken in hand)

        self.admin = None
        self.coordinators: list = []  # one per association, by index
        self.camille: Volunteer | None = None
        self.fresh_overdue: Beneficiary | None = None
        self.resolved_silence: tuple | None = None  # person, silent since, coordinator, resolved at
        self.urgent: tuple[VisitReport, dt.datetime, dt.datetime] | None = None  # report, taken, family called

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
