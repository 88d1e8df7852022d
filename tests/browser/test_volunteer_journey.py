"""A volunteer on a phone, from sign-up to the report after a visit; and the coordinator sees
the urgent alert. Every volunteer page fits 360 px and weighs under 100 KB (HTML + CSS + JS)."""

import datetime
import json
import os
import re

import pytest
from django.core import mail
from django.utils import timezone

from liens.models import User
from missions.models import IsolationAlert, Match, VisitReport
from tests import factories
from tests.browser.conftest import PHONE, assert_no_sideways_scroll, login, phone_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEIGHT_LIMIT = 100 * 1024


class Scale:
    """Weighs each page as a first visit transfers it: its HTML plus every stylesheet and
    script it links to (uncompressed bodies, so an upper bound of what goes over the wire)."""

    def __init__(self, page):
        self.page = page
        self.documents: list = []
        self.weights: dict[str, int] = {}
        page.on("response", self._on_response)

    def _on_response(self, response):
        if response.request.resource_type == "document" and response.status < 300:
            self.documents.append(response)

    def _assets_weight(self) -> int:
        # Fetched afresh rather than read from the page's responses: Chromium serves a
        # stylesheet it already holds from memory without a response event to count.
        urls = self.page.eval_on_selector_all(
            "link[rel=stylesheet][href], script[src]", "nodes => nodes.map(n => n.href || n.src)"
        )
        return sum(len(self.page.request.get(url).body()) for url in set(urls))

    def check(self, label: str) -> None:
        """The page now shown fits a 360 px screen and weighs under the limit."""
        self.page.wait_for_load_state("networkidle")
        assert self.documents, f"{label}: no page loaded"
        html = len(self.documents[-1].body())
        total = html + self._assets_weight()
        self.weights[label] = total
        assert html > 0 and total < WEIGHT_LIMIT, f"{label} weighs {total} bytes"
        shots = os.environ.get("LIENS_SCREENSHOTS")  # a folder: keep a full-page picture of each page
        if shots:
            name = re.sub(r"\W+", "-", label).strip("-")
            self.page.screenshot(path=os.path.join(shots, f"{len(self.weights):02d}-{name}.png"), full_page=True)
        assert_no_sideways_scroll(self.page)
        self.page.set_viewport_size(PHONE["viewport"])

    def goto(self, path: str, label: str | None = None) -> None:
        self.documents = []
        self.page.goto(path)
        self.check(label or path)

    def click(self, selector_or_locator, label: str) -> None:
        self.documents = []
        locator = (
            self.page.locator(selector_or_locator) if isinstance(selector_or_locator, str) else selector_or_locator
        )
        locator.click()
        self.check(label)


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_a_volunteer_signs_up_takes_a_match_and_reports_an_urgent_concern(
    page, browser, live_server, coordinator_a, fixed_clock, tasks_in_process
):
    scale = Scale(page)

    # Sign-up: five fields.
    scale.goto("/accounts/signup/", "sign-up")
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("E-mail").fill("camille@exemple.fr")
    page.get_by_label("Mot de passe").fill("un-jardin-sous-la-pluie")
    page.get_by_label("Code postal").fill("69004")
    page.get_by_label("Téléphone portable (facultatif)").fill("06 12 34 56 78")
    scale.click("form[action='/accounts/signup/'] button[type=submit]", "verification sent")
    assert page.locator("h1").inner_text() == "Consultez vos e-mails"

    # Verify the email: the link from the mail confirms and signs in, straight into the wizard.
    link = re.search(r"https?://\S+/volunteer/welcome/\S+/", mail.outbox[-1].body).group(0)
    scale.goto(_path(link), "wizard: availability")
    assert page.url.endswith("/volunteer/profile/availability/")
    assert page.get_by_text("Étape 1 sur 2").is_visible()

    # The wizard: two steps; the rest starts from defaults, refined on the profile.
    page.locator("input[name=d1_afternoon]").check()
    page.locator("input[name=d3_morning]").check()
    scale.click(page.get_by_role("button", name="Enregistrer et continuer"), "wizard: charter")
    page.get_by_label("J’ai lu et j’accepte la charte du bénévole").check()
    page.locator("input[name=data_consent]").check()
    scale.click(page.get_by_role("button", name="Enregistrer et voir la suite"), "missions (pending vetting)")
    assert page.url.endswith("/volunteer/missions/")
    scale.goto("/volunteer/profile/place/", "profile: place (optional)")
    page.get_by_label("Numéro et rue (facultatif)").fill("12 rue d'Austerlitz")
    scale.click(page.get_by_role("button", name="Enregistrer", exact=True), "profile")
    volunteer = User.objects.get(email="camille@exemple.fr").volunteer
    assert volunteer.profile_steps_done == ["availability", "place", "charter"] and volunteer.slots.count() == 2
    assert "home_visit" in volunteer.visit_kinds and volunteer.user.notify_channels["reminders"] == ["email", "sms"]

    scale.goto("/volunteer/vetting/", "vetting (pending)")
    assert "Vérification des antécédents" in page.content()

    # The association vets her and posts a mission near her.
    from volunteers.vetting import vetting_record

    for step in ["interview", "training", "background_check"]:
        vetting_record(volunteer=volunteer, step=step, on=timezone.localdate(), by=coordinator_a)
    person = factories.BeneficiaryFactory(
        association=coordinator_a.memberships.get().association,
        first_name="Simone",
        last_name="Rivière",
        birth_year=1938,
        address="5 rue Dumenge",
        phone="04 78 12 34 56",
        access_notes="Code porte 4512B",
        interests=["gardening"],
    )
    mission = factories.MissionFactory(beneficiary=person, title="Visite du mardi")

    scale.goto("/volunteer/missions/", "missions for me")
    content = page.content()
    assert "Simone R." in content and "Rivière" not in content and "5 rue Dumenge" not in content

    # A coordinator proposes the match; she accepts it on her phone.
    from missions.matching.life import match_activate, match_introduce
    from missions.matching.services import match_propose

    match = match_propose(mission=mission, volunteer=volunteer, by=coordinator_a)
    scale.goto("/volunteer/missions/", "missions for me (proposal)")
    assert "Proposées pour vous" in page.content() and "Rivière" not in page.content()
    scale.click(page.get_by_role("button", name="Accepter"), "missions for me (accepted)")
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED
    scale.goto(f"/volunteer/missions/{mission.pk}/", "mission detail (accepted)")
    assert "5 rue Dumenge" not in page.content()

    # Introduced and confirmed: the address appears. The visits are planned by the task the
    # activation sends after commit (a worker's job, run here in-process: tasks_in_process).
    match_introduce(match=match, by=coordinator_a, on=timezone.localdate())
    match_activate(match=match, by=coordinator_a)
    scale.goto(f"/volunteer/missions/{mission.pk}/", "mission detail (active)")
    assert page.get_by_text("5 rue Dumenge").is_visible()
    assert page.get_by_role("link", name="Appeler le 04 78 12 34 56").is_visible()

    # The first visit the schedule planned takes place; half an hour after it ends, she reports
    # it with an urgent concern. (Built from the schedule, not from the clock: a visit made up
    # for "two hours ago" collided with the planned one on Tuesday mornings.)
    visit = match.visits.filter(status="scheduled").order_by("starts_at").first()
    assert visit is not None and visit.starts_at > timezone.now(), "activating the match plans the next visits"
    fixed_clock.move_to(visit.ends_at + datetime.timedelta(minutes=30))
    page.clock.set_system_time(timezone.now())
    scale.goto("/volunteer/visits/", "my visits")
    scale.click(page.get_by_role("link", name="Raconter cette visite").first, "report form")
    page.get_by_label("Oui").check()  # tap 1
    page.get_by_label("Inquiétant").check()  # tap 2
    page.get_by_label("Une chute").check()
    page.get_by_label("Quelque chose à ajouter ? (facultatif)").fill("Elle est tombée dans la cuisine hier.")
    scale.click(page.get_by_role("button", name="Envoyer"), "report sent (urgent)")  # tap 3
    for number in ["15", "112", "3977"]:
        assert page.locator(f"a[href='tel:{number}']").is_visible()
    assert VisitReport.objects.get(visit=visit).concerns == ["fall"]

    upcoming = match.visits.filter(status="scheduled", starts_at__gt=timezone.now()).first()
    assert upcoming is not None, "activating the match plans the next visits"
    for path, label in [
        (f"/volunteer/visits/{upcoming.pk}/move/", "move a visit"),
        (f"/volunteer/visits/{upcoming.pk}/cancel/", "cancel a visit"),
        ("/volunteer/", "volunteer home"),
        ("/volunteer/profile/", "profile"),
        ("/volunteer/visits/", "my visits (after report)"),
        ("/volunteer/calendar/", "calendar"),
        ("/volunteer/pause/", "pause"),
        ("/volunteer/leave/", "leave"),
    ]:
        scale.goto(path, label)

    # The coordinator sees the alert in the review queue.
    alert = IsolationAlert.objects.get(beneficiary=person, kind="urgent_concern")
    coordinator = phone_context(browser, live_server).new_page()
    login(coordinator, coordinator_a.email, factories.PASSWORD)
    coordinator.goto("/alerts/")
    # On the alert's own card: the coordinator's name may be Simone too (the factories draw names),
    # and her name in the folded menu is not what this checks.
    assert coordinator.locator(f"#alert-{alert.pk}").get_by_text("Simone Rivière").is_visible()
    assert f"/alerts/{alert.pk}/" in coordinator.content()
    coordinator.context.close()

    report = os.environ.get("LIENS_PAGE_WEIGHTS")
    if report:
        with open(report, "w") as handle:
            json.dump(scale.weights, handle, indent=1)
    print("\npage weights (bytes):", json.dumps(scale.weights, indent=1))


