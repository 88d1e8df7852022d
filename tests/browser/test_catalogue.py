"""The newcomer's walk on a phone: a visitor filters the public catalogue, opens a mission, signs
up, confirms in the mail app's browser, goes through the wizard, lands back on that mission
(open once vetted), sees where their vetting stands, is vetted, and offers to help."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from liens.choices import VisitKind
from liens.models import User
from missions.models import Match
from tests import factories
from tests.browser.conftest import assert_no_sideways_scroll, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(360, 740), (390, 844)])
def test_a_visitor_filters_opens_a_mission_and_comes_back_to_it_after_signing_up(
    browser, live_server, association_a, coordinator_a, width, height
):
    odette = factories.BeneficiaryFactory(
        association=association_a, first_name="Odette", last_name="Marchand", address="5 rue Dumenge"
    )
    visit = factories.MissionFactory(beneficiary=odette, weekday=1, local_time=datetime.time(15))
    factories.MissionFactory(beneficiary=odette, kind=VisitKind.PHONE_CALL, weekday=3)

    context = phone_context(browser, live_server)
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.set_default_timeout(10_000)

    page.goto(live_server.url + "/")
    page.locator("main").get_by_role("link", name="Voir les missions près de chez vous").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".catalogue-card").count() == 2
    assert_no_sideways_scroll(page, width)

    page.get_by_label("Votre code postal").fill("69004")
    page.locator("summary").click()
    page.get_by_label("Type", exact=True).select_option("home_visit")
    page.get_by_label("Jour", exact=True).select_option("1")
    page.get_by_role("button", name="Voir les missions").click()
    page.wait_for_load_state("networkidle")
    cards = page.locator(".catalogue-card")
    assert cards.count() == 1
    text = cards.first.inner_text()
    assert "avec O." in text and "Chaque mardi après-midi" in text and "Environ 1 km" in text
    assert "Odette" not in page.content() and "Marchand" not in page.content() and "15:00" not in text
    assert_no_sideways_scroll(page, width)

    cards.first.get_by_role("link").click()
    page.wait_for_load_state("networkidle")
    assert "Environ 1 km" in page.content()
    assert_no_sideways_scroll(page, width)
    page.get_by_role("link", name="M’inscrire pour aider").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("E-mail").fill("camille@exemple.fr")
    page.get_by_label("Mot de passe").fill("un-jardin-sous-la-pluie")
    page.get_by_label("Code postal").fill("69004")
    page.locator("form[action='/accounts/signup/'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    assert page.locator("h1").inner_text() == "Consultez vos e-mails"

    # The mail app opens the link in a browser of its own: signed in, the wizard, then the mission.
    link = re.search(r"https?://\S+/volunteer/welcome/\S+", mail.outbox[-1].body).group(0)
    mail_app = phone_context(browser, live_server)
    page = mail_app.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + "/" + link.split("://", 1)[1].split("/", 1)[1])
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Étape 1 sur 2").is_visible()
    page.locator("label[for=id_d1_afternoon]").click()  # Tuesday afternoon, the mission's slot
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("J’ai lu et j’accepte la charte du bénévole").check()
    page.locator("input[name=data_consent]").check()
    page.get_by_role("button", name="Enregistrer et voir la suite").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/volunteer/missions/{visit.pk}/"), "back on the mission she came for"
    assert page.get_by_text("Une fois validé·e").is_visible()
    assert page.get_by_role("button", name="Je peux aider").count() == 0, "no offer before vetting"
    assert "Marchand" not in page.content()
    assert_no_sideways_scroll(page, width)

    # Where she stands: the vetting timeline and the missions, marked for once she is vetted.
    page.get_by_role("link", name="Où en est ma vérification").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Où en est votre inscription").is_visible()
    later = page.locator("section", has=page.get_by_role("heading", name="Après votre validation"))
    assert later.locator("li", has=page.get_by_text("Odette M.")).get_by_text("Une fois validé·e").is_visible()
    assert_no_sideways_scroll(page, width)

    # Vetted by a coordinator of the association: the offer opens on the mission's page.
    from volunteers.vetting import vetting_record

    volunteer = User.objects.get(email="camille@exemple.fr").volunteer
    for step in ["interview", "training", "background_check"]:
        vetting_record(volunteer=volunteer, step=step, on=timezone.localdate(), by=coordinator_a)
    page.goto(live_server.url + f"/volunteer/missions/{visit.pk}/")
    page.get_by_role("button", name="Je peux aider").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Merci\u00a0! L’association vous contactera").is_visible()
    assert Match.objects.get(mission=visit, volunteer=volunteer).status == Match.Status.ACCEPTED
    mail_app.close()
    context.close()
