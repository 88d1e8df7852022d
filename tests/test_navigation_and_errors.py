"""The menu each role gets on a phone, the error pages, the favicon and the account's language."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from liens.errors import DomainError
from liens.models import User
from liens.services import user_language_set
from missions.models import Association, Membership
from tests import factories


def bar_links(html: str) -> list[str]:
    """The links of the main menu (the phone's bottom bar), in order."""
    bar = re.search(r'<nav class="main"[^>]*>(.*?)</nav>', html, re.S)
    return re.findall(r'<a href="([^"]+)"', bar.group(1)) if bar else []


# --- navigation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous_client", ["/missions/", "/accounts/login/", "/accounts/signup/", "/association/join/"]),
        ("volunteer_client", ["/volunteer/missions/", "/volunteer/visits/", "/volunteer/profile/"]),
        ("coordinator_a_client", ["/association/", "/alerts/", "/matching/proposals/", "/visits/attention/"]),
        ("admin_client_", ["/association/admin/pending/", "/alerts/", "/gestion/"]),
    ],
)
@pytest.mark.django_db
def test_each_role_gets_its_main_destinations_in_the_bar(request, persona, expected):
    html = request.getfixturevalue(persona).get("/").content.decode()
    assert bar_links(html) == expected


def home_care_staff(role: str) -> Client:
    """A signed-in member of a home-care service with a plan for a person of another association."""
    service = factories.AssociationFactory(kind=Association.Kind.HOME_CARE)
    user = factories.UserFactory(mfa=role == Membership.Role.MANAGER)
    factories.MembershipFactory(user=user, association=service, role=role)
    client = Client()
    client.force_login(user)
    return client


# The association's own destinations, none of which is a home-care service's page.
ASSOCIATION_BAR = ["/association/", "/alerts/", "/matching/proposals/", "/visits/attention/"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Membership.Role.MANAGER, ["/lien-social/", "/lien-social/service/"]),
        (Membership.Role.PROFESSIONAL, ["/lien-social/"]),
    ],
)
@pytest.mark.django_db
def test_home_care_staff_get_their_own_destinations_and_each_one_opens(role, expected):
    client = home_care_staff(role)
    html = client.get(reverse("liensocial:home")).content.decode()
    assert bar_links(html) == expected
    assert not set(bar_links(html)) & set(ASSOCIATION_BAR)
    for url in expected:
        response = client.get(url)
        assert response.status_code == 200, url
        assert bar_links(response.content.decode()) == expected
    # The month's page is marked as the current destination there.
    if role == Membership.Role.MANAGER:
        html = client.get("/lien-social/service/").content.decode()
        assert '<a href="/lien-social/service/" aria-current="page">' in html


@pytest.mark.django_db
def test_a_member_of_an_association_and_of_a_home_care_service_gets_both(coordinator_a):
    service = factories.AssociationFactory(kind=Association.Kind.HOME_CARE)
    factories.MembershipFactory(user=coordinator_a, association=service, role=Membership.Role.PROFESSIONAL)
    client = Client()
    client.force_login(coordinator_a)
    html = client.get("/").content.decode()
    # The association's four fill the phone's bar; the sessions are in the header's menu.
    assert bar_links(html) == ASSOCIATION_BAR
    menu = re.search(r'<details class="menu">(.*?)</details>', html, re.S).group(1)
    assert "/lien-social/" in menu


@pytest.mark.django_db
def test_a_coordinator_who_also_volunteers_gets_both_menus(coordinator_a):
    factories.VolunteerFactory(user=coordinator_a)
    client = Client()
    client.force_login(coordinator_a)
    html = client.get("/").content.decode()
    assert bar_links(html) == ASSOCIATION_BAR
    menu = re.search(r'<details class="menu">(.*?)</details>', html, re.S).group(1)
    assert "/volunteer/missions/" in menu and "/volunteer/profile/" in menu


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["volunteer", "coordinator_a"])
def test_a_signed_in_page_reads_its_user_with_its_roles_and_nothing_else(request, persona, settings):
    # The session from the cache (liens.sessions); the user's row (the session's check against
    # its password) with its memberships and whether it volunteers, in one query for every page
    # (the sign-in backend's get_user, liens.accounts.backends).
    settings.SESSION_ENGINE = "liens.sessions"
    user = request.getfixturevalue(persona)
    client = Client()
    client.force_login(getattr(user, "user", user))
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert len(queries) == 1, [query["sql"] for query in queries]
    assert '"liens_user"."password"' in queries[0]["sql"] and '"missions_membership"' in queries[0]["sql"]


