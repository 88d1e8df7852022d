"""The demo's staff, associations and volunteers, and how each volunteer was vetted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from missions.models import (
    Association,
    Membership,
)
from seeds import territory as T
from seeds.common import ALL_INTERESTS, PERIOD_TIMES, slug
from volunteers.models import Volunteer
from volunteers.services import PROFILE_STEPS

# The groups of messages a volunteer receives (liens.notify.NOTIFICATION_GROUPS but staff's alerts).
VOLUNTEER_GROUPS = ("reminders", "matches", "messages")


def _ways(*, by_email: bool, by_sms: bool) -> dict[str, list[str]]:
    """A volunteer's channels per group, as the profile's "by email, by SMS" writes them; none
    (the defaults) for email alone."""
    if not by_sms:
        return {}
    return {group: ["email"] * by_email + ["sms"] for group in VOLUNTEER_GROUPS}


class People:
    """Staff accounts and memberships, the associations, the volunteers and their vetting."""

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
        )
        user.notify_channels = _ways(by_email=True, by_sms=True)
        self.vet(camille, "approved", approved_at, self.coordinators[0])
        camille._slots = [(wd, *PERIOD_TIMES[p]) for wd, p in c["slots"]]
        camille._planned = 0
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
            email = f"{slug(first)}.{slug(last)}.{i + 1}@{T.DEMO_DOMAIN}"
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
            )
            by_email, by_sms = r.random() < 0.9, r.random() < 0.4
            r.random()  # the draw that once chose web push, kept so the rest of the world stays the same
            user.notify_channels = _ways(by_email=by_email or not by_sms, by_sms=by_sms)
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
            volunteer._planned = 0
            volunteer._when = joined
            self.volunteers.append(volunteer)

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
        # Staff record each step done through vetting_step_record (History.vetting_replay_steps): on
        # the evening of the day it was done; the step that completes an approval, at the moment
        # of the approval.
        association = self.associations[self.coordinators.index(vetter)]
        steps = [
            ("interview", v.interview_on),
            ("training", v.training_on),
            ("background_check", v.background_check_on),
        ]
        for step, done_on in steps:
            if done_on is None:
                continue
            at = min(self.now, self.at_local(done_on, dt.time(17)))
            if state == "approved" and step == "background_check":
                at = when
            self.vetting_steps.append((at, v, step, done_on, association, vetter))
