"""A coordinator on a phone: a referral with consent and assessment, a weekly mission, a
suggested volunteer proposed; and a spreadsheet import rejected, corrected, imported."""

import datetime

import pytest
from django.utils import timezone

from missions.models import Assessment, Beneficiary, Match, Mission
from tests import factories
from tests.browser.conftest import assert_no_sideways_scroll, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_records_a_person_posts_a_weekly_mission_and_proposes_a_volunteer(page, coordinator_a):
    volunteer = factories.VolunteerFactory(user=factories.UserFactory(first_name="Chloé", last_name="Bernard"))
    factories.AvailabilitySlotFactory(volunteer=volunteer, weekday=1, start=datetime.time(14), end=datetime.time(18))
    login(page, coordinator_a.email, factories.PASSWORD)

    page.goto("/association/beneficiaries/new/")
    page.fill("#id_first_name", "Germaine")
    page.fill("#id_last_name", "Vial")
    page.fill("#id_address", "5 rue Dumenge")
    page.fill("#id_postcode", "69004")
    page.fill("#id_city", "Lyon")
    page.select_option("#id_referral_source", "ccas")
    assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Ouvrir le dossier").click()
    page.wait_for_url("**/association/beneficiaries/*/")
    assert "Germaine Vial" in page.locator("h1").inner_text()

    # The rest of the file, one section at a time, each back on the file at its section.
    page.locator("#section-consent .section-head a").click()
    page.fill("#id_referrer_name", "Mme Blanc, CCAS")
    page.select_option("#id_consent_by", "person")
    page.fill("#id_consent_on", timezone.localdate().isoformat())
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/association/beneficiaries/*/#section-consent")
    page.locator("#section-preferences .section-head a").click()
    page.get_by_label("jardinage").check()
    assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/association/beneficiaries/*/#section-preferences")
    page.locator("#section-key_contacts .section-head a").click()
    page.select_option("#id_contacts-0-kind", "family")
    page.fill("#id_contacts-0-name", "Paul Vial")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/association/beneficiaries/*/#section-key_contacts")
    assert "Paul Vial" in page.locator("#section-key_contacts").inner_text()

    page.get_by_role("button", name="Enregistrer une évaluation").click()
    for item in ("item_1", "item_2", "item_3"):
        page.check(f"input[name={item}][value='3']")
    page.get_by_role("button", name="Enregistrer le score").click()
    page.wait_for_url("**/association/beneficiaries/*/")
    assert "<strong>9</strong>" in page.content()

    page.get_by_role("button", name="Commencer le suivi").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#status").inner_text() == "Actif"

    page.get_by_role("link", name="Préparer une mission").first.click()
    page.fill("#id_title", "Visite du mardi")
    page.check("input[name=recurrence][value=weekly]")
    page.select_option("#id_weekday", "1")
    page.fill("#id_local_time", "15:00")
    assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/association/missions/*/")
    page.get_by_role("button", name="Publier").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#status").inner_text() == "Ouverte" or Mission.objects.get().status == "open"

    suggestions = page.locator("#suggestions")
    assert "Chloé" in suggestions.inner_text()
    assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 390, "height": 844})
    # The matching area's partial: one propose form per suggested volunteer.
    suggestions.locator("form[action$='/propose/'] button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")

    beneficiary = Beneficiary.objects.get(last_name="Vial")
    assert beneficiary.status == "active" and beneficiary.key_contacts.get().name == "Paul Vial"
    assert beneficiary.interests == ["gardening"] and beneficiary.referrer_name == "Mme Blanc, CCAS"
    assert Assessment.objects.get(beneficiary=beneficiary).score == 9
    mission = Mission.objects.get(beneficiary=beneficiary)
    assert (mission.recurrence, mission.weekday, mission.local_time) == ("weekly", 1, datetime.time(15))
    assert Match.objects.get(mission=mission).volunteer == volunteer


HEADER = "Prénom;Nom;Adresse;Code postal;Ville;Orienté par;Consentement donné par;Date du consentement"


def _upload(page, name: str, text: str) -> None:
    page.goto("/association/imports/")
    page.set_input_files("#id_file", {"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")})
    page.get_by_role("button", name="Vérifier le fichier").click()
    page.wait_for_url("**/association/imports/*/")


def test_a_csv_with_errors_is_rejected_with_a_readable_report_and_the_corrected_one_imports(page, coordinator_a):
    login(page, coordinator_a.email, factories.PASSWORD)
    wrong = "\n".join(
        [
            HEADER,
            "Rose;Blanc;1 rue Dumenge;69004;Lyon;CCAS;;",
            "Paul;Noir;2 rue Dumenge;6904;Lyon;boulanger;la personne;31/02/2025",
        ]
    )
    _upload(page, "personnes.csv", wrong)
    report = page.locator("#import-report")
    text = report.inner_text()
    assert "Un code postal compte 5 chiffres." in text
    assert "Orienté par" in text and "Écrivez la date sous la forme JJ/MM/AAAA." in text
    assert report.locator("tbody tr").first.locator("td").first.inner_text() == "3"
    assert_no_sideways_scroll(page)
    assert not Beneficiary.objects.exists()

    corrected = "\n".join(
        [
            HEADER,
            "Rose;Blanc;1 rue Dumenge;69004;Lyon;CCAS;;",
            "Paul;Noir;2 rue Dumenge;69004;Lyon;famille;la personne;03/02/2025",
        ]
    )
    page.set_viewport_size({"width": 390, "height": 844})
    _upload(page, "personnes-corrige.csv", corrected)
    assert page.locator("#import-report").count() == 0
    page.get_by_role("button", name="Importer", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "2 personnes importées" in page.locator("#import-done").inner_text()
    assert sorted(Beneficiary.objects.values_list("last_name", flat=True)) == ["Blanc", "Noir"]
