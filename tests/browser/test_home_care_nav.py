"""A home-care service's staff on a phone: the bottom bar holds their own pages (sessions, and
for a manager the month and its statements), never the association's, and each one opens."""

import os
import re

import pytest
from django.conf import settings
from django.test import Client

from missions.models import Association, Membership
from tests import factories
from tests.browser.conftest import assert_no_sideways_scroll, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPECTED = {
    Membership.Role.MANAGER: {
        "fr": [("Séances", "/lien-social/"), ("Mois", "/lien-social/service/")],
        "en": [("Sessions", "/lien-social/"), ("Month", "/lien-social/service/")],
    },
    Membership.Role.PROFESSIONAL: {
        "fr": [("Séances", "/lien-social/")],
        "en": [("Sessions", "/lien-social/")],
    },
}


def signed_in_context(browser, live_server, user, *, locale: str):
    """A phone's browser already signed in as `user` (its second factor is not what is tested)."""
    client = Client()
    client.force_login(user)
    context = phone_context(browser, live_server, locale=locale)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context


@pytest.mark.parametrize("role", [Membership.Role.MANAGER, Membership.Role.PROFESSIONAL])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_home_care_staff_find_their_own_pages_in_the_bottom_bar(browser, live_server, role, language):
    service = factories.AssociationFactory(name="Aide à domicile Saône", kind=Association.Kind.HOME_CARE)
    user = factories.UserFactory(first_name="Nadia", language=language, mfa=role == Membership.Role.MANAGER)
    factories.MembershipFactory(user=user, association=service, role=role)
    context = signed_in_context(browser, live_server, user, locale="fr-FR" if language == "fr" else "en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/")
    page.wait_for_load_state("networkidle")
    bar = page.locator("nav.main")
    assert bar.is_visible()
    links = bar.get_by_role("link")
    # On a 390 px phone the short names show, and they are the links' accessible names.
    shown = [(links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href")) for i in range(links.count())]
    assert shown == EXPECTED[role][language]
    assert not re.search(r"/association/|/alerts/|/matching/|/visits/", " ".join(href for _name, href in shown))
    for name, href in shown:
        response = page.goto(href)
        assert response.status == 200, href
        assert (
            page.locator("nav.main").get_by_role("link", name=name, exact=True).get_attribute("aria-current") == "page"
        )
    page.goto(shown[-1][1])
    shots = os.environ.get("LIENS_SCREENSHOTS")  # a folder: keep a picture of the bar at each width
    for width in (390, 360):
        assert_no_sideways_scroll(page, width)
        page.set_viewport_size({"width": width, "height": 844})
        if shots:
            page.screenshot(path=os.path.join(shots, f"nav-home-care-{role}-{language}-{width}.png"))
    context.close()
