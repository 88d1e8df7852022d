"""Account security: one rate limiter on every credential door, two-factor authentication offered
to all and required of admins and managers, short staff sessions, API tokens that die."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from missions.models import Membership
from tests import factories

WRONG = "not-the-password"


def _verified_user(email, **fields):
    user = factories.UserFactory(email=email, mfa=False, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _sign_in(client, email, password, headers=None, **data):
    return client.post(reverse("account_login"), {"login": email, "password": password, **data}, headers=headers)


def _token(client, email, password, headers=None, **data):
    return client.post(reverse("api-auth-token"), {"email": email, "password": password, **data}, headers=headers)


def _confirm_password(client):
    """allauth asks for the password again before two-factor settings change."""
    response = client.post(reverse("account_reauthenticate"), {"password": factories.PASSWORD})
    assert response.status_code == 302


# --- rate limits ------------------------------------------------------------------------------


def test_the_sixth_sign_in_after_five_wrong_passwords_is_refused_even_with_the_right_one(client, volunteer):
    email = volunteer.user.email
    for _attempt in range(5):
        assert _sign_in(client, email, WRONG).status_code == 200
    response = _sign_in(client, email, factories.PASSWORD)
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_wrong_passwords_on_one_account_do_not_lock_another(client, volunteer, coordinator_a):
    for _attempt in range(5):
        _sign_in(client, volunteer.user.email, WRONG)
    response = _sign_in(Client(), coordinator_a.email, factories.PASSWORD)
    assert response.status_code == 302


def test_the_limiter_is_kept_in_the_shared_cache(client, volunteer):
    for _attempt in range(5):
        _sign_in(client, volunteer.user.email, WRONG)
    assert _sign_in(client, volunteer.user.email, factories.PASSWORD).status_code == 429
    cache.clear()  # what every web worker reads: emptying it lifts the refusal everywhere
    assert _sign_in(client, volunteer.user.email, factories.PASSWORD).status_code == 302


def test_the_refusal_lifts_once_the_window_is_over(client, volunteer):
    for _attempt in range(5):
        _sign_in(client, volunteer.user.email, WRONG)
    assert _sign_in(client, volunteer.user.email, factories.PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert _sign_in(client, volunteer.user.email, factories.PASSWORD).status_code == 302


def test_the_token_endpoint_refuses_the_sixth_attempt_with_a_429_in_the_users_language(client, volunteer):
    email = volunteer.user.email
    for _attempt in range(5):
        assert _token(client, email, WRONG).status_code == 400
    response = _token(client, email, factories.PASSWORD, headers={"accept-language": "en"})
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many failed sign-in attempts. Please wait a few minutes."}
    response = _token(client, email, factories.PASSWORD, headers={"accept-language": "fr"})
    assert response.json()["detail"].startswith("Trop de tentatives")


def test_failures_at_the_token_endpoint_count_at_the_sign_in_form_too(client, volunteer):
    # One limiter: five wrong passwords through the API lock the form as well.
    for _attempt in range(5):
        _token(client, volunteer.user.email, WRONG)
    assert _sign_in(Client(), volunteer.user.email, factories.PASSWORD).status_code == 429


def test_the_token_endpoint_locks_one_account_not_another(client, volunteer, coordinator_a):
    for _attempt in range(5):
        _token(client, volunteer.user.email, WRONG)
    assert _token(client, coordinator_a.email, factories.PASSWORD).status_code == 200


def test_the_admin_has_no_password_form_of_its_own(client, admin_user):
    admin_login = reverse("admin:login")
    assert admin_login.startswith(f"/{settings.ADMIN_URL}")
    response = client.get(admin_login)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
    # Posting a password to it signs nobody in.
    response = client.post(admin_login, {"username": admin_user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    # The admin itself sends anonymous visitors the same way.
    assert client.get(reverse("admin:index"))["Location"].startswith(admin_login)


def test_the_admins_sign_in_door_refuses_the_sixth_attempt(client, admin_user):
    next_admin = {"next": reverse("admin:index")}
    for _attempt in range(5):
        _sign_in(client, admin_user.email, WRONG, **next_admin)
    assert _sign_in(client, admin_user.email, factories.PASSWORD, **next_admin).status_code == 429


def test_a_signed_in_non_admin_is_refused_by_the_admin_without_a_loop(volunteer_client):
    assert volunteer_client.get(reverse("admin:login")).status_code == 403
    assert volunteer_client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))


def test_nothing_answers_at_the_old_admin_address(admin_client_):
    assert settings.ADMIN_URL != "admin/"
    assert admin_client_.get("/admin/").status_code == 404


def test_password_reset_requests_for_one_address_are_limited(client, volunteer):
    url = reverse("account_reset_password")
    for _attempt in range(5):
        assert client.post(url, {"email": volunteer.user.email}).status_code == 302
    response = client.post(url, {"email": volunteer.user.email})
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()


def test_signups_from_one_address_are_limited(client, db):
    url = reverse("account_signup")
    for attempt in range(20):
        assert client.post(url, {"email": f"x{attempt}@exemple.fr"}).status_code == 200
    assert client.post(url, {"email": "x@exemple.fr"}).status_code == 429


# --- two-factor authentication ----------------------------------------------------------------


def _signed_in(email) -> Client:
    """A client signed in through the form (allauth records when, which its setup pages check)."""
    client = Client()
    assert _sign_in(client, email, factories.PASSWORD).status_code == 302
    return client


@pytest.fixture
def admin_without_mfa(db):
    user = _verified_user("new-admin@exemple.fr", is_staff=True)
    return user, _signed_in(user.email)


def test_an_old_admin_session_without_two_factor_is_held_too(db):
    user = factories.UserFactory(is_staff=True, mfa=False)
    client = Client()
    client.force_login(user)  # a session opened before the rule, without allauth's sign-in record
    response = client.get(reverse("alerts:dashboard"))
    assert response["Location"] == reverse("mfa_activate_totp")
    # Setting up asks for the password first; that page is open to them.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(reverse("account_reauthenticate")).status_code == 200


def test_an_admin_without_two_factor_reaches_only_its_setup(admin_without_mfa):
    user, client = admin_without_mfa
    for page in [reverse("alerts:dashboard"), reverse("admin:index"), reverse("home")]:
        assert client.get(page)["Location"] == reverse("mfa_activate_totp"), page
    # Setting up asks for the password again first: that page is open to them too.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    _confirm_password(client)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200
    response = client.get("/api/alerts/", headers={"accept-language": "en"})
    assert response.status_code == 403
    assert "two-factor authentication" in response.json()["detail"]
    assert client.post(reverse("account_logout")).status_code == 302


def test_setting_up_the_authenticator_app_opens_the_site(admin_without_mfa):
    user, client = admin_without_mfa
    _confirm_password(client)
    client.get(reverse("mfa_activate_totp"))  # the secret is drawn and kept in the session
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": factories.totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("alerts:dashboard")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_manager_without_two_factor_is_sent_to_set_it_up(association_a):
    manager = factories.MembershipFactory(association=association_a, role=Membership.Role.MANAGER, mfa=False).user
    client = Client()
    client.force_login(manager)
    assert client.get(reverse("association:home"))["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize("persona", ["coordinator_a", "volunteer"])
def test_coordinators_and_volunteers_are_offered_two_factor_not_forced(request, persona):
    user = request.getfixturevalue(persona)
    client = _signed_in(getattr(user, "user", user).email)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert reverse("mfa_index") in home.content.decode()
    _confirm_password(client)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_with_two_factor_on_the_password_is_not_enough(client, db):
    secret = factories.totp_enroll(_verified_user("with-mfa@exemple.fr"))
    response = _sign_in(client, "with-mfa@exemple.fr", factories.PASSWORD)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("mfa_authenticate"))
    assert "site.css" in page.content.decode()
    assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": factories.totp_code(secret)})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_those_who_must_use_two_factor_cannot_switch_it_off(admin_without_mfa):
    user, client = admin_without_mfa
    factories.totp_enroll(user)
    _confirm_password(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200  # the form, with the refusal
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_a_volunteer_may_switch_two_factor_off(volunteer):
    client = _signed_in(volunteer.user.email)
    factories.totp_enroll(volunteer.user)
    _confirm_password(client)
    assert client.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert not Authenticator.objects.filter(user=volunteer.user, type=Authenticator.Type.TOTP).exists()


# --- sessions ---------------------------------------------------------------------------------


def test_staff_sessions_end_after_twelve_hours_whatever_remember_me_says(client, coordinator_a):
    _sign_in(client, coordinator_a.email, factories.PASSWORD, remember="on")
    client.get(reverse("home"))
    assert client.session.get_expiry_age() <= settings.LIENS_STAFF_SESSION_AGE.total_seconds()
    with time_machine.travel(timezone.now() + settings.LIENS_STAFF_SESSION_AGE + timedelta(minutes=1)):
        assert client.get(reverse("association:home")).status_code == 302


def test_the_staff_session_end_is_not_pushed_back_by_activity(client, coordinator_a):
    _sign_in(client, coordinator_a.email, factories.PASSWORD, remember="on")
    client.get(reverse("home"))
    with time_machine.travel(timezone.now() + timedelta(hours=11)):
        assert client.get(reverse("association:home")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=12, minutes=1)):
        assert client.get(reverse("association:home")).status_code == 302


def test_volunteers_keep_a_long_session(client, volunteer):
    _sign_in(client, volunteer.user.email, factories.PASSWORD, remember="on")
    client.get(reverse("home"))
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert settings.LIENS_STAFF_SESSION_AGE.total_seconds() < settings.SESSION_COOKIE_AGE


def test_changing_the_password_signs_out_every_other_session(volunteer):
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert _sign_in(client, volunteer.user.email, factories.PASSWORD).status_code == 302
    assert elsewhere.get(reverse("volunteers:home")).status_code == 200
    new = "un-nouveau-mot-de-passe-long"
    response = here.post(
        reverse("account_change_password"), {"oldpassword": factories.PASSWORD, "password1": new, "password2": new}
    )
    assert response.status_code == 302
    assert here.get(reverse("volunteers:home")).status_code == 200
    assert elsewhere.get(reverse("volunteers:home"))["Location"].startswith(reverse("account_login"))


# --- API tokens -------------------------------------------------------------------------------


def _api(key):
    return Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")


def _refused(response) -> bool:
    # DRF answers 403 rather than 401 because session authentication is listed first.
    return response.status_code == 403 and "expired or was revoked" in response.json()["detail"]


def test_a_token_expires_after_its_age(client, volunteer):
    key = _token(client, volunteer.user.email, factories.PASSWORD).json()["token"]
    with time_machine.travel(timezone.now() + settings.LIENS_API_TOKEN_AGE - timedelta(hours=1)):
        assert _api(key).get("/api/volunteer/profile/").status_code == 200
    with time_machine.travel(timezone.now() + settings.LIENS_API_TOKEN_AGE + timedelta(hours=1)):
        assert _refused(_api(key).get("/api/volunteer/profile/"))
        fresh = _token(client, volunteer.user.email, factories.PASSWORD).json()["token"]
        assert fresh != key
        assert _api(fresh).get("/api/volunteer/profile/").status_code == 200


def test_a_password_change_kills_the_token(client, volunteer):
    key = _token(client, volunteer.user.email, factories.PASSWORD).json()["token"]
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        volunteer.user.set_password("un-nouveau-mot-de-passe-long")
        volunteer.user.save()
        assert _refused(_api(key).get("/api/volunteer/profile/"))
        fresh = _token(client, volunteer.user.email, "un-nouveau-mot-de-passe-long").json()["token"]
        assert _api(fresh).get("/api/volunteer/profile/").status_code == 200


def test_the_caller_revokes_its_token(client, volunteer):
    key = _token(client, volunteer.user.email, factories.PASSWORD).json()["token"]
    api = _api(key)
    assert api.post(reverse("api-auth-token-revoke")).status_code == 204
    assert not Token.objects.filter(user=volunteer.user).exists()
    assert api.get("/api/volunteer/profile/").status_code == 403


def test_revoking_needs_a_signed_in_caller(anonymous_client):
    assert anonymous_client.post(reverse("api-auth-token-revoke")).status_code in {401, 403}


def test_with_two_factor_on_a_token_needs_the_code(client, db):
    secret = factories.totp_enroll(_verified_user("api-mfa@exemple.fr"))
    response = _token(client, "api-mfa@exemple.fr", factories.PASSWORD)
    assert response.status_code == 400
    assert "code" in response.json()
    assert "token" in _token(client, "api-mfa@exemple.fr", factories.PASSWORD, code=factories.totp_code(secret)).json()


def test_an_admin_without_two_factor_gets_no_token(client, db):
    _verified_user("bare-admin@exemple.fr", is_staff=True)
    assert _token(client, "bare-admin@exemple.fr", factories.PASSWORD).status_code == 403


def test_the_account_security_page_shows_the_api_token_and_revokes_it(client, volunteer):
    _token(client, volunteer.user.email, factories.PASSWORD)
    page = _signed_in(volunteer.user.email)
    html = page.get(reverse("mfa_index"), headers={"accept-language": "en"}).content.decode()
    assert "An app signed in to your account through the API" in html
    response = page.post(reverse("account_api_token_revoke"))
    assert response["Location"] == reverse("mfa_index")
    assert not Token.objects.filter(user=volunteer.user).exists()
    assert "API access" not in page.get(reverse("mfa_index"), headers={"accept-language": "en"}).content.decode()


def test_the_account_security_page_is_for_signed_in_people(anonymous_client):
    assert anonymous_client.get(reverse("mfa_index"))["Location"].startswith(reverse("account_login"))
    assert anonymous_client.post(reverse("account_api_token_revoke"))["Location"].startswith(reverse("account_login"))


def test_a_password_change_through_the_site_kills_the_token(client, volunteer):
    key = _token(client, volunteer.user.email, factories.PASSWORD).json()["token"]
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        page = _signed_in(volunteer.user.email)
        new = "un-nouveau-mot-de-passe-long"
        page.post(
            reverse("account_change_password"), {"oldpassword": factories.PASSWORD, "password1": new, "password2": new}
        )
        assert _refused(_api(key).get("/api/volunteer/profile/"))


def test_the_deployment_check_warns_when_rate_limits_would_not_be_shared(settings):
    from liens.accounts.checks import rate_limits_use_a_shared_cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [w.id for w in rate_limits_use_a_shared_cache(None)] == ["liens.W001"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}}
    assert rate_limits_use_a_shared_cache(None) == []


def test_one_address_guessing_across_accounts_is_stopped_but_others_are_not(db):
    # Ten failures a minute from one IP, whatever the accounts tried, close that IP's door;
    # a person signing in from elsewhere is not affected.
    users = [_verified_user(f"cible{n}@exemple.fr") for n in range(3)]
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for attempt in range(10):
        _sign_in(guesser, users[attempt % 2].email, WRONG)
    assert _sign_in(guesser, users[2].email, factories.PASSWORD).status_code == 429
    assert _sign_in(Client(REMOTE_ADDR="198.51.100.20"), users[2].email, factories.PASSWORD).status_code == 302
