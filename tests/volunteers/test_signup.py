"""Sign-up with allauth: few fields, mandatory email verification, profile in the same transaction."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from liens.models import User
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

SIGNUP = {
    "first_name": "Camille",
    "email": "camille@exemple.fr",
    "password1": "un-jardin-sous-la-pluie",
    "postcode": "69004",
    "phone": "06 12 34 56 78",
}


def _signup(client, **changes):
    return client.post(reverse("account_signup"), {**SIGNUP, **changes})


def test_the_signup_form_asks_only_five_things(client):
    page = client.get(reverse("account_signup")).content.decode()
    form = re.search(r'<form method="post" action="/accounts/signup/".*?</form>', page, re.S).group(0)
    names = set(re.findall(r'<input[^>]+name="([^"]+)"', form)) - {"csrfmiddlewaretoken"}
    assert names == {"first_name", "email", "password1", "postcode", "phone"}
    for label in ["Prénom", "Code postal", "Mot de passe"]:
        assert label in page


def test_signing_up_creates_a_pending_volunteer_and_sends_the_verification_mail(client):
    response = _signup(client)
    assert response.status_code == 302
    user = User.objects.get(email="camille@exemple.fr")
    volunteer = user.volunteer
    assert (user.first_name, user.phone, user.language) == ("Camille", "+33612345678", "fr")
    assert volunteer.vetting_state == Volunteer.Vetting.PENDING and volunteer.approved_at is None
    assert volunteer.postcode == "69004" and volunteer.latitude is not None
    assert EmailAddress.objects.get(user=user).verified is False
    assert len(mail.outbox) == 1 and "camille@exemple.fr" in mail.outbox[0].to
    # Not verified yet: no way into the volunteer pages.
    assert client.get(reverse("volunteers:home")).status_code == 302


def test_the_link_in_the_mail_verifies_and_signs_in_without_a_second_tap(client):
    _signup(client)
    link = re.search(r"https?://\S+/volunteer/welcome/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert EmailAddress.objects.get(email="camille@exemple.fr").verified
    # Straight into the wizard, signed in.
    assert response.status_code == 302 and response["Location"] == "/volunteer/profile/availability/"
    home = client.get(reverse("volunteers:home"))
    assert home.status_code == 200 and "Camille" in home.content.decode()


def test_login_is_by_email_and_logout_is_a_post(client):
    _signup(client)
    EmailAddress.objects.filter(email="camille@exemple.fr").update(verified=True)
    client.logout()
    response = client.post(reverse("account_login"), {"login": "camille@exemple.fr", "password": SIGNUP["password1"]})
    assert response.status_code == 302 and response["Location"] == reverse("volunteers:home")
    assert client.get(reverse("account_logout")).status_code == 200  # a confirmation page, not a logout
    assert client.get(reverse("volunteers:home")).status_code == 200
    client.post(reverse("account_logout"))
    assert client.get(reverse("volunteers:home")).status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(client):
    _signup(client)
    EmailAddress.objects.filter(email="camille@exemple.fr").update(verified=True)
    client.logout()
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": "camille@exemple.fr"})
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get(path, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    client.post(action, {"password1": "une-autre-phrase-longue", "password2": "une-autre-phrase-longue"})
    assert User.objects.get(email="camille@exemple.fr").check_password("une-autre-phrase-longue")


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"phone": "12"}, "phone", "numéro de téléphone"),
        ({"postcode": "6900"}, "postcode", "cinq chiffres"),
        ({"postcode": "99999"}, "postcode", "cinq chiffres"),
        ({"postcode": "01500"}, "postcode", "ne connaissons pas"),
        ({"first_name": ""}, "first_name", "obligatoire"),
    ],
)
def test_bad_signup_input_is_refused_in_french_and_nothing_is_written(client, changes, field, message):
    response = _signup(client, **changes)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert 'value="camille@exemple.fr"' in page  # what was typed is kept
    assert not User.objects.filter(email="camille@exemple.fr").exists()
    assert not Volunteer.objects.exists()


def test_a_failure_while_creating_the_profile_leaves_no_user_behind(client, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("volunteers.adapter.volunteer_signup", broken)
    client.raise_request_exception = False
    response = _signup(client)
    assert response.status_code == 500
    assert not User.objects.filter(email="camille@exemple.fr").exists()
    assert not EmailAddress.objects.exists()


def test_a_confirmation_link_used_twice_says_so(client):
    _signup(client)
    link = re.search(r"https?://\S+/volunteer/welcome/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    client.get(path)
    client.logout()
    again = client.get(path, follow=True)
    assert again.redirect_chain[-1][0] == reverse("account_login")
    assert "Ce lien a déjà servi" in again.content.decode()
    assert not again.wsgi_request.user.is_authenticated


def test_a_password_reset_link_used_twice_no_longer_works(client):
    _signup(client)
    EmailAddress.objects.filter(email="camille@exemple.fr").update(verified=True)
    client.logout()
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": "camille@exemple.fr"})
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get(path, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    client.post(action, {"password1": "une-autre-phrase-longue", "password2": "une-autre-phrase-longue"})
    client.logout()
    reused = client.get(path, follow=True).content.decode()
    assert "Ce lien ne fonctionne plus" in reused
