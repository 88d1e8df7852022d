"""The home page and sign-in on a phone."""

import pytest

from tests import factories
from tests.browser.conftest import assert_no_sideways_scroll, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_home_page_fits_a_phone_and_invites_volunteers(page):
    page.goto("/")
    assert page.locator("h1").inner_text() == "Personne ne devrait passer des semaines sans visite"
    assert page.get_by_role("link", name="Devenir bénévole").first.is_visible()
    assert_no_sideways_scroll(page)


def test_a_coordinator_signs_in_and_gets_the_staff_navigation(page, coordinator_a):
    login(page, coordinator_a.email, factories.PASSWORD)
    # The phone's bottom bar holds the staff's main destinations; the header's menu the rest.
    bar = page.get_by_role("navigation", name="Menu principal")
    assert bar.get_by_role("link", name="Association").is_visible()
    assert bar.get_by_role("link", name="Alertes").is_visible()
    assert page.get_by_role("button", name="Se déconnecter").is_hidden()
    page.locator("details.menu > summary").click()
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    assert_no_sideways_scroll(page)


def test_the_language_switch_turns_the_page_english(page):
    page.goto("/")
    page.get_by_role("button", name="Read in English").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "No one should go weeks without a visit"
    page.get_by_role("button", name="Lire en français").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Personne ne devrait passer des semaines sans visite"
