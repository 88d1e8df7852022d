"""Referrals in the demo: two partners of the first association (a GP practice and the CCAS),
each with its private link, and a few referrals at different steps of their life — one new,
one being assessed, one at its first visit, one declined, one that looks like a person already
followed — all made by the referral services at moments in the past."""

from __future__ import annotations

from missions.models import Beneficiary, Membership, Partner, Referral
from missions.referrals import services


class Referrals:
    """The builder's step that replays the referrals (after History.write)."""

    def replay_referrals(self) -> None:
        association = self.associations[0]
        staff = {m.role: m.user for m in Membership.objects.filter(association=association).select_related("user")}
        manager, coordinator = staff.get("manager"), staff.get("coordinator")
        if manager is None or coordinator is None:
            return
        gp = services.partner_create(
            association=association,
            by=manager,
            kind=Partner.Kind.GP,
            name="Cabinet médical de la Croix-Rousse",
            contact_name="Dr Claire Morel",
            email="cabinet.croixrousse@medecin.mssante.fr",
        )
        ccas = services.partner_create(
            association=association,
            by=manager,
            kind=Partner.Kind.CCAS,
            name="CCAS de Lyon — 4e arrondissement",
            contact_name="Mme Nadia Benali",
            email="ccas.lyon4@mairie-lyon.fr",
        )
        services.public_form_ensure(association=association, by=manager)

        def refer(partner, days: float, **fields) -> Referral:
            base = {
                "postcode": "69004",
                "city": "Lyon",
                "reach_by": Referral.Reach.PHONE,
                "consent": Referral.Consent.GIVEN,
                "needs": [Referral.Need.LONELINESS],
                "referrer_name": partner.contact_name,
                "referrer_role": "Médecin généraliste" if partner.kind == Partner.Kind.GP else "Assistante sociale",
            }
            return services.referral_receive(partner=partner, now=self.office_time(int(days)), **(base | fields))

        def step(referral: Referral, to: str, days: float, **extra) -> None:
            services.referral_transition(
                referral=referral, by=coordinator, to=to, now=self.office_time(int(days)), **extra
            )

        refer(
            gp,
            1,
            first_name="Yvette",
            last_name="Roussel",
            birth_year=1937,
            phone="04 78 29 14 52",
            needs=[Referral.Need.BEREAVEMENT, Referral.Need.LONELINESS],
            needs_text="Veuve depuis janvier, ne sort presque plus.",
        )

        assessing = refer(
            ccas,
            9,
            first_name="Marcel",
            last_name="Giraud",
            age_band=Referral.AgeBand.AGE_85_PLUS,
            phone="06 12 40 77 31",
            needs=[Referral.Need.HOSPITAL_EXIT, Referral.Need.MOBILITY],
        )
        step(assessing, Referral.Status.CONTACTED, 8)
        step(assessing, Referral.Status.ASSESSED, 6)

        visited = refer(
            gp,
            24,
            first_name="Paulette",
            last_name="Chambon",
            birth_year=1934,
            phone="04 78 39 02 11",
            address="18 rue d'Austerlitz",
            needs=[Referral.Need.LONELINESS, Referral.Need.PHONE],
        )
        step(visited, Referral.Status.CONTACTED, 23)
        step(visited, Referral.Status.ASSESSED, 20)
        fields = services.person_fields(visited)
        services.referral_person_create(referral=visited, by=coordinator, **fields)
        visited.refresh_from_db()
        step(visited, Referral.Status.MATCHED, 12)
        step(visited, Referral.Status.FIRST_VISIT, 9, support_kind="home_visit", support_weekly=True)

        declined = refer(
            ccas,
            15,
            first_name="Roger",
            last_name="Pellet",
            postcode="69100",
            city="Villeurbanne",
            phone="04 72 44 18 30",
            needs=[Referral.Need.OUTINGS],
        )
        step(declined, Referral.Status.DECLINED, 13, decline_reason=Referral.DeclineReason.OUT_OF_AREA)

        followed = (
            Beneficiary.objects.filter(association=association, status=Beneficiary.Status.ACTIVE).order_by("pk").first()
        )
        if followed is not None:
            refer(
                ccas,
                2,
                first_name=followed.first_name,
                last_name=followed.last_name,
                postcode=followed.postcode,
                city=followed.city,
                phone=followed.phone or "04 78 00 00 00",
            )
