"""The installable web app on a phone: installable, the next visits readable on the doorstep with
no network, a report queued there and sent once when the network returns, and no address
left on the phone once the match has ended."""

import datetime
import io

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from PIL import Image

from missions import reports
from missions.matching.life import match_end
from missions.models import Contact, VisitReport
from tests import factories
from tests.browser.conftest import login
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADDRESS = "5 rue Dumenge"
ACCESS_NOTES = "Code 4B12, 3e étage gauche"


@pytest.fixture
def doorstep(db):
    """A volunteer with an active match: a visit that ended an hour ago (to report) and the
    next one in two days."""
    beneficiary = factories.BeneficiaryFactory(access_notes=ACCESS_NOTES)
    match = factories.MatchFactory(mission__beneficiary=beneficiary)
    now = timezone.now()
    past = factories.VisitFactory(match=match, starts_at=now - datetime.timedelta(hours=3))
    coming = factories.VisitFactory(match=match, starts_at=now + datetime.timedelta(days=2))
    user = match.volunteer.user
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return {"match": match, "past": past, "coming": coming, "user": user}


def until(page, expression: str, *, seconds: float = 10) -> None:
    """Waits until `expression` is true in the page (polled from here: the site's policy
    forbids the string evaluation page.wait_for_function uses)."""
    for _ in range(int(seconds * 10)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {expression}")


def controlled(page) -> None:
    """Waits until the service worker looks after the page."""
    until(page, "navigator.serviceWorker.controller !== null")


def kept_paths(page) -> list[str]:
    return page.evaluate(
        """async () => {
            const paths = [];
            for (const name of await caches.keys()) {
                if (!name.startsWith("liens-pages-")) continue;
                for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
            }
            return paths.sort();
        }"""
    )


def wait_kept(page, path: str, *, kept: bool = True) -> None:
    for _ in range(50):
        if (path in kept_paths(page)) == kept:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{path} {'never kept' if kept else 'still kept'}: {kept_paths(page)}")


def test_the_app_is_installable_manifest_icons_and_a_controlling_service_worker(page, doorstep):
    login(page, doorstep["user"].email, PASSWORD)
    page.goto("/volunteer/")
    controlled(page)

    manifest_url = page.eval_on_selector("link[rel=manifest]", "link => link.href")
    response = page.request.get(manifest_url)
    assert response.ok and response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] == "Liens" and manifest["short_name"] == "Liens"
    assert manifest["display"] == "standalone" and manifest["scope"] == "/"
    # The volunteer's app opens on their own space.
    assert manifest["start_url"] == "/volunteer/"
    assert manifest["theme_color"] == "#0b5e57"
    sizes = set()
    for icon in manifest["icons"]:
        answer = page.request.get(icon["src"])
        assert answer.ok and answer.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(answer.body()))
        assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes

    worker = page.request.get("/sw.js")
    assert worker.ok and "javascript" in worker.headers["content-type"]
    assert "no-cache" in worker.headers["cache-control"]
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")

    # Chromium's own verdict: the manifest parses cleanly and nothing of the site's stands in the
    # way of installing (a test's browser context is a private window, which Chromium names).
    cdp = page.context.new_cdp_session(page)
    assert cdp.send("Page.getAppManifest")["errors"] == []
    errors = {error["errorId"] for error in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]}
    assert errors - {"in-incognito"} == set()


def test_on_the_doorstep_without_network_the_visits_open_and_a_report_is_sent_once_back_online(
    page, doorstep, monkeypatch
):
    sends = []
    submit = reports.visit_report_submit

    def counted(**kwargs):
        sends.append(kwargs["visit"].pk)
        return submit(**kwargs)

    monkeypatch.setattr("missions.volunteer.views.visit_report_submit", counted)
    past, match = doorstep["past"], doorstep["match"]
    mission_page = f"/volunteer/missions/{match.mission_id}/"
    report_page = f"/volunteer/visits/{past.pk}/report/"

    login(page, doorstep["user"].email, PASSWORD)
    page.goto("/volunteer/")
    controlled(page)
    page.goto("/volunteer/")  # the worker now sees the page, and fetches the week's pages
    wait_kept(page, mission_page)
    wait_kept(page, report_page)

    page.context.set_offline(True)
    page.goto("/volunteer/")
    assert page.get_by_role("heading", name="Prochaines visites").is_visible()
    page.goto("/volunteer/visits/")
    assert page.get_by_role("heading", name="À venir").is_visible()
    page.goto(mission_page)
    assert page.get_by_text(ADDRESS).is_visible()
    assert page.get_by_text(ACCESS_NOTES).is_visible()

    page.goto(report_page)
    page.get_by_text("Oui", exact=True).click()
    page.get_by_text("Comme d’habitude").click()
    page.get_by_label("Quelque chose à ajouter ? (facultatif)").fill("Nous avons parlé de son jardin.")
    page.get_by_role("button", name="Envoyer").click()
    status = page.locator("[data-report-status]")
    status.get_by_text("Votre compte rendu attend d’être envoyé").wait_for()
    assert not VisitReport.objects.exists() and sends == []

    page.context.set_offline(False)
    status.get_by_text("Votre compte rendu a été envoyé").wait_for()
    report = VisitReport.objects.get(visit=past)
    assert report.happened and report.notes == "Nous avons parlé de son jardin."
    # Sent once: further pages opened send nothing more.
    page.goto("/volunteer/visits/")
    page.goto("/volunteer/")
    page.wait_for_load_state("networkidle")
    assert sends == [past.pk]
    assert VisitReport.objects.count() == 1 and Contact.objects.filter(visit=past).count() == 1