@pytest.mark.django_db
def test_a_membership_ended_since_the_last_page_is_seen_on_the_next(coordinator_a, association_a):
    client = Client()
    client.force_login(coordinator_a)
    assert client.get(reverse("association:home")).status_code == 200
    Membership.objects.filter(user=coordinator_a).delete()
    assert client.get(reverse("association:home")).status_code == 404  # not theirs any more
    assert bar_links(client.get("/").content.decode()) == []


@pytest.mark.django_db
def test_the_current_destination_is_marked_for_screen_readers(coordinator_a_client):
    html = coordinator_a_client.get(reverse("alerts:queue")).content.decode()
    assert '<a href="/alerts/" aria-current="page">' in html
    assert '<a href="/association/" aria-current="page">' not in html


@pytest.mark.django_db
def test_the_header_menu_holds_the_account_pages_and_sign_out(volunteer_client):
    html = volunteer_client.get("/").content.decode()
    menu = re.search(r'<details class="menu">(.*?)</details>', html, re.S).group(1)
    assert reverse("account_language") in menu
    assert reverse("mfa_index") in menu
    assert reverse("account_logout") in menu


@pytest.mark.django_db
def test_a_coordinator_is_not_offered_the_settings_only_managers_may_open(coordinator_a_client, association_a):
    settings_url = reverse("association:settings")
    assert settings_url not in coordinator_a_client.get(reverse("association:home")).content.decode()
    assert coordinator_a_client.get(settings_url).status_code == 403

    manager = factories.UserFactory(mfa=True)
    factories.MembershipFactory(user=manager, association=association_a, role=Membership.Role.MANAGER)
    client = Client()
    client.force_login(manager)
    assert settings_url in client.get(reverse("association:home")).content.decode()


