"""A report typed on a phone survives a dropped connection: kept on the phone, sent later.

In a browser without service workers: where there is one, the report is queued and sent by
itself when the network returns (tests/browser/test_pwa.py)."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from missions.models import VisitReport
from tests import factories
from tests.browser.conftest import login, phone_context
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server):
    context = phone_context(browser, live_server, service_workers="block")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_report_sent_without_network_is_kept_and_sent_once_back_online(page):
    visit = factories.VisitFactory(starts_at=timezone.now() - datetime.timedelta(hours=3))
    user = visit.match.volunteer.user
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    login(page, user.email, PASSWORD)
    form_url = f"/volunteer/visits/{visit.pk}/report/"

    page.goto(form_url)
    page.get_by_text("Oui", exact=True).click()
    page.get_by_text("Comme d’habitude").click()
    page.get_by_label("Quelque chose à ajouter ? (facultatif)").fill("Nous avons parlé de son jardin.")

    page.context.set_offline(True)
    page.get_by_role("button", name="Envoyer").click()
    assert page.get_by_text("Pas de connexion pour le moment").is_visible()
    assert page.url.endswith(form_url)
    assert not VisitReport.objects.exists()

    # Back online, later: the form comes back as it was left.
    page.context.set_offline(False)
    page.goto("/volunteer/visits/")
    page.goto(form_url)
    assert page.get_by_text("Nous avons gardé ce que vous aviez commencé").is_visible()
    assert (
        page.get_by_label("Quelque chose à ajouter ? (facultatif)").input_value() == "Nous avons parlé de son jardin."
    )
    assert page.get_by_label("Oui", exact=True).is_checked()
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url(f"**/visits/{visit.pk}/report/done/")

    report = VisitReport.objects.get(visit=visit)
    assert report.happened and report.notes == "Nous avons parlé de son jardin."
    # Sent: the draft is gone from the phone.
    assert page.evaluate(f"window.localStorage.getItem('liens-draft:report-{visit.pk}')") is None
