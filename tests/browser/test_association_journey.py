"""A new association on a phone: from the home page to its first published mission, with its
manager's own account and never a volunteer profile on the way."""

import re

import pytest
from django.core import mail

from liens.models import User
from missions.association.services import association_validate
from missions.models import Association, Mission
from tests import factories
from tests.association.test_signup_register import first_person_and_mission
from tests.browser.conftest import assert_no_sideways_scroll, phone_context
from volunteers.models import Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-jardin-sous-la-pluie"


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize(("width", "height"), [(360, 740), (390, 844)])
def test_an_association_registers_from_the_home_page_and_publishes_its_first_mission(
    browser, live_server, admin_user, width, height
):
    context = phone_context(browser, live_server)
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/")

    # From the home page, one form: the manager's account and the association.
    page.locator("main").get_by_role("link", name="Inscrire votre association").click()
    _settle(page)
    assert page.locator("h1").inner_text() == "Inscrire votre association"
    assert_no_sideways_scroll(page, width)
    page.get_by_label("Prénom").fill("Hélène")
    page.locator("#id_last_name").fill("Berthier")
    page.get_by_label("Votre adresse e-mail").fill("helene@amis-plateau.fr")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Nom de l’association").fill("Les Amis du Plateau")
    page.get_by_label("SIRET").fill("73282932000074")
    page.locator("#id_address").fill("3 place des Tapis")
    page.get_by_label("Code postal").fill("69004")
    page.get_by_label("Ville").fill("Lyon")
    page.get_by_label("Territoire").fill("Métropole de Lyon")
    page.get_by_role("button", name="Inscrire l’association").click()
    _settle(page)

    # The wait, explained; nothing of volunteers.
    assert page.locator("h1").inner_text() == "Votre association attend sa validation"
    assert "helene@amis-plateau.fr" in page.content() and "jours ouvrés" in page.content()
    assert_no_sideways_scroll(page, width)
    manager = User.objects.get(email="helene@amis-plateau.fr")
    association = Association.objects.get(name="Les Amis du Plateau")
    assert association.validated_at is None

    # The address is confirmed from the mail, in this browser: signed in, then two-factor set-up.
    link = re.search(r"https?://\S+/volunteer/welcome/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + _path(link))
    _settle(page)
    if page.locator("h1").inner_text() == "Confirmer l’accès":
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Confirmer").click()
        _settle(page)
    assert page.locator("h1").inner_text() == "Installer une application d’authentification"
    secret = page.locator("#authenticator_secret").text_content().strip()
    page.get_by_label("Code de l’authentificateur").fill(factories.totp_code(secret))
    page.get_by_role("button", name="Activer").click()
    _settle(page)

    page.goto(live_server.url + "/association/join/pending/")
    assert page.locator("h1").inner_text() == "Votre association attend sa validation"
    assert page.get_by_role("link", name="Enregistrer une personne").is_visible()
    nav = page.locator("header").inner_text()
    assert "Mes missions" not in nav and "Mes visites" not in nav
    assert_no_sideways_scroll(page, width)

    # A platform admin validates it; the manager records a first person and prepares a mission.
    association_validate(association=association, by=admin_user)
    _, mission = first_person_and_mission(association=association, manager=manager)

    # The validated association's pending page leads to its pages; the manager publishes.
    page.goto(live_server.url + "/association/join/pending/")
    assert page.url.endswith("/association/")
    page.goto(live_server.url + f"/association/missions/{mission.pk}/")
    page.locator(f"form[action='/association/missions/{mission.pk}/publish/'] button").click()
    _settle(page)
    mission.refresh_from_db()
    assert mission.status == Mission.Status.OPEN

    # The mission is now in the public catalogue, as a safe card.
    page.goto(live_server.url + "/missions/?postcode=69004")
    card = page.locator(".catalogue-card").first.inner_text()
    assert "avec O." in card and "Croix-Rousse" in card and "Odette" not in card
    assert not Volunteer.objects.exists()
    context.close()
