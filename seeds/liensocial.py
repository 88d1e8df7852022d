"""The demo's home-care service: a SAAD of Lyon delivering the "heures de lien social" of two
persons of the first association, with a manager, a professional, two APA plans and their
sessions — written through the services (plan_create, session_record) at moments before `now`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from time_machine import travel

from missions.liensocial.services import plan_create, session_record
from missions.models import Association, Beneficiary, Membership
from seeds import territory as T

SERVICE_NAME = "Aide et Présence Lyon"
# (email, first name, last name, role)
STAFF = [
    ("saad.direction@exemple.fr", "Karima", "Haddad", Membership.Role.MANAGER),
    ("intervenante@exemple.fr", "Lucie", "Morel", Membership.Role.PROFESSIONAL),
]
# Per plan: hours a month, and the sessions (days before now, hour, minutes, activity, mood).
PLANS = [
    (
        6,
        [
            (40, 14, 90, "conversation", "good"),
            (33, 14, 90, "games", "ok"),
            (26, 15, 90, "outing", "good"),
            (19, 14, 90, "creative", "ok"),
            (5, 14, 60, "conversation", "good"),
            (2, 15, 90, "wellbeing", "ok"),
        ],
    ),
    (4, [(38, 10, 60, "games", "ok"), (24, 10, 60, "conversation", "low"), (3, 10, 60, "games", "ok")]),
]


def demo_emails() -> list[str]:
    return [email for email, *_rest in STAFF]


def at_local(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=ZoneInfo("Europe/Paris"))


def seed_lien_social(*, now: dt.datetime) -> Association:
    """Write the service, its staff, the plans and their sessions. Not idempotent on its own:
    the loader calls it once, inside the demo's transaction."""
    admin = get_user_model().objects.get(email="admin@exemple.fr")
    # The service and its staff, written three months before `now`, as the rest of the story.
    with travel(now - dt.timedelta(days=91), tick=False):
        service = Association.objects.create(
            kind=Association.Kind.HOME_CARE,
            name=SERVICE_NAME,
            legal_form="SAS",
            siret="81234567800026",
            address="8 rue Duguesclin",
            postcode="69006",
            city="Lyon",
            territory="Métropole de Lyon",
            contact_email="saad@exemple.fr",
            contact_phone="04 78 52 10 10",
            validated_at=now - dt.timedelta(days=90),
            validated_by=admin,
        )
        password = make_password(T.DEMO_PASSWORD)
        for email, first_name, last_name, role in STAFF:
            user = get_user_model().objects.create(
                email=email, first_name=first_name, last_name=last_name, password=password, language="fr"
            )
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            Membership.objects.create(user=user, association=service, role=role)
    professional = get_user_model().objects.get(email=STAFF[1][0])

    association = Association.objects.get(name=T.ASSOCIATIONS[0].name)
    coordinator = association.memberships.filter(role=Membership.Role.COORDINATOR).first().user
    persons = Beneficiary.objects.filter(association=association, status=Beneficiary.Status.ACTIVE).order_by("pk")
    start = (timezone.localtime(now) - dt.timedelta(days=45)).date().replace(day=1)
    for person, (hours, sessions) in zip(persons[:2], PLANS, strict=True):
        # Each step at its moment (as seeds.history replays the past): the plan written the
        # day before it starts, each session recorded half an hour after it ended.
        with travel(min(now, at_local(start - dt.timedelta(days=1), dt.time(11))), tick=False):
            plan = plan_create(
                beneficiary=person, service=service, hours_per_month=hours, starts_on=start, by=coordinator
            )
        for days_ago, hour, minutes, activity, mood in sessions:
            day = timezone.localtime(now).date() - dt.timedelta(days=days_ago)
            starts_at = at_local(day, dt.time(hour))
            recorded_at = starts_at + dt.timedelta(minutes=minutes + 30)
            if recorded_at >= now or day < start:
                continue
            with travel(recorded_at, tick=False):
                session_record(
                    plan=plan,
                    professional=professional,
                    starts_at=starts_at,
                    duration_minutes=minutes,
                    activity=activity,
                    mood=mood,
                )
    return service