# --- error pages -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_missing_page_is_in_the_site_layout_and_the_users_language(anonymous_client):
    response = anonymous_client.get("/nulle-part/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="en">' in html
    assert 'name="viewport"' in html
    assert "<h1>Page not found</h1>" in html
    assert 'href="/"' in html and "<main" in html and "<header" in html
    french = anonymous_client.get("/nulle-part/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<h1>Page introuvable</h1>" in french


@pytest.mark.django_db
def test_the_api_keeps_answering_json_for_a_missing_url(anonymous_client):
    response = anonymous_client.get("/api/nulle-part/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_a_refused_page_says_so_in_the_layout_with_a_way_back(coordinator_a_client):
    response = coordinator_a_client.get(reverse("association:settings"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Vous ne pouvez pas ouvrir cette page</h1>" in html
    assert 'href="/"' in html and 'aria-label="Menu principal"' in html


def test_a_refusal_under_the_api_is_json(rf):
    from liens.views import bad_request, forbidden, server_error

    for view, status in [(forbidden, 403), (bad_request, 400)]:
        response = view(rf.get("/api/quelque-chose/"), Exception())
        assert (response.status_code, response["Content-Type"]) == (status, "application/json")
    response = server_error(rf.get("/api/quelque-chose/"))
    assert (response.status_code, response["Content-Type"]) == (500, "application/json")


def test_the_server_error_page_renders_without_the_database(rf, monkeypatch):
    from liens.views import server_error

    # No database access at all: a 500 often means the database is what failed.
    def refuse(*args, **kwargs):
        raise AssertionError("the 500 page touched the database")

    monkeypatch.setattr(connection, "cursor", refuse)
    with translation.override("en"):
        response = server_error(rf.get("/association/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "<main" in html and 'name="viewport"' in html and 'href="/"' in html
    assert "Something went wrong on our side" in html


@pytest.mark.django_db
def test_the_server_error_page_speaks_the_users_language(settings):
    from django.urls import path

    def broken(request):
        raise RuntimeError("boom")

    client = Client(raise_request_exception=False)
    settings.ROOT_URLCONF = type(
        "urls", (), {"urlpatterns": [path("boom/", broken)], "handler500": "liens.views.server_error"}
    )
    response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 500
    assert "Une erreur est survenue de notre côté" in response.content.decode()


@pytest.mark.django_db
def test_a_stale_form_gets_a_page_that_says_how_to_try_again(volunteer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(volunteer.user)
    response = client.post(reverse("account_language"), {"language": "en"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Le formulaire a expiré</h1>" in html
    assert 'aria-label="Menu principal"' in html
    api = client.post("/api/auth/token/revoke/")
    assert api.status_code == 403


@pytest.mark.django_db
def test_the_favicon_answers(anonymous_client):
    response = anonymous_client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("liens/favicon.ico")
    assert 'rel="apple-touch-icon"' in anonymous_client.get("/").content.decode()


# --- the language of the account's messages ----------------------------------------------------


@pytest.mark.django_db
def test_a_volunteer_changes_the_language_of_their_messages(volunteer, volunteer_client):
    page = volunteer_client.get(reverse("account_language"))
    assert re.search(r'value="fr"[^>]* checked', page.content.decode())
    assert ">English<" in page.content.decode()

    response = volunteer_client.post(reverse("account_language"), {"language": "en"}, follow=True)
    volunteer.user.refresh_from_db()
    assert volunteer.user.language == "en"
    html = response.content.decode()
    # The success message and the page are in the chosen language.
    assert "Saved: your messages and pages are now in English." in html
    assert '<html lang="en">' in html


@pytest.mark.django_db
def test_staff_change_it_too_and_a_wrong_choice_is_refused_in_place(coordinator_a, coordinator_a_client):
    response = coordinator_a_client.post(reverse("account_language"), {"language": "xx"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    coordinator_a.refresh_from_db()
    assert coordinator_a.language == "fr"

    coordinator_a_client.post(reverse("account_language"), {"language": "en"})
    coordinator_a.refresh_from_db()
    assert coordinator_a.language == "en"


@pytest.mark.django_db
def test_the_language_service_refuses_another_persons_account(volunteer, coordinator_a):
    with pytest.raises(DomainError):
        user_language_set(user=volunteer.user, language="en", by=coordinator_a)
    with pytest.raises(DomainError):
        user_language_set(user=volunteer.user, language="de", by=volunteer.user)
    user_language_set(user=volunteer.user, language="en", by=volunteer.user)
    assert User.objects.get(pk=volunteer.user.pk).language == "en"


@pytest.mark.django_db
def test_anonymous_people_are_sent_to_sign_in_for_the_language_page(client):
    response = client.get(reverse("account_language"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_profile_and_associations_read_with_the_roles_are_the_rows_themselves(
    volunteer, coordinator_a, association_a, association_b
):
    from django.forms.models import model_to_dict

    from liens.accounts.policy import REQUEST_USER_MARK, forget_memberships, remember_for_request
    from liens.accounts.policy import remembered_association as remembered
    from volunteers.models import Volunteer

    factories.VolunteerFactory(user=coordinator_a)
    factories.MembershipFactory(user=coordinator_a, association=association_b)
    user = type(coordinator_a).objects.get(pk=coordinator_a.pk)  # as the request reads it
    remember_for_request(user)
    assert getattr(user, REQUEST_USER_MARK)
    with CaptureQueriesContext(connection) as queries:
        profile = user.volunteer
        associations = [remembered(user, association.pk) for association in (association_a, association_b)]
    assert len(queries) == 0  # read with the roles
    assert model_to_dict(profile) == model_to_dict(Volunteer.objects.get(user=coordinator_a))
    assert profile.user is user and profile._state.adding is False and profile._state.db == "default"
    for association, read in zip((association_a, association_b), associations, strict=True):
        assert model_to_dict(read) == model_to_dict(type(association).objects.get(pk=association.pk))
    # Only the user's own, and only until the request forgets them.
    assert remembered(user, factories.AssociationFactory().pk) is None
    forget_memberships(user)
    assert remembered(user, association_a.pk) is None
    # A volunteer: their profile, no association; someone without a profile: none, no query.
    other = type(volunteer.user).objects.get(pk=volunteer.user.pk)
    remember_for_request(other)
    assert model_to_dict(other.volunteer) == model_to_dict(volunteer)
    staff = factories.MembershipFactory(association=association_a).user
    staff = type(staff).objects.get(pk=staff.pk)
    remember_for_request(staff)
    with CaptureQueriesContext(connection) as queries:
        assert getattr(staff, "volunteer", None) is None
    assert len(queries) == 0
