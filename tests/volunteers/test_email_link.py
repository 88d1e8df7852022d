"""The verification email and its link: branded, in the person's language; one tap confirms and,
while fresh and unused, signs in on any browser; never a sign-in by a used, stale or forged link,
nor for accounts that need more than a password."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from liens.models import User
from tests import factories
from volunteers.email_link import LINK_SIGN_IN_SECONDS

pytestmark = pytest.mark.django_db

SIGNUP = {
    "first_name": "Camille",
    "email": "camille@exemple.fr",
    "password1": "un-jardin-sous-la-pluie",
    "postcode": "69004",
}
WIZARD = "/volunteer/profile/availability/"


def _signup(language: str = "fr") -> str:
    """Sign up in a browser of its own; the path of the link in the email."""
    Client(HTTP_ACCEPT_LANGUAGE=language).post(reverse("account_signup"), SIGNUP)
    return _link_path(mail.outbox[-1].body)


def _link_path(body: str) -> str:
    link = re.search(r"https?://\S+/volunteer/welcome/\S+/", body).group(0)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _signed_in(client: Client) -> bool:
    return client.get(reverse("volunteers:home")).status_code == 200


def _verified() -> bool:
    return EmailAddress.objects.get(email=SIGNUP["email"]).verified


def test_the_signup_email_names_liens_and_the_link_in_french():
    _signup("fr")
    message = mail.outbox[-1]
    assert message.subject == "Bienvenue sur Liens\u00a0: confirmez votre adresse e-mail"
    assert message.body.startswith("Bonjour Camille,")
    assert "L’équipe Liens" in message.body and "confirmer votre adresse" in message.body
    assert "dans l’heure" in message.body  # how long the link signs in
    # Not allauth's generic text naming the host.
    assert "c'est" not in message.body and "testserver" not in message.subject and "[" not in message.subject


def test_the_signup_email_is_in_english_for_someone_who_signed_up_in_english():
    _signup("en")
    message = mail.outbox[-1]
    assert User.objects.get(email=SIGNUP["email"]).language == "en"
    assert message.subject == "Welcome to Liens: confirm your email address"
    assert message.body.startswith("Hello Camille,") and "The Liens team" in message.body
    assert "within the hour" in message.body


def test_the_password_reset_email_is_branded_in_the_persons_language(client):
    user = factories.UserFactory(email="jo@exemple.fr", first_name="Jo", language="en")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.post(reverse("account_reset_password"), {"email": "jo@exemple.fr"}, HTTP_ACCEPT_LANGUAGE="fr")
    message = mail.outbox[-1]
    assert message.subject == "Liens: choose a new password"
    assert message.body.startswith("Hello Jo,") and "/accounts/password/reset/key/" in message.body
    assert "The Liens team" in message.body and "Hello from" not in message.body


def test_the_link_opened_in_another_browser_confirms_and_signs_in():
    path = _signup()
    mail_app = Client()
    response = mail_app.get(path)
    assert response.status_code == 302 and response["Location"] == WIZARD
    # One welcome rather than allauth's two notices (confirmed, then signed in).
    wizard = mail_app.get(WIZARD)
    assert [str(m) for m in wizard.context["messages"]] == ["Votre adresse est confirmée. Bienvenue sur Liens\u00a0!"]
    assert _verified() and _signed_in(mail_app)


def test_a_used_link_never_signs_in_again():
    path = _signup()
    assert _signed_in_after(Client(), path)
    other = Client()
    response = other.get(path, follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_login")
    assert "Ce lien a déjà servi" in response.content.decode()
    assert not _signed_in(other)


def _signed_in_after(client: Client, path: str) -> bool:
    client.get(path)
    return _signed_in(client)


def test_a_link_older_than_an_hour_confirms_but_does_not_sign_in(fixed_clock):
    path = _signup()
    fixed_clock.shift(datetime.timedelta(seconds=LINK_SIGN_IN_SECONDS + 60))
    client = Client()
    response = client.get(path, follow=True)
    assert _verified()
    assert response.redirect_chain[-1][0] == reverse("account_login")
    assert "Connectez-vous avec votre mot de passe" in response.content.decode()
    assert not _signed_in(client)


def test_an_expired_link_does_nothing(fixed_clock):
    path = _signup()
    fixed_clock.shift(datetime.timedelta(days=3, minutes=1))
    client = Client()
    response = client.get(path)
    assert response.status_code == 404 and "Ce lien a expiré ou a déjà servi." in response.content.decode()
    assert not _verified() and not _signed_in(client)


def test_a_forged_link_does_nothing():
    path = _signup()
    forged = path.rstrip("/")[:-3] + "abc/"
    client = Client()
    assert client.get(forged).status_code == 404
    assert not _verified() and not _signed_in(client)


@pytest.mark.parametrize("kind", ["staff", "coordinator", "two_factor"])
def test_a_link_never_signs_in_an_account_that_needs_more_than_a_password(kind, association_a):
    path = _signup()
    user = User.objects.get(email=SIGNUP["email"])
    if kind == "staff":
        User.objects.filter(pk=user.pk).update(is_staff=True)
    elif kind == "coordinator":
        factories.MembershipFactory(user=user, association=association_a)
    else:
        factories.totp_enroll(user)
    client = Client()
    response = client.get(path)
    assert _verified()
    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    assert not client.session.get("_auth_user_id")


def test_a_link_opened_where_someone_else_is_signed_in_signs_nobody_in(volunteer):
    path = _signup()
    browser = Client()
    browser.force_login(volunteer.user)
    response = browser.get(path)
    assert _verified()
    assert response["Location"] == reverse("account_login")
    assert not browser.session.get("_auth_user_id")


def test_every_account_email_greets_and_signs_as_liens(client):
    """allauth's other emails (here: a reset asked for an unknown address) share the branded frame."""
    client.post(reverse("account_reset_password"), {"email": "nobody@exemple.fr"}, HTTP_ACCEPT_LANGUAGE="fr")
    message = mail.outbox[-1]
    assert message.body.startswith("Bonjour,") and "L’équipe Liens" in message.body
    assert "Hello from" not in message.body and "Bonjour de" not in message.body


def test_the_emails_promises_match_the_settings(settings):
    """The email says "within the hour" and "three days": the settings behind them."""
    assert LINK_SIGN_IN_SECONDS == 3600 and settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS == 3


def test_a_link_sent_before_in_allauths_form_still_confirms_on_opening():
    _signup()
    from allauth.account.models import EmailConfirmationHMAC

    key = EmailConfirmationHMAC(EmailAddress.objects.get(email=SIGNUP["email"])).key
    response = Client().get(reverse("account_confirm_email", args=[key]))
    assert response.status_code == 302 and _verified()
