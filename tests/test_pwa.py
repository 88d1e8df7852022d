"""The installable web app's server side: the manifest by role, the service worker at the root,
the page shown offline, the install hint's "not now", and sign-out clearing the phone."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from liens.pwa import INSTALL_HINT_COOKIE, OFFLINE_HEADER, offline_key

pytestmark = pytest.mark.django_db


def _manifest(client) -> dict:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    return json.loads(response.content)


@pytest.mark.parametrize(
    ("persona", "start_url"),
    [
        ("anonymous_client", "/"),
        ("volunteer_client", "/volunteer/"),
        ("coordinator_a_client", "/association/"),
        ("admin_client_", "/alerts/dashboard/"),
    ],
)
def test_the_app_starts_where_each_role_lands_after_signing_in(request, persona, start_url):
    client = request.getfixturevalue(persona)
    manifest = _manifest(client)
    assert manifest["start_url"] == start_url
    assert manifest["scope"] == "/" and manifest["id"] == "/"


def test_the_manifest_names_the_app_and_its_icons_in_the_users_language(anonymous_client):
    manifest = _manifest(anonymous_client)
    assert (manifest["name"], manifest["short_name"], manifest["display"]) == ("Liens", "Liens", "standalone")
    assert manifest["theme_color"] == "#0b5e57" and manifest["lang"] == "fr"
    assert manifest["description"].startswith("Liens maintient")
    purposes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert purposes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    english = _manifest(Client(HTTP_ACCEPT_LANGUAGE="en"))
    assert english["lang"] == "en" and english["description"].startswith("Liens keeps")


def test_the_service_worker_lives_at_the_root_and_is_checked_at_each_visit(anonymous_client):
    response = anonymous_client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    config = json.loads(response.content.decode().split("\n", 1)[0].removeprefix("self.LIENS = ").rstrip(";"))
    assert "/static/liens/site.css" in config["shell"] and config["offlineHeader"] == OFFLINE_HEADER
    assert config["offlineList"] == reverse("volunteers:offline_list") and config["offlinePage"] == reverse("offline")


def test_the_policy_lets_the_site_own_worker_and_manifest_in_only(anonymous_client):
    policy = anonymous_client.get("/")["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "manifest-src 'self'" in policy


def test_the_offline_page_holds_nothing_of_the_user(volunteer_client, volunteer):
    response = volunteer_client.get(reverse("offline"))
    assert response.status_code == 200
    assert "Pas de connexion" in response.content.decode()
    assert volunteer.user.first_name not in response.content.decode()
    assert offline_key(volunteer.user) not in response.content.decode()


def test_the_offline_key_is_the_users_own_and_not_their_id(volunteer, coordinator_a):
    key = offline_key(volunteer.user)
    assert key and key == offline_key(volunteer.user)
    assert key != offline_key(coordinator_a) and str(volunteer.user.pk) != key


@pytest.mark.parametrize("persona", ["volunteer_client", "coordinator_a_client"])
def test_signing_out_tells_the_phone_to_forget_the_sites_data(request, persona):
    client = request.getfixturevalue(persona)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_no_other_answer_clears_the_phone(volunteer_client):
    assert "Clear-Site-Data" not in volunteer_client.get(reverse("volunteers:home"))


def test_leaving_liens_clears_the_phone_too(volunteer_client):
    response = volunteer_client.post(reverse("volunteers:leave"), {"confirm": "yes"})
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_not_now_hides_the_install_hint_on_this_phone_and_goes_back(volunteer_client):
    response = volunteer_client.post(reverse("install_hint_dismiss"), {"next": "/volunteer/missions/"})
    assert response.status_code == 302 and response["Location"] == "/volunteer/missions/"
    assert response.cookies[INSTALL_HINT_COOKIE].value == "dismissed"
    assert response.cookies[INSTALL_HINT_COOKIE]["httponly"]


def test_not_now_never_sends_to_another_site(volunteer_client):
    response = volunteer_client.post(reverse("install_hint_dismiss"), {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_not_now_is_a_post(volunteer_client):
    assert volunteer_client.get(reverse("install_hint_dismiss")).status_code == 405
