"""The public catalogue on a phone: a visitor filters open missions, opens one, signs up, and
lands back on that mission once their address is confirmed."""

import datetime
import re

import pytest
from django.core import mail

from liens.choices import VisitKind
from tests import factories
from tests.browser.conftest import assert_no_sideways_scroll, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(360, 740), (390, 844)])
def test_a_visitor_filters_opens_a_mission_and_comes_back_to_it_after_signing_up(
    browser, live_server, association_a, width, height
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

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + "/" + link.split("://", 1)[1].split("/", 1)[1])
    page.get_by_role("button", name="Oui, je confirme").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/volunteer/missions/{visit.pk}/")
    context.close()
