"""The demo's beneficiaries: who they are, who referred them, their consent, key contacts and
assessments, and the fixed demo people of the first association."""

from __future__ import annotations

import datetime as dt
import random

from missions.models import (
    Assessment,
    Association,
    Beneficiary,
    KeyContact,
)
from missions.outcomes.schedule import add_months
from seeds import territory as T
from seeds.common import ALL_INTERESTS, MATCHED_QUOTA, PARIS, as_time, slug


class Beneficiaries:
    """The people the associations follow, drawn per association from the territory's tables."""

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
        self.add_follow_ups(b)
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
        email = f"{slug(first)[0]}.{slug(other)}@{T.DEMO_DOMAIN}"
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
                email = f"{slug(first)}.{slug(name.split(' ', 1)[1])}@{T.DEMO_DOMAIN}" if r.random() < 0.5 else ""
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

    def add_follow_ups(self, b: Beneficiary) -> None:
        """Reassessments 3 and 6 months after the first assessment, then every 6 months, for about
        two in three of the people assessed, scores drifting as follow-up usually goes (a little
        less lonely, a slightly wider network): trends to see on their pages; the others are
        left due or overdue. The demo person (Jeanne) always has both scales and her trend. Drawn
        from a generator of their own, so the rest of the territory stays as it was."""
        r = random.Random(f"follow-ups:{b.first_name}:{b.last_name}:{b.assessed_on}")
        demo = (b.first_name, b.last_name) == (T.DEMO_BENEFICIARY["first_name"], T.DEMO_BENEFICIARY["last_name"])
        mine = [a for a in self.assessments if a.beneficiary is b]
        if demo and b.assessed_on is not None:
            for scale, answers in (("ucla3", [3, 2, 3]), ("lsns6", [1, 1, 0, 2, 1, 0])):
                if not any(a.scale == scale for a in mine):
                    mine.append(self._assessment(b, scale, answers, b.assessed_on))
            self.assessments.extend(a for a in mine if a not in self.assessments)
        if not mine or (not demo and r.random() < 0.35):
            return
        baseline = min(a.taken_on for a in mine)
        taken = {a.taken_on for a in mine}
        for months in (3, 6, 12, 18, 24):
            day = add_months(baseline, months) + dt.timedelta(days=r.randint(-10, 4))
            if day >= self.today:
                break
            if any(abs((day - t).days) <= 20 for t in taken):
                continue  # the 3-month follow-up add_assessments may have drawn
            for scale in sorted({a.scale for a in mine}):
                last = max((a for a in mine if a.scale == scale), key=lambda a: a.taken_on)
                if scale == "ucla3":
                    answers = [min(3, max(1, v - (r.random() < 0.35) + (r.random() < 0.1))) for v in last.answers]
                else:
                    answers = [min(5, max(0, v + (r.random() < 0.25) - (r.random() < 0.1))) for v in last.answers]
                mine.append(self._assessment(b, scale, answers, day))
                self.assessments.append(mine[-1])
            taken.add(day)

    def _assessment(self, b: Beneficiary, scale: str, answers: list[int], day: dt.date) -> Assessment:
        return Assessment(
            beneficiary=b,
            scale=scale,
            answers=answers,
            score=sum(answers),
            taken_on=day,
            recorded_by=self.coordinators[b._assoc_index],
        )

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
            schedule=(j["weekday"], as_time(j["local_time"]), j["duration"]),
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
            b, coordinator, kind="phone_call", schedule=(m["weekday"], as_time(m["local_time"]), m["duration"])
        )
        mission.status = "open"
        mission.first_date = mission.first_date or self.today + dt.timedelta(days=7)
        self._marcel_mission = mission