def test_the_sign_in_and_password_pages_fit_a_phone(page):
    scale = Scale(page)
    for path, label in [
        ("/accounts/login/", "sign-in"),
        ("/accounts/password/reset/", "password reset"),
        ("/accounts/signup/", "sign-up"),
    ]:
        scale.goto(path, label)
        for field in page.locator("main input:not([type=hidden]):not([type=checkbox])").all():
            field_id = field.get_attribute("id")
            assert page.locator(f"label[for='{field_id}']").count() == 1, f"{label}: {field_id} has no label"


def test_a_wrong_postcode_at_sign_up_is_explained_and_the_typing_kept(page):
    page.goto("/accounts/signup/")
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("E-mail").fill("camille@exemple.fr")
    page.get_by_label("Mot de passe").fill("un-jardin-sous-la-pluie")
    page.get_by_label("Code postal").fill("99999")
    page.locator("form[action='/accounts/signup/'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Saisissez un code postal français à cinq chiffres").is_visible()
    assert page.get_by_label("Prénom").input_value() == "Camille"
    assert page.get_by_label("Code postal").get_attribute("aria-invalid") == "true"
    assert not User.objects.filter(email="camille@exemple.fr").exists()


@pytest.mark.parametrize("viewport", [{"width": 360, "height": 740}, {"width": 390, "height": 844}], ids=["360", "390"])
def test_a_newcomer_confirms_in_the_mail_apps_browser_waits_for_vetting_then_offers(
    browser, live_server, coordinator_a, viewport
):
    association = coordinator_a.memberships.get().association
    simone = factories.BeneficiaryFactory(association=association, first_name="Simone", last_name="Rivière")
    home_visit = factories.MissionFactory(beneficiary=simone, title="Visite du mardi")
    lucien = factories.BeneficiaryFactory(association=association, first_name="Lucien", last_name="Morel")
    factories.MissionFactory(beneficiary=lucien, title="Appel du mardi", kind="phone_call")

    # Sign-up on the phone's browser.
    signup = phone_context(browser, live_server).new_page()
    signup.set_viewport_size(viewport)
    signup.goto("/accounts/signup/")
    signup.get_by_label("Prénom").fill("Camille")
    signup.get_by_label("E-mail").fill("camille@exemple.fr")
    signup.get_by_label("Mot de passe").fill("un-jardin-sous-la-pluie")
    signup.get_by_label("Code postal").fill("69004")
    signup.locator("form[action='/accounts/signup/'] button[type=submit]").click()
    signup.wait_for_load_state("networkidle")
    assert signup.locator("h1").inner_text() == "Consultez vos e-mails"

    # The email names Liens and what the link does; the mail app opens it in a browser of its own.
    message = mail.outbox[-1]
    assert message.subject == "Bienvenue sur Liens\u00a0: confirmez votre adresse e-mail"
    assert message.body.startswith("Bonjour Camille,") and "dans l’heure" in message.body
    link = re.search(r"https?://\S+/volunteer/welcome/\S+/", message.body).group(0)
    context = phone_context(browser, live_server)
    page = context.new_page()
    page.set_viewport_size(viewport)
    page.goto(_path(link))
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/volunteer/profile/availability/"), "the link signs in on the mail app's browser"
    assert page.get_by_text("Étape 1 sur 2").is_visible()
    assert_no_sideways_scroll(page, viewport["width"])
    page.set_viewport_size(viewport)

    # The two wizard steps: 23 inputs in all (62 over six steps before the defaults).
    shown = "main input:visible:not([type=hidden]), main select:visible, main textarea:visible"
    assert page.locator(shown).count() == 21
    page.locator("label[for=id_d1_afternoon]").click()  # Tuesday afternoon
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Étape 2 sur 2").is_visible()
    assert page.locator(shown).count() == 2
    page.get_by_label("J’ai lu et j’accepte la charte du bénévole").check()
    page.locator("input[name=data_consent]").check()
    page.get_by_role("button", name="Enregistrer et voir la suite").click()
    page.wait_for_load_state("networkidle")

    # Where she stands: the timeline, what is open now, what opens once vetted.
    assert page.url.endswith("/volunteer/missions/")
    assert page.get_by_role("heading", name="Où en est votre inscription").is_visible()
    timeline = page.locator(".timeline")
    assert (
        timeline.locator("li.done").count() == 1
        and "Charte et consentement" in timeline.locator("li.done").inner_text()
    )
    next_step = timeline.locator("li.next")
    assert "Entretien avec un·e coordinateur·rice" in next_step.inner_text()
    assert "en général sous une semaine" in next_step.inner_text()
    now = page.locator("section", has=page.get_by_role("heading", name="Ouvertes pour vous dès maintenant"))
    later = page.locator("section", has=page.get_by_role("heading", name="Après votre validation"))
    assert now.get_by_text("Lucien M.").is_visible()
    assert now.get_by_role("button", name="Je peux aider").count() == 1
    simone_card = later.locator("li", has=page.get_by_text("Simone R."))
    assert simone_card.get_by_text("Une fois validé·e").is_visible()
    assert simone_card.get_by_role("button").count() == 0, "no offer before vetting"
    assert "Rivière" not in page.content()
    assert_no_sideways_scroll(page, viewport["width"])
    page.set_viewport_size(viewport)

    # A coordinator records the vetting steps; the home visit opens to her.
    from volunteers.vetting import vetting_record

    volunteer = User.objects.get(email="camille@exemple.fr").volunteer
    for step in ["interview", "training", "background_check"]:
        vetting_record(volunteer=volunteer, step=step, on=timezone.localdate(), by=coordinator_a)
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Où en est votre inscription").count() == 0
    assert page.get_by_text("Une fois validé·e").count() == 0
    card = page.locator("li", has=page.get_by_text("Simone R."))
    card.get_by_role("button", name="Je peux aider").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Merci\u00a0! L’association vous contactera").is_visible()
    assert Match.objects.get(mission=home_visit, volunteer=volunteer).status == Match.Status.ACCEPTED
    assert page.get_by_role("heading", name="Mes personnes").is_visible()
    context.close()
    signup.context.close()
