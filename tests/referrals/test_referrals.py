"""Referrals that report back: partners' links, the public form, a referral's life, the
duplicate flag, the messages back to the referrer, and the pages' costs."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liens.errors import DomainError
from liens.models import Notification, User
from missions.models import Beneficiary, Partner, Referral, Visit
from missions.referrals import reportback, services
from missions.referrals.links import partner_for_link, referral_link_path
from missions.reports import visit_report_submit
from tests import factories
from tests.referrals.conftest import referral_fields

VOLUNTEER_FIRST, VOLUNTEER_LAST = "Bérénice", "Vasseur-Volontaire"
NOTE = "Elle a parlé de son fils à Marseille, très émue"


def _mail_to(address: str) -> list[Notification]:
    return list(Notification.objects.filter(to_address=address).order_by("pk"))


# --- links ---------------------------------------------------------------------------------


def test_a_partners_link_finds_it_and_a_tampered_one_does_not(gp_partner):
    token = gp_partner.link_token
    assert partner_for_link(token) == gp_partner
    assert partner_for_link(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert partner_for_link(token[:12]) is None
    assert partner_for_link("") is None


def test_the_link_dies_when_the_partner_is_switched_off(gp_partner, manager_a, anonymous_client):
    url = referral_link_path(gp_partner)
    assert anonymous_client.get(url).status_code == 200
    services.partner_deactivate(partner=gp_partner, by=manager_a)
    assert anonymous_client.get(url).status_code == 404
    assert anonymous_client.post(url, referral_fields()).status_code == 404
    assert not Referral.objects.exists()


def test_a_new_link_kills_the_old_one(gp_partner, manager_a, anonymous_client):
    old = referral_link_path(gp_partner)
    services.partner_link_regenerate(partner=gp_partner, by=manager_a)
    assert anonymous_client.get(old).status_code == 404
    assert anonymous_client.get(referral_link_path(gp_partner)).status_code == 200


def test_a_pending_associations_links_do_not_answer(gp_partner, association_a, anonymous_client):
    type(association_a).objects.filter(pk=association_a.pk).update(validated_at=None)
    assert anonymous_client.get(referral_link_path(gp_partner)).status_code == 404


def test_only_managers_register_partners(association_a, coordinator_a):
    with pytest.raises(Exception):  # noqa: B017 - the permission refusal, whatever its class
        services.partner_create(association=association_a, by=coordinator_a, kind="gp", name="X", email="x@ex.fr")
    assert not Partner.objects.exists()


# --- the public form -------------------------------------------------------------------------


def test_a_partners_link_submits_a_referral_without_an_account(gp_partner, anonymous_client):
    users = User.objects.count()
    response = anonymous_client.post(referral_link_path(gp_partner), referral_fields())
    assert response.status_code == 302
    assert response["Location"] == reverse("refer:sent", args=[gp_partner.link_token])
    referral = Referral.objects.get()
    assert (referral.partner, referral.status, referral.first_name) == (gp_partner, "received", "Jeanne")
    assert User.objects.count() == users
    page = anonymous_client.get(response["Location"]).content.decode()
    assert "Jeanne" not in page and "Dufresne" not in page


def test_bad_input_keeps_what_was_typed_and_says_what_is_wrong(gp_partner, anonymous_client):
    data = referral_fields(postcode="690", needs_text="Vit seule depuis l'hiver")
    response = anonymous_client.post(referral_link_path(gp_partner), data, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Dufresne"' in page and "Vit seule depuis l&#x27;hiver" in page
    assert 'value="hospital_exit"' in page and "checked" in page
    assert 'aria-invalid="true"' in page
    assert not Referral.objects.exists()


def test_the_service_refuses_a_held_consent_without_its_holder(gp_partner):
    with pytest.raises(DomainError) as caught:
        services.referral_receive(partner=gp_partner, **referral_fields(consent=Referral.Consent.HELD))
    assert caught.value.field == "consent_holder"


def test_a_phone_contact_needs_the_phone(gp_partner, anonymous_client):
    response = anonymous_client.post(referral_link_path(gp_partner), referral_fields(phone=""))
    assert response.status_code == 200
    assert not Referral.objects.exists()


def test_the_honeypot_drops_a_robots_referral_silently(gp_partner, anonymous_client):
    response = anonymous_client.post(referral_link_path(gp_partner), referral_fields(website="http://spam.example"))
    assert response.status_code == 302
    assert not Referral.objects.exists()


def test_the_public_form_needs_a_way_to_reply(association_a, coordinator_a, anonymous_client):
    public = services.public_form_ensure(association=association_a, by=coordinator_a)
    assert services.public_form_ensure(association=association_a, by=coordinator_a) == public
    url = referral_link_path(public)
    fields = referral_fields(referrer_name="Paul Dufresne", referrer_role="Son fils")
    assert anonymous_client.post(url, fields).status_code == 200
    response = anonymous_client.post(url, fields | {"referrer_email": "paul.dufresne@exemple.fr"})
    assert response.status_code == 302
    assert [row.kind for row in _mail_to("paul.dufresne@exemple.fr")] == ["referral_acknowledged"]


def test_the_form_is_rate_limited(gp_partner, anonymous_client):
    url = referral_link_path(gp_partner)
    statuses = [anonymous_client.post(url, referral_fields(postcode="1")).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


# --- duplicates --------------------------------------------------------------------------------


def test_a_likely_duplicate_is_flagged_for_the_coordinator_only(gp_partner, association_a, coordinator_a_client):
    known = factories.BeneficiaryFactory(association=association_a, first_name="Jeanne", last_name="DUFRESNE")
    referral = services.referral_receive(partner=gp_partner, **referral_fields(first_name="jeanne "))
    assert referral.possible_duplicate == known
    page = coordinator_a_client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert 'id="duplicate-flag"' in page
    body = _mail_to(gp_partner.email)[0].body_text
    assert "déjà" not in body and "suivi" not in body.lower()


def test_no_duplicate_for_a_namesake_elsewhere(gp_partner, association_a):
    factories.BeneficiaryFactory(association=association_a, first_name="Jeanne", last_name="Dufresne", postcode="69007")
    referral = services.referral_receive(partner=gp_partner, **referral_fields(phone="06 99 99 99 99"))
    assert referral.possible_duplicate is None


def test_the_same_phone_written_otherwise_is_a_duplicate(gp_partner, association_a):
    known = factories.BeneficiaryFactory(
        association=association_a,
        first_name="Jeanne",
        last_name="Dufresne",
        postcode="69007",
        phone="+33 4 78 11 22 33",
    )
    assert services.referral_receive(partner=gp_partner, **referral_fields()).possible_duplicate == known


# --- lifecycle ---------------------------------------------------------------------------------


def test_steps_follow_the_lifecycle_and_others_are_refused(referral, coordinator_a):
    with pytest.raises(DomainError):
        services.referral_transition(referral=referral, by=coordinator_a, to=Referral.Status.ASSESSED)
    services.referral_transition(referral=referral, by=coordinator_a, to=Referral.Status.CONTACTED)
    with pytest.raises(DomainError):  # a repeated tap
        services.referral_transition(referral=referral, by=coordinator_a, to=Referral.Status.CONTACTED)
    services.referral_transition(referral=referral, by=coordinator_a, to=Referral.Status.ASSESSED)
    with pytest.raises(DomainError) as caught:  # no person's file yet
        services.referral_transition(referral=referral, by=coordinator_a, to=Referral.Status.MATCHED)
    assert "dossier" in str(caught.value.message)
    referral.refresh_from_db()
    assert referral.status == "assessed" and referral.contacted_at and referral.assessed_at


def test_declining_needs_a_reason_and_ends_the_referral(referral, coordinator_a):
    with pytest.raises(DomainError):
        services.referral_transition(referral=referral, by=coordinator_a, to=Referral.Status.DECLINED)
    services.referral_transition(
        referral=referral, by=coordinator_a, to=Referral.Status.DECLINED, decline_reason="out_of_area"
    )
    with pytest.raises(DomainError):
        services.referral_transition(referral=referral, by=coordinator_a, to=Referral.Status.CONTACTED)
    kinds = [row.kind for row in _mail_to(referral.partner.email)]
    assert kinds == ["referral_acknowledged", "referral_declined"]
    assert "Hors du secteur" in _mail_to(referral.partner.email)[1].body_text


def _to_matched(referral, coordinator) -> Beneficiary:
    for step in (Referral.Status.CONTACTED, Referral.Status.ASSESSED):
        services.referral_transition(referral=referral, by=coordinator, to=step)
    person = services.referral_person_create(
        referral=referral, by=coordinator, **services.person_fields(referral) | {"referral_reason": "Isolement"}
    )
    services.referral_transition(referral=referral, by=coordinator, to=Referral.Status.MATCHED)
    return person


def test_the_person_is_created_through_the_beneficiary_service(referral, coordinator_a):
    person = services.referral_person_create(referral=referral, by=coordinator_a, **services.person_fields(referral))
    referral.refresh_from_db()
    assert referral.beneficiary == person
    assert (person.status, person.referral_source, person.first_name) == ("intake", "gp", "Jeanne")
    assert person.referrer_name == "Dr Claire Morel, Médecin généraliste"
    assert person.phone == "04 78 11 22 33"
    with pytest.raises(DomainError):
        services.referral_person_create(referral=referral, by=coordinator_a, **services.person_fields(referral))


def test_a_reported_first_visit_moves_the_referral_and_tells_the_referrer_without_names_or_notes(
    referral, coordinator_a
):
    person = _to_matched(referral, coordinator_a)
    Beneficiary.objects.filter(pk=person.pk).update(
        status=Beneficiary.Status.ACTIVE,
        consent_by="person",
        consent_on=timezone.localdate(),
        followed_since=timezone.now(),
    )
    volunteer = factories.VolunteerFactory(
        user=factories.UserFactory(first_name=VOLUNTEER_FIRST, last_name=VOLUNTEER_LAST)
    )
    mission = factories.MissionFactory(beneficiary=person)
    match = factories.MatchFactory(volunteer=volunteer, mission=mission)
    visit = factories.VisitFactory(match=match, starts_at=timezone.now() - datetime.timedelta(hours=3))
    visit_report_submit(visit=visit, volunteer=volunteer, happened=True, mood="good", concerns=[], notes=NOTE)

    referral.refresh_from_db()
    assert referral.status == Referral.Status.FIRST_VISIT
    assert referral.first_visit_at == visit.starts_at
    assert (referral.support_kind, referral.support_weekly) == ("home_visit", True)
    rows = _mail_to(referral.partner.email)
    assert [row.kind for row in rows] == ["referral_acknowledged", "referral_first_visit"]
    for row in rows:
        assert row.recipient_id is None and row.channel == "email" and row.language == "fr"
        for text in (row.subject, row.body_text, row.body_html):
            for secret in (VOLUNTEER_FIRST, VOLUNTEER_LAST, "Bérénice", NOTE[:20], "Dufresne", "Jeanne"):
                assert secret not in text
    assert "Visites hebdomadaires à domicile par un bénévole de l’association" in rows[1].body_text
    assert "Bonjour" in rows[1].body_text and f"R-{referral.pk}" in rows[1].subject
    # A second report on another visit changes nothing.
    later = factories.VisitFactory(match=match, starts_at=timezone.now() - datetime.timedelta(days=7))
    visit_report_submit(visit=later, volunteer=volunteer, happened=True, mood="good", concerns=[], notes="")
    assert len(_mail_to(referral.partner.email)) == 2
    assert Visit.objects.filter(status="done").count() == 2


def test_without_consent_the_message_keeps_the_support_to_itself(gp_partner, coordinator_a):
    referral = services.referral_receive(partner=gp_partner, **referral_fields(consent=Referral.Consent.NOT_YET))
    referral.support_kind, referral.support_weekly = "home_visit", True
    data = reportback.minimum_dataset(referral, "first_visit")
    assert data["support"] == "" and data["consented"] is False
    referral.consent = Referral.Consent.GIVEN
    assert reportback.minimum_dataset(referral, "first_visit")["support"]


def test_the_dataset_holds_only_its_named_fields(referral):
    referral.staff_notes = NOTE
    data = reportback.minimum_dataset(referral, "closed")
    assert set(data) == {
        "milestone", "reference", "referred_on", "initials", "association", "association_email",
        "association_phone", "consented", "support", "outcome",
    }  # fmt: skip
    assert NOTE not in str(data)


def test_a_switched_off_partner_hears_nothing_more(referral, coordinator_a, manager_a):
    services.partner_deactivate(partner=referral.partner, by=manager_a)
    referral.refresh_from_db()
    services.referral_transition(
        referral=referral, by=coordinator_a, to=Referral.Status.DECLINED, decline_reason="unreachable"
    )
    assert [row.kind for row in _mail_to(referral.partner.email)] == ["referral_acknowledged"]


def test_an_address_only_row_is_sent_by_the_dispatcher(referral, mailoutbox):
    from liens.outbox.dispatch import dispatch_due

    dispatch_due()
    row = _mail_to(referral.partner.email)[0]
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert mailoutbox[-1].to == [referral.partner.email]
    assert "Jeanne" not in mailoutbox[-1].body


# --- pages ---------------------------------------------------------------------------------


def test_the_coordinator_takes_a_referral_through_its_steps_on_the_page(referral, coordinator_a_client):
    url = reverse("referrals:transition", args=[referral.pk])
    assert coordinator_a_client.post(url, {"to": "contacted"}).status_code == 302
    response = coordinator_a_client.post(url, {"to": "closed", "outcome": "followed"})
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == "contacted"


def test_the_inbox_and_home_show_new_referrals(referral, coordinator_a_client, coordinator_b_client):
    assert "Dufresne" in coordinator_a_client.get(reverse("referrals:inbox")).content.decode()
    home = coordinator_a_client.get(reverse("association:home")).content.decode()
    assert 'id="count-referrals">1<' in home
    assert "Dufresne" not in coordinator_b_client.get(reverse("referrals:inbox")).content.decode()
    assert 'id="count-referrals">0<' in coordinator_b_client.get(reverse("association:home")).content.decode()


def test_a_coordinator_sees_partners_but_not_their_links(gp_partner, coordinator_a_client):
    page = coordinator_a_client.get(reverse("referrals:partners")).content.decode()
    assert gp_partner.name in page and gp_partner.link_verifier not in page
    response = coordinator_a_client.post(reverse("referrals:partner-deactivate", args=[gp_partner.pk]))
    assert response.status_code == 404
    gp_partner.refresh_from_db()
    assert gp_partner.active


def test_a_manager_registers_and_switches_off_a_partner_on_the_page(association_a, manager_a):
    client = Client()
    client.force_login(manager_a)
    response = client.post(
        reverse("referrals:partners"),
        {"kind": "ccas", "name": "CCAS de Lyon 4e", "contact_name": "", "email": "ccas4@mairie-lyon.fr"},
    )
    assert response.status_code == 302
    partner = Partner.objects.get(name="CCAS de Lyon 4e")
    page = client.get(reverse("referrals:partners")).content.decode()
    assert partner.link_token in page
    client.post(reverse("referrals:partner-deactivate", args=[partner.pk]))
    partner.refresh_from_db()
    assert not partner.active and partner.deactivated_at


@pytest.mark.parametrize("count", [1, 6])
def test_the_inbox_and_a_referrals_page_cost_the_same_whatever_the_volume(
    count, gp_partner, association_a, coordinator_a_client, django_assert_max_num_queries
):
    for n in range(count):
        services.referral_receive(partner=gp_partner, **referral_fields(last_name=f"Nom{n}"))
    referral = Referral.objects.first()
    coordinator_a_client.get(reverse("referrals:inbox"))  # warm the session
    with django_assert_max_num_queries(11):
        assert coordinator_a_client.get(reverse("referrals:inbox")).status_code == 200
    with django_assert_max_num_queries(11):
        assert coordinator_a_client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 200
    with django_assert_max_num_queries(11):
        assert coordinator_a_client.get(reverse("referrals:partners")).status_code == 200


# --- invariants the database keeps -------------------------------------------------------


def test_an_outbox_row_has_a_user_or_an_address(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(channel="email", kind="test", dedup_key="nobody:email")
    assert Notification.objects.create(channel="email", kind="t", to_address="a@ex.fr", dedup_key="a:email").pk


def test_one_public_form_per_association_and_a_partner_has_an_address(association_a):
    from django.db import IntegrityError, transaction

    Partner.objects.create(association=association_a, kind=Partner.Kind.PUBLIC, name="Public")
    with pytest.raises(IntegrityError), transaction.atomic():
        Partner.objects.create(association=association_a, kind=Partner.Kind.PUBLIC, name="Public bis")
    with pytest.raises(IntegrityError), transaction.atomic():
        Partner.objects.create(association=association_a, kind=Partner.Kind.GP, name="Cabinet sans adresse")


def test_a_declined_referral_has_its_reason_in_the_database(referral):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.DECLINED)
