"""A coordinator on a phone reviews an isolation alert: assigns it, logs a call, sees it resolve.
An outsider coordinator cannot open it."""

import pytest

from missions.alerts.sweep import isolation_sweep
from missions.models import Contact, IsolationAlert
from tests import factories
from tests.alerts.conftest import followed
from tests.browser.conftest import assert_no_sideways_scroll, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def silent_alert(association_a):
    """Germaine, not contacted for twelve days: the sweep has raised a no-contact alert."""
    followed(association_a, days_silent=12, first_name="Germaine", last_name="Vial")
    isolation_sweep()
    return IsolationAlert.objects.get()


def test_a_coordinator_assigns_logs_a_call_and_sees_the_alert_resolve(page, coordinator_a, silent_alert):
    colleague = factories.UserFactory(first_name="Inès", last_name="Moreau")
    factories.MembershipFactory(user=colleague, association=silent_alert.association)
    login(page, coordinator_a.email, factories.PASSWORD)

    page.get_by_role("link", name="Alertes", exact=True).click()
    page.wait_for_url("**/alerts/")
    card = page.locator(".alert-card").filter(has_text="Germaine Vial")
    assert "Sans contact" in card.inner_text()
    assert "non prise en compte" in card.inner_text()
    assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 390, "height": 844})

    card.get_by_role("link").click()
    page.wait_for_url(f"**/alerts/{silent_alert.pk}/")
    assert "Germaine Vial" in page.locator("h1").inner_text()
    assert page.get_by_role("link", name="Appeler 04 78 00 00 00").is_visible()
    assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 390, "height": 844})

    page.get_by_role("combobox", name="Attribuer à").select_option(label="Inès Moreau")
    page.get_by_role("button", name="Attribuer", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "Alerte attribuée." in page.locator(".messages").inner_text()
    assert "Inès Moreau" in page.locator(".facts").inner_text()

    page.get_by_label("Oui, nous avons parlé").check()
    page.get_by_label("Ce qui a été dit").fill("Elle va bien, sa fille était là ce week-end.")
    page.get_by_role("button", name="Noter l’appel").click()
    page.wait_for_load_state("networkidle")
    assert "Appel noté." in page.locator(".messages").inner_text()
    assert page.locator(".alert-state").inner_text().strip().endswith("Résolue")
    assert "Un nouveau contact" in page.locator(".facts").inner_text()
    timeline = page.locator(".timeline").first.inner_text()
    for step in ("Levée", "Prise en compte", "Attribuée", "Appel noté", "Résolue"):
        assert step in timeline
    assert_no_sideways_scroll(page)

    page.get_by_role("link", name="Alertes", exact=True).click()
    page.get_by_role("link", name="Voir les chiffres").click()
    page.wait_for_url("**/alerts/dashboard/")
    assert page.locator(".week-chart svg rect").count() == 12
    assert_no_sideways_scroll(page)

    silent_alert.refresh_from_db()
    assert silent_alert.resolved_at is not None
    assert silent_alert.assigned_to == colleague
    assert Contact.objects.get(kind=Contact.Kind.STAFF_CALL).recorded_by == coordinator_a


def test_an_outsider_coordinator_cannot_open_the_alert(page, coordinator_b, silent_alert):
    login(page, coordinator_b.email, factories.PASSWORD)
    response = page.goto(f"/alerts/{silent_alert.pk}/")
    assert response.status == 404
    page.goto("/alerts/")
    assert page.locator(".alert-card").count() == 0
