"""A volunteer and a coordinator exchange messages on a match, each on their phone."""

import pytest
from allauth.account.models import EmailAddress

from missions.models import Match, Message
from tests import factories
from tests.browser.conftest import assert_no_sideways_scroll, login, phone_context
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_a_volunteer_and_a_coordinator_exchange_messages_on_a_match_on_their_phones(browser, live_server):
    association = factories.AssociationFactory(name="Voisins de la Croix-Rousse")
    coordinator = _verified(factories.UserFactory(email="coord-chat@exemple.fr", first_name="Nadia"))
    factories.MembershipFactory(user=coordinator, association=association)
    volunteer = factories.VolunteerFactory(user=_verified(factories.UserFactory(email="vol-chat@exemple.fr")))
    person = factories.BeneficiaryFactory(association=association, first_name="Odette")
    mission = factories.MissionFactory(beneficiary=person)
    match = factories.MatchFactory(volunteer=volunteer, mission=mission, status=Match.Status.ACTIVE)
    outsider = _verified(factories.UserFactory(email="coord-other@exemple.fr"))
    factories.MembershipFactory(user=outsider, association=factories.AssociationFactory())

    volunteer_context = phone_context(browser, live_server)
    staff_context = phone_context(browser, live_server)
    outsider_context = phone_context(browser, live_server)
    try:
        phone = volunteer_context.new_page()
        desk = staff_context.new_page()
        for page in (phone, desk):
            page.set_default_timeout(10_000)

        # The volunteer writes from the person's page; the message appears in place.
        login(phone, volunteer.user.email, PASSWORD)
        phone.goto(f"/volunteer/missions/{mission.pk}/")
        phone.get_by_label("Votre message").fill("Bonjour, puis-je venir jeudi plutôt que mardi ?")
        phone.get_by_role("button", name="Envoyer").click()
        phone.locator(".message.mine", has_text="jeudi plutôt").wait_for()
        assert phone.get_by_label("Votre message").input_value() == ""
        assert_no_sideways_scroll(phone)

        # The coordinator sees it on the match page and answers there.
        login(desk, coordinator.email, PASSWORD)
        desk.goto(f"/matching/matches/{match.pk}/")
        assert desk.locator(".message.theirs", has_text="jeudi plutôt").is_visible()
        desk.get_by_label("Votre message").fill("Jeudi, c’est parfait. Je préviens Odette.")
        desk.get_by_role("button", name="Envoyer").click()
        desk.locator(".message.mine", has_text="Je préviens Odette").wait_for()
        assert_no_sideways_scroll(desk)

        # Back on the phone: the home says a message waits, the conversation shows it.
        phone.goto("/volunteer/")
        phone.get_by_role("link", name="Voisins de la Croix-Rousse : 1 nouveau message").click()
        phone.locator(".message.theirs", has_text="Je préviens Odette").wait_for()
        assert list(Message.objects.order_by("pk").values_list("side", flat=True)) == ["volunteer", "staff"]

        # A coordinator of another association, on their own phone, learns nothing.
        other = outsider_context.new_page()
        login(other, outsider.email, PASSWORD)
        for url in (f"/matching/matches/{match.pk}/conversation/", f"/api/matching/matches/{match.pk}/messages/"):
            assert other.goto(url).status == 404, url
    finally:
        for context in (volunteer_context, staff_context, outsider_context):
            context.close()
