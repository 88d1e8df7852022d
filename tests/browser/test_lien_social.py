"""A home-care professional on a phone records a lien-social session with an urgent concern:
the urgent alert is raised at once and the person's coordinator sees it in the queue."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from missions.liensocial.services import plan_create
from missions.models import Association, IsolationAlert, LienSocialSession, Membership
from tests import factories
from tests.browser.conftest import assert_no_sideways_scroll, login, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def professional(association_a, coordinator_a):
    service = factories.AssociationFactory(name="Aide à domicile Saône", kind=Association.Kind.HOME_CARE)
    user = factories.UserFactory(email="pro@exemple.fr", first_name="Nadia")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    factories.MembershipFactory(user=user, association=service, role=Membership.Role.PROFESSIONAL)
    person = factories.BeneficiaryFactory(association=association_a, first_name="Germaine", last_name="Vial")
    plan_create(
        beneficiary=person,
        service=service,
        hours_per_month=6,
        # In force whatever instant the suite runs at (TEST_NOW).
        starts_on=timezone.localdate() - datetime.timedelta(days=20),
        by=coordinator_a,
    )
    return user


def test_a_professional_records_a_session_with_an_urgent_concern_and_the_alert_appears(
    page, browser, live_server, professional, coordinator_a
):
    login(page, professional.email, factories.PASSWORD)
    page.get_by_role("link", name="Séances", exact=True).click()
    card = page.locator(".card").filter(has_text="Germaine V.")
    assert "Plan : 6 h par mois" in card.inner_text().replace("\u00a0", " ")
    card.get_by_role("link", name="Enregistrer une séance").click()
    page.wait_for_url("**/session/")
    assert "Séance avec Germaine" in page.locator("h1").inner_text()
    assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 390, "height": 844})

    page.get_by_label("Jeux").check()
    page.get_by_label("1 h", exact=True).check()
    page.get_by_label("Inquiétant").check()
    page.get_by_label("Une chute").check()
    page.get_by_role("button", name="Enregistrer la séance").click()
    page.wait_for_url("**/lien-social/")
    assert "Inquiétude urgente transmise" in page.locator(".messages").inner_text()

    session = LienSocialSession.objects.get()
    alert = IsolationAlert.objects.get(kind=IsolationAlert.Kind.URGENT_CONCERN)
    assert alert.lien_social_session_id == session.pk and session.duration_minutes == 60

    # The person's coordinator sees the urgent alert in the queue.
    context = phone_context(browser, live_server)
    coordinator = context.new_page()
    login(coordinator, coordinator_a.email, factories.PASSWORD)
    coordinator.goto("/alerts/")
    card = coordinator.locator(".alert-card").filter(has_text="Germaine Vial")
    assert "Inquiétude urgente" in card.inner_text()
    context.close()
