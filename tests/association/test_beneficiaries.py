"""Beneficiaries: referral intake, consent before activity, preferences, key contacts, pauses."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from liens.errors import DomainError
from liens.models import SensitiveAccess
from missions.association.beneficiaries import (
    assessment_record,
    beneficiaries_resume_due,
    beneficiary_activate,
    beneficiary_create,
    beneficiary_pause,
    beneficiary_update,
)
from missions.models import Assessment, Beneficiary, KeyContact
from tests import factories, queries

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {
        "first_name": "Germaine",
        "last_name": "Vial",
        "birth_year": "1936",
        "phone": "04 78 11 22 33",
        "address": "12 rue d'Austerlitz",
        "postcode": "69004",
        "city": "Lyon",
        "referral_source": "ccas",
        "referrer_name": "Mme Blanc (CCAS)",
        "referrer_contact": "04 72 10 30 30",
        "referral_reason": "Veuve depuis peu, ne sort plus.",
        "consent_by": "person",
        "consent_on": timezone.localdate().isoformat(),
        "interests": ["gardening", "cards"],
        "languages": ["fr"],
        "visitor_preference": "female",
        "best_times": "après-midi",
        "has_pets": "on",
        "contact_target_days": "7",
        "contact_grace_days": "2",
        "contacts-TOTAL_FORMS": "2",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
        "contacts-0-kind": "family",
        "contacts-0-name": "Paul Vial",
        "contacts-0-relation": "fils",
        "contacts-0-phone": "06 11 22 33 44",
        "contacts-1-kind": "gp",
        "contacts-1-name": "Dr Roux",
    }
    data.update(overrides)
    return data


def test_a_coordinator_records_a_referral_then_completes_its_sections_one_by_one(coordinator_a_client, association_a):
    response = coordinator_a_client.post(reverse("association:beneficiary-new"), _form())
    beneficiary = Beneficiary.objects.get(last_name="Vial")
    file_page = reverse("association:beneficiary", args=[beneficiary.pk])
    assert response.status_code == 302
    assert response["Location"] == file_page
    assert beneficiary.association == association_a
    assert beneficiary.status == Beneficiary.Status.INTAKE
    assert beneficiary.latitude is not None  # geocoded
    # Recording takes the first section only: the rest waits for its own section.
    assert (beneficiary.interests, beneficiary.consent_by, beneficiary.phone) == ([], "", "")
    assert not beneficiary.key_contacts.exists()
    page = coordinator_a_client.get(file_page).content.decode()
    for section in ("consent", "preferences", "key_contacts"):
        assert reverse("association:beneficiary-section", args=[beneficiary.pk, section]) in page

    def section(name, **data):
        url = reverse("association:beneficiary-section", args=[beneficiary.pk, name])
        answer = coordinator_a_client.post(url, _form(**data))
        assert answer.status_code == 302 and answer["Location"] == f"{file_page}#section-{name}"

    section("consent")
    section("contact")
    section("preferences")
    section("key_contacts")
    beneficiary.refresh_from_db()
    assert beneficiary.interests == ["gardening", "cards"] and beneficiary.has_pets
    assert (beneficiary.consent_by, beneficiary.phone) == ("person", "04 78 11 22 33")
    assert (beneficiary.referral_reason, beneficiary.referrer_name) == (
        "Veuve depuis peu, ne sort plus.",
        "Mme Blanc (CCAS)",
    )
    assert sorted(beneficiary.key_contacts.values_list("kind", "name")) == [("family", "Paul Vial"), ("gp", "Dr Roux")]
    page = coordinator_a_client.get(file_page).content.decode()
    assert "Germaine Vial" in page and "Paul Vial" in page


def test_a_section_saves_its_own_fields_only(beneficiary_a, coordinator_a_client):
    before = Beneficiary.objects.get(pk=beneficiary_a.pk)
    url = reverse("association:beneficiary-section", args=[beneficiary_a.pk, "health"])
    response = coordinator_a_client.post(url, _form(mobility_notes="Déambulateur", phone="", first_name=""))
    assert response.status_code == 302
    after = Beneficiary.objects.get(pk=beneficiary_a.pk)
    assert after.mobility_notes == "Déambulateur"
    assert (after.first_name, after.phone, after.interests) == (before.first_name, before.phone, before.interests)


def test_a_refused_section_keeps_what_was_typed_and_marks_the_field(beneficiary_a, coordinator_a_client):
    url = reverse("association:beneficiary-section", args=[beneficiary_a.pk, "consent"])
    response = coordinator_a_client.post(
        url, {"consent_by": "person", "consent_on": "", "referrer_name": "Mme Blanc du CCAS"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Mme Blanc du CCAS"' in page and 'aria-invalid="true"' in page
    assert (
        coordinator_a_client.get(
            reverse("association:beneficiary-section", args=[beneficiary_a.pk, "nope"])
        ).status_code
        == 404
    )


def test_contact_target_defaults_come_from_the_association(association_a, coordinator_a):
    association_a.default_contact_target_days = 10
    association_a.default_contact_grace_days = 3
    association_a.save()
    beneficiary = beneficiary_create(
        association=association_a,
        by=coordinator_a,
        first_name="A",
        last_name="B",
        address="1 rue X",
        postcode="69004",
        city="Lyon",
        referral_source="self",
    )
    assert (beneficiary.contact_target_days, beneficiary.contact_grace_days) == (10, 3)


def test_a_bad_form_keeps_what_was_typed_and_says_what_is_wrong(coordinator_a_client):
    response = coordinator_a_client.post(reverse("association:beneficiary-new"), _form(postcode="6904", consent_on=""))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Un code postal compte 5 chiffres." in page
    assert "Veuve depuis peu" in page
    assert not Beneficiary.objects.exists()


def test_consent_by_without_a_date_is_refused_by_the_service(association_a, coordinator_a):
    with pytest.raises(DomainError) as error:
        beneficiary_create(
            association=association_a,
            by=coordinator_a,
            first_name="A",
            last_name="B",
            address="1 rue X",
            postcode="69004",
            city="Lyon",
            referral_source="self",
            consent_by="person",
        )
    assert error.value.field == "consent_on"


def test_without_consent_a_person_cannot_become_active(intake_a, coordinator_a):
    with pytest.raises(DomainError) as error:
        beneficiary_activate(beneficiary=intake_a, by=coordinator_a)
    assert error.value.field == "consent_by"
    assert "consentement" in str(error.value.message)
    intake_a.refresh_from_db()
    assert intake_a.status == Beneficiary.Status.INTAKE


def test_the_database_refuses_an_active_person_without_consent_too(intake_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Beneficiary.objects.filter(pk=intake_a.pk).update(status=Beneficiary.Status.ACTIVE)


def test_activating_with_consent_starts_the_contact_deadline(intake_a, coordinator_a):
    beneficiary_update(
        beneficiary=intake_a, by=coordinator_a, consent_by="representative", consent_on=timezone.localdate()
    )
    before = timezone.now()
    beneficiary = beneficiary_activate(beneficiary=intake_a, by=coordinator_a)
    beneficiary.refresh_from_db()
    assert beneficiary.status == Beneficiary.Status.ACTIVE
    assert before <= beneficiary.followed_since <= timezone.now()
    # Never contacted: a full target + grace from about now (the ledger area owns the exact rule).
    target = datetime.timedelta(days=beneficiary.contact_target_days + beneficiary.contact_grace_days)
    assert before + target - datetime.timedelta(days=1) <= beneficiary.alert_after <= timezone.now() + target


def test_the_activate_button_shows_the_consent_message(coordinator_a_client, intake_a):
    response = coordinator_a_client.post(reverse("association:beneficiary-activate", args=[intake_a.pk]), follow=True)
    assert "Enregistrez le consentement" in response.content.decode()


def test_a_pause_suspends_the_deadline_and_resuming_restores_it(beneficiary_a, coordinator_a, coordinator_a_client):
    beneficiary_activate(beneficiary=beneficiary_a, by=coordinator_a)
    until = timezone.localdate() + datetime.timedelta(days=10)
    coordinator_a_client.post(
        reverse("association:beneficiary-pause", args=[beneficiary_a.pk]),
        {"reason": "Hospitalisation", "until": until.isoformat()},
    )
    beneficiary_a.refresh_from_db()
    assert (beneficiary_a.status, beneficiary_a.paused_until) == ("paused", until)
    # Nothing is due before the pause ends (no deadline at all, or the pause's end).
    assert beneficiary_a.alert_after is None or timezone.localdate(beneficiary_a.alert_after) >= until
    coordinator_a_client.post(reverse("association:beneficiary-resume", args=[beneficiary_a.pk]))
    beneficiary_a.refresh_from_db()
    assert beneficiary_a.status == "active" and beneficiary_a.paused_until is None
    assert beneficiary_a.alert_after is not None
    assert timezone.localdate(beneficiary_a.alert_after) < until


def test_a_pause_needs_a_reason_and_a_future_date(beneficiary_a, coordinator_a):
    with pytest.raises(DomainError):
        beneficiary_pause(beneficiary=beneficiary_a, by=coordinator_a, reason="", until=timezone.localdate())
    with pytest.raises(DomainError):
        beneficiary_pause(beneficiary=beneficiary_a, by=coordinator_a, reason="Vacances", until=timezone.localdate())


def test_pauses_end_by_themselves_once_their_date_has_passed(beneficiary_a, coordinator_a):
    beneficiary_pause(
        beneficiary=beneficiary_a,
        by=coordinator_a,
        reason="Vacances",
        until=timezone.localdate() + datetime.timedelta(days=3),
    )
    assert beneficiaries_resume_due() == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(days=5)):
        assert beneficiaries_resume_due() == 1
        assert beneficiaries_resume_due() == 0
    beneficiary_a.refresh_from_db()
    assert beneficiary_a.status == Beneficiary.Status.ACTIVE


def test_an_assessment_is_scored_kept_and_dates_the_assessment_visit(intake_a, coordinator_a_client):
    url = reverse("association:assessment-new", args=[intake_a.pk]) + "?scale=ucla3"
    assert coordinator_a_client.get(url).status_code == 200
    response = coordinator_a_client.post(
        url,
        {"scale": "ucla3", "taken_on": timezone.localdate().isoformat(), "item_1": "3", "item_2": "2", "item_3": "2"},
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get(beneficiary=intake_a)
    assert (assessment.score, assessment.answers) == (7, [3, 2, 2])
    intake_a.refresh_from_db()
    assert intake_a.assessed_on == timezone.localdate()


def test_the_page_shows_the_trend_of_each_scale(beneficiary_a, coordinator_a, coordinator_a_client):
    today = timezone.localdate()
    assessment_record(
        beneficiary=beneficiary_a,
        scale="lsns6",
        answers=[1, 1, 1, 1, 1, 1],
        taken_on=today - datetime.timedelta(days=90),
        by=coordinator_a,
    )
    assessment_record(
        beneficiary=beneficiary_a, scale="lsns6", answers=[2, 2, 2, 2, 2, 2], taken_on=today, by=coordinator_a
    )
    page = coordinator_a_client.get(reverse("association:beneficiary", args=[beneficiary_a.pk])).content.decode()
    assert "<strong>6</strong>" in page and "<strong>12</strong>" in page and "+6" in page


def test_an_unanswered_assessment_is_refused_with_the_form_kept(intake_a, coordinator_a_client):
    url = reverse("association:assessment-new", args=[intake_a.pk])
    response = coordinator_a_client.post(
        url, {"scale": "lsns6", "taken_on": timezone.localdate().isoformat(), "item_1": "2"}
    )
    assert response.status_code == 200
    assert not Assessment.objects.exists()


def test_the_list_searches_filters_and_keeps_its_query_count(
    association_a, coordinator_a_client, django_assert_max_num_queries
):
    factories.BeneficiaryFactory.create_batch(3, association=association_a, city="Lyon")
    target = factories.BeneficiaryFactory(association=association_a, last_name="Zanetti", city="Villeurbanne")
    factories.BeneficiaryFactory(association=factories.AssociationFactory(), last_name="Zanetti-Autre")
    url = reverse("association:beneficiaries")
    page = coordinator_a_client.get(url, {"q": "zanetti"}).content.decode()
    assert target.first_name in page and "Zanetti-Autre" not in page
    # The user, their memberships with the association, and the page with the list's total.
    with django_assert_max_num_queries(3 + queries.SESSION) as few:
        coordinator_a_client.get(url)
    factories.BeneficiaryFactory.create_batch(20, association=association_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        coordinator_a_client.get(url)
    assert "Zanetti" not in coordinator_a_client.get(url, {"status": "paused"}).content.decode()


def test_key_contacts_can_be_replaced_from_the_edit_page(beneficiary_a, coordinator_a_client):
    KeyContact.objects.create(beneficiary=beneficiary_a, kind="gp", name="Dr Ancien")
    url = reverse("association:beneficiary-section", args=[beneficiary_a.pk, "key_contacts"])
    assert coordinator_a_client.get(url).status_code == 200
    contact = beneficiary_a.key_contacts.get()
    data = _form(
        first_name=beneficiary_a.first_name,
        last_name=beneficiary_a.last_name,
        **{
            "contacts-TOTAL_FORMS": "2",
            "contacts-INITIAL_FORMS": "1",
            "contacts-0-id": str(contact.pk),
            "contacts-0-kind": "gp",
            "contacts-0-name": "Dr Ancien",
            "contacts-0-DELETE": "on",
            "contacts-1-kind": "trusted",
            "contacts-1-name": "Mme Voisine",
        },
    )
    response = coordinator_a_client.post(url, data)
    assert response.status_code == 302
    assert list(beneficiary_a.key_contacts.values_list("name", flat=True)) == ["Mme Voisine"]


def test_staff_reading_a_person_s_record_is_logged_and_an_outsider_s_attempt_is_not(
    beneficiary_a, coordinator_a, coordinator_a_client, coordinator_b_client
):
    detail = reverse("association:beneficiary", args=[beneficiary_a.pk])
    edit = reverse("association:beneficiary-edit", args=[beneficiary_a.pk])
    assert coordinator_b_client.get(detail).status_code == 404
    assert coordinator_b_client.get(edit).status_code == 404
    assert not SensitiveAccess.objects.exists()

    page = coordinator_a_client.get(detail)
    assert page.status_code == 200 and beneficiary_a.phone in page.content.decode()
    assert coordinator_a_client.get(edit).status_code == 200
    seen = SensitiveAccess.objects.order_by("pk")
    assert [(row.user, row.subject) for row in seen] == [(coordinator_a, f"beneficiary:{beneficiary_a.pk}")] * 2
    assert "phone" in seen[0].what and "address" in seen[0].what
