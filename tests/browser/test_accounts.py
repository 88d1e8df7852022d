"""A new platform admin on a phone is made to set up an authenticator app, then asked for its code."""

import pytest
from allauth.account.models import EmailAddress

from tests import factories
from tests.browser.conftest import assert_no_sideways_scroll, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_sets_up_the_authenticator_app_then_signs_in_with_a_code(page):
    user = factories.UserFactory(email="nouvel-admin@exemple.fr", is_staff=True, mfa=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    login(page, user.email, factories.PASSWORD)
    # Anything but the setup is closed; the setup first asks for the password again.
    page.goto("/alerts/dashboard/")
    assert page.locator("h1").inner_text() == "Confirmer l’accès"
    page.fill("input[name=password]", factories.PASSWORD)
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_load_state("networkidle")

    assert page.locator("h1").inner_text() == "Installer une application d’authentification"
    # Until it is set up, the menu offers none of the admin's pages.
    assert page.get_by_role("link", name="Alertes").count() == 0
    assert page.locator("img.qr").is_visible()
    assert_no_sideways_scroll(page)
    secret = page.locator("#authenticator_secret").text_content().strip()
    page.get_by_label("Code de l’authentificateur").fill(factories.totp_code(secret))
    page.get_by_role("button", name="Activer").click()
    page.wait_for_load_state("networkidle")

    assert page.locator("h1").inner_text() == "Codes de récupération"
    page.goto("/alerts/dashboard/")
    assert "/alerts/dashboard/" in page.url

    page.locator("details.menu > summary").click()  # sign-out sits in the header's menu
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state("networkidle")
    login(page, user.email, factories.PASSWORD)
    assert page.locator("h1").inner_text() == "Votre code de connexion"
    assert_no_sideways_scroll(page)
    page.get_by_label("Code", exact=True).fill(factories.totp_code(secret))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("networkidle")
    assert "/alerts/dashboard/" in page.url
