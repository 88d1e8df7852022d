"""The short wizard: two steps nobody can default (when you are free, the charter); the rest
starts from defaults set at sign-up and stays on the profile, optional."""

import pytest
from django.urls import reverse

from liens.models import User
from tests import factories
from volunteers import services
from volunteers.models import Volunteer
from volunteers.selectors import notification_ways, profile_next_step

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(client):
    user = factories.UserFactory(first_name="Camille", phone="+33612345678")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    volunteer = services.volunteer_signup(user=user, postcode="69004")
    client.force_login(user)
    return volunteer


def _step(client, step, data):
    return client.post(reverse("volunteers:profile_step", args=[step]), data)


def test_sign_up_sets_the_defaults_the_optional_steps_would_ask(newcomer):
    assert newcomer.visit_kinds == ["home_visit", "phone_call", "outing", "group_event"]
    assert newcomer.languages == ["fr"] and notification_ways(newcomer.user) == (True, True)
    both = ["email", "sms"]
    assert newcomer.user.notify_channels == {"reminders": both, "matches": both, "messages": both}
    assert float(newcomer.travel_radius_km) == 3 and newcomer.max_commitments == 2


def test_no_phone_no_text_messages_by_default(db):
    user = factories.UserFactory(phone="", language="en")
    volunteer = services.volunteer_signup(user=user, postcode="69004")
    assert notification_ways(user) == (True, False) and volunteer.languages == ["en"]
    assert user.notify_channels == {}


def test_two_steps_then_the_missions_page(client, newcomer):
    assert profile_next_step(newcomer) == "availability"
    page = client.get(reverse("volunteers:profile_step", args=["availability"])).content.decode()
    assert "Étape 1 sur 2" in page and "Mon profil" in page
    response = _step(client, "availability", {"d1_afternoon": "on"})
    assert response["Location"] == reverse("volunteers:profile_step", args=["charter"])
    page = client.get(response["Location"]).content.decode()
    assert "Étape 2 sur 2" in page and "Enregistrer et voir la suite" in page
    response = _step(client, "charter", {"charter": "on", "data_consent": "on"})
    assert response["Location"] == reverse("volunteers:missions")
    newcomer.refresh_from_db()
    assert profile_next_step(newcomer) is None and newcomer.charter_accepted_at is not None


def test_a_step_refused_keeps_what_was_typed(client, newcomer):
    response = _step(client, "charter", {"charter": "on"})
    assert response.status_code == 400
    assert 'name="charter" required id="id_charter" checked' in response.content.decode()


def test_optional_steps_are_on_the_profile_with_what_they_hold_and_save_back_there(client, newcomer):
    page = client.get(reverse("volunteers:profile")).content.decode()
    assert "Vos réglages" in page
    assert "Jusqu’à 3 km de 69004 Lyon" in page
    assert "Visite à domicile, Appel téléphonique, Sortie, " in page and "2 personnes au plus" in page
    assert "Par e-mail, par SMS · pas de message de 21:00 à 08:00" in page
    step = client.get(reverse("volunteers:profile_step", args=["place"])).content.decode()
    assert "Facultatif" in step and "Étape" not in step
    _step(client, "availability", {"d1_afternoon": "on"})
    _step(client, "charter", {"charter": "on", "data_consent": "on"})
    response = _step(client, "place", {"address": "", "postcode": "69004", "travel_radius_km": "5"})
    assert response["Location"] == reverse("volunteers:profile")
    assert float(Volunteer.objects.get(pk=newcomer.pk).travel_radius_km) == 5


def test_a_profile_without_kinds_is_asked_for_them(client, newcomer):
    Volunteer.objects.filter(pk=newcomer.pk).update(visit_kinds=[], profile_steps_done=["availability", "charter"])
    assert profile_next_step(Volunteer.objects.get(pk=newcomer.pk)) == "kinds"
    assert User.objects.filter(pk=newcomer.user_id).exists()
