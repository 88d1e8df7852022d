"""A GP practice refers a person through its private link, with no account; a coordinator on a
phone takes the referral to a first visit; the practice's outbox holds the acknowledgement and
the first-visit message, without the volunteer's name or anyone's notes."""

import pytest
from django.utils import timezone

from liens.models import Notification, User
from missions.models import Match, Membership, Partner, Referral
from missions.referrals import services
from missions.referrals.links import referral_link_path
from tests import factories
from tests.browser.conftest import assert_no_sideways_scroll, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_NOTE = "Fille à Grenoble, appeler le soir"


def test_a_partners_referral_reaches_a_first_visit_and_the_practice_hears_back(page, association_a, coordinator_a):
    manager = factories.UserFactory(email="direction-a@exemple.fr")
    factories.MembershipFactory(user=manager, association=association_a, role=Membership.Role.MANAGER)
    partner = services.partner_create(
        association=association_a,
        by=manager,
        kind=Partner.Kind.GP,
        name="Cabinet médical des Pentes",
        email="pentes@medecin.mssante.fr",
    )
    users_before = User.objects.count()

    # The practice's link, no account: a mistake first, then the referral goes.
    page.goto(referral_link_path(partner))
    page.fill("#id_first_name", "Simone")
    page.fill("#id_last_name", "Carrel")
    page.fill("#id_birth_year", "1936")
    page.check("input[name=consent][value=given]")
    page.check("input[name=needs][value=loneliness]")
    page.fill("#id_needs_text", "Veuve depuis le printemps, ne sort plus.")
    page.check("input[name=reach_by][value=phone]")
    page.fill("#id_postcode", "69001")
    page.fill("#id_referrer_name", "Dr Anne Roche")
    assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Envoyer l’orientation").click()
    # No phone for a phone contact: said next to the field, and nothing typed is lost.
    assert page.locator("#id_phone-error").is_visible()
    assert page.input_value("#id_needs_text") == "Veuve depuis le printemps, ne sort plus."
    assert page.is_checked("input[name=needs][value=loneliness]")
    page.fill("#id_phone", "04 78 28 00 00")
    page.get_by_role("button", name="Envoyer l’orientation").click()
    page.wait_for_url("**/sent/")
    assert "Merci" in page.locator("h1").inner_text()
    assert User.objects.count() == users_before
    page.context.clear_cookies()

    # The coordinator, on the phone.
    login(page, coordinator_a.email, factories.PASSWORD)
    page.goto("/association/")
    assert page.locator("#count-referrals").inner_text() == "1"
    page.goto("/association/referrals/")
    page.get_by_role("link", name="Simone Carrel").click()
    page.wait_for_url("**/association/referrals/*/")
    assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.fill("#id_staff_notes", STAFF_NOTE)
    page.get_by_role("button", name="Enregistrer les notes").click()
    page.get_by_role("button", name="Personne contactée").click()
    page.get_by_role("button", name="Besoins évalués").click()
    assert page.locator("#referral-status").inner_text() == "Besoins évalués"

    page.get_by_role("link", name="Créer la personne à partir de cette orientation").click()
    assert page.input_value("#id_last_name") == "Carrel"
    assert page.input_value("#id_referral_source") == "gp"
    page.fill("#id_address", "4 montée de la Grande-Côte")
    page.fill("#id_city", "Lyon")
    page.get_by_role("button", name="Ouvrir le dossier").click()
    page.wait_for_url("**/association/referrals/*/")
    referral = Referral.objects.get()
    assert referral.beneficiary is not None

    # A volunteer is matched to the person (done on the matching pages, not under test here).
    volunteer = factories.VolunteerFactory(user=factories.UserFactory(first_name="Mathis", last_name="Fontanel"))
    mission = factories.MissionFactory(beneficiary=referral.beneficiary)
    factories.MatchFactory(volunteer=volunteer, mission=mission, status=Match.Status.ACTIVE)
    page.get_by_role("button", name="Bénévole trouvé").click()
    page.select_option("#id_support_kind", "home_visit")
    page.get_by_role("button", name="Première visite faite").click()
    assert page.locator("#referral-status").inner_text() == "Première visite faite"

    rows = list(Notification.objects.filter(to_address="pentes@medecin.mssante.fr").order_by("pk"))
    assert [row.kind for row in rows] == ["referral_acknowledged", "referral_first_visit"]
    for row in rows:
        assert row.recipient_id is None and row.language == "fr"
        for text in (row.subject, row.body_text, row.body_html):
            for secret in ("Mathis", "Fontanel", STAFF_NOTE, "Veuve", "Simone", "Carrel"):
                assert secret not in text
    assert "Visites hebdomadaires à domicile" in rows[1].body_text
    referral.refresh_from_db()
    assert referral.first_visit_at and referral.first_visit_at <= timezone.now()