def test_an_urgent_concern_ticked_without_network_shows_the_emergency_numbers_at_once(page, doorstep):
    report_page = f"/volunteer/visits/{doorstep['past'].pk}/report/"
    login(page, doorstep["user"].email, PASSWORD)
    page.goto(report_page)
    controlled(page)
    emergency = page.locator("[data-emergency]")
    assert emergency.is_hidden()
    page.context.set_offline(True)
    page.get_by_text("Une chute").click()
    assert emergency.is_visible()
    assert emergency.get_by_role("link", name="15").is_visible()


def test_once_the_match_ends_the_kept_visit_page_shows_no_address_online_or_offline(page, doorstep):
    match = doorstep["match"]
    mission_page = f"/volunteer/missions/{match.mission_id}/"
    login(page, doorstep["user"].email, PASSWORD)
    page.goto("/volunteer/")
    controlled(page)
    page.goto("/volunteer/")
    wait_kept(page, mission_page)

    coordinator = factories.MembershipFactory(association=match.mission.association).user
    match_end(match=match, by=coordinator, reason="Déménagement")

    # The next page opened online takes the page off the phone, without opening it.
    page.goto("/volunteer/visits/")
    wait_kept(page, mission_page, kept=False)
    page.context.set_offline(True)
    page.goto(mission_page)
    assert page.get_by_text(ADDRESS).count() == 0
    assert page.get_by_role("heading", name="Pas de connexion").is_visible()

    page.context.set_offline(False)
    page.goto(mission_page)
    assert page.get_by_text(ADDRESS).count() == 0


def test_an_ended_match_opened_online_drops_the_kept_copy_at_once(page, doorstep):
    match = doorstep["match"]
    mission_page = f"/volunteer/missions/{match.mission_id}/"
    login(page, doorstep["user"].email, PASSWORD)
    page.goto("/volunteer/")
    controlled(page)
    page.goto("/volunteer/")
    wait_kept(page, mission_page)
    coordinator = factories.MembershipFactory(association=match.mission.association).user
    match_end(match=match, by=coordinator, reason="Déménagement")

    page.goto(mission_page)
    assert page.get_by_text(ADDRESS).count() == 0
    wait_kept(page, mission_page, kept=False)
    page.context.set_offline(True)
    page.goto(mission_page)
    assert page.get_by_text(ADDRESS).count() == 0


def test_signing_out_empties_the_phone(page, doorstep):
    login(page, doorstep["user"].email, PASSWORD)
    page.goto("/volunteer/")
    controlled(page)
    page.goto("/volunteer/")
    wait_kept(page, f"/volunteer/missions/{doorstep['match'].mission_id}/")
    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state("networkidle")
    assert kept_paths(page) == []


def test_the_install_hint_comes_after_a_first_accepted_match_and_goes_for_good(page):
    volunteer = factories.VolunteerFactory()
    user = volunteer.user
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    login(page, user.email, PASSWORD)
    page.goto("/volunteer/")
    hint = page.locator("[data-install-hint]")
    assert hint.count() == 0

    factories.MatchFactory(volunteer=volunteer)
    page.goto("/volunteer/")
    assert hint.is_visible()
    assert hint.get_by_role("heading", name="Gardez Liens sur votre téléphone").is_visible()
    hint.get_by_role("button", name="Pas maintenant").click()
    page.wait_for_url("**/volunteer/")
    assert hint.count() == 0
    page.goto("/volunteer/missions/")
    assert hint.count() == 0


def test_the_phone_never_keeps_another_users_pages(page, doorstep):
    """A session that ends without signing out (expired, cookies wiped), then someone else signs
    in on the same phone: the first volunteer's copies go before anything of the second's."""
    mission_page = f"/volunteer/missions/{doorstep['match'].mission_id}/"
    login(page, doorstep["user"].email, PASSWORD)
    page.goto("/volunteer/")
    controlled(page)
    page.goto("/volunteer/")
    wait_kept(page, mission_page)

    page.context.clear_cookies()
    other = factories.VolunteerFactory().user
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    login(page, other.email, PASSWORD)
    page.goto("/volunteer/")
    wait_kept(page, mission_page, kept=False)
    until(page, "caches.keys().then(names => names.filter(n => n.startsWith('liens-pages-')).length <= 1)")
    page.context.set_offline(True)
    page.goto(mission_page)
    assert page.get_by_text(ADDRESS).count() == 0
