"""Security headers, HTTPS settings and what browsers may keep (liens/middleware.py, settings)."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


def _assert_strict(policy: dict[str, list[str]]) -> None:
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not [source for sources in policy.values() for source in sources if "unsafe" in source]


# --- Content-Security-Policy ---------------------------------------------------------------


@pytest.mark.parametrize("persona", ["anonymous_client", "volunteer_client", "coordinator_a_client"])
def test_every_page_forbids_inline_script_plugins_and_framing(request, persona):
    client = request.getfixturevalue(persona)
    for path in ["/", "/accounts/login/", "/api/schema/", "/no-such-page/"]:
        _assert_strict(_policy(client.get(path)))


def test_the_api_docs_allow_data_images_and_nothing_else_more(anonymous_client):
    page = anonymous_client.get("/api/docs/")
    policy = _policy(page)
    _assert_strict(policy)
    assert policy["img-src"] == ["'self'", "data:"]
    html = page.content.decode()
    assert "<style" not in html
    inline_scripts = re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html)
    assert inline_scripts == []
    script = anonymous_client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


SITE_TEMPLATES = [
    path
    # Django's templates and the Jinja2 partials they include (liens.jinja).
    for folder in [ROOT / "templates", *ROOT.glob("*/templates"), *ROOT.glob("*/jinja2")]
    for path in folder.rglob("*.html")
    # Emails are read in mail clients, which need inline styles; no browser applies the CSP there.
    if "notifications" not in path.parts
]


def test_the_page_templates_are_found():
    assert len(SITE_TEMPLATES) > 50


@pytest.mark.parametrize("path", SITE_TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_page_template_has_inline_script_style_or_event_handler(path):
    html = path.read_text()
    assert not re.search(r"<script(?![^>]*\ssrc=)", html), "inline <script>: move it to a static file"
    assert not re.search(r"<style", html), "inline <style>: move it to a static stylesheet"
    assert not re.search(r"\sstyle=", html), "style attribute: use a class from site.css"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler: bind it from a static script"
    assert "javascript:" not in html


# --- Other headers -------------------------------------------------------------------------


def test_pages_deny_the_camera_the_microphone_location_payment_and_usb(anonymous_client):
    header = anonymous_client.get("/").headers["Permissions-Policy"]
    features = dict(part.strip().split("=", 1) for part in header.split(","))
    for feature in ["camera", "microphone", "geolocation", "payment", "usb"]:
        assert features[feature] == "()", feature


def test_https_answers_carry_hsts_for_a_year_with_subdomains(anonymous_client):
    if settings.DEBUG:
        pytest.skip("HSTS is a production setting; the suite runs without DJANGO_DEBUG")
    response = anonymous_client.get("/", secure=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


# --- Cache-Control -------------------------------------------------------------------------


def _kept_from_caches(response) -> bool:
    directives = {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("volunteer_client", "/"),
        ("volunteer_client", "/volunteer/"),
        ("volunteer_client", "/volunteer/visits/"),
        ("coordinator_a_client", "/association/"),
        ("coordinator_a_client", "/alerts/"),
        ("coordinator_a_client", "/no-such-page/"),
        ("admin_client_", "/admin/"),
    ],
)
def test_no_answer_to_a_signed_in_person_may_be_stored(request, persona, path):
    assert _kept_from_caches(request.getfixturevalue(persona).get(path)), path


@pytest.mark.parametrize("persona", ["anonymous_client", "volunteer_client"])
def test_no_api_answer_may_be_stored_whoever_asks(request, persona):
    client = request.getfixturevalue(persona)
    for path in ["/api/volunteer/profile/", "/api/alerts/", "/api/schema/", "/api/docs/"]:
        assert _kept_from_caches(client.get(path)), path


def test_an_api_answer_to_a_token_is_not_stored(volunteer):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=volunteer.user)
    response = Client().get("/api/volunteer/profile/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert _kept_from_caches(response)


def test_what_a_link_with_a_token_opens_is_not_stored(anonymous_client, volunteer):
    feed = anonymous_client.get(f"/volunteer/calendar/{volunteer.calendar_token}.ics")
    assert feed.status_code == 200
    assert _kept_from_caches(feed)
    assert _kept_from_caches(anonymous_client.get("/visits/cant-come/not-a-token/"))
    assert _kept_from_caches(anonymous_client.get("/association/invitations/not-a-token/"))


def test_signing_in_answers_with_no_store(volunteer):
    client = Client()
    response = client.post("/accounts/login/", {"login": volunteer.user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert _kept_from_caches(response)


def test_the_public_home_page_stays_cacheable_for_anonymous_visitors(anonymous_client):
    response = anonymous_client.get("/")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_keep_their_caching_for_a_signed_in_person(volunteer):
    client = Client()  # a fresh client builds its middleware under these settings
    client.force_login(volunteer.user)
    response = client.get("/static/liens/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


# --- Production settings -------------------------------------------------------------------


def _production_env(**extra: str) -> dict[str, str]:
    """The environment of a deployment: no DJANGO_DEBUG, a long random key, a host name, Redis."""
    # The browser tests lift Django's async-safety guard in this process; a deployment never does.
    dropped = {"DJANGO_DEBUG", "STATIC_MANIFEST", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in dropped and not key.startswith("SECURE_")}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "liens.settings",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "liens.example.org",
        # A deployment shares Redis between its processes (the README); nothing here connects.
        "REDIS_URL": env.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        **extra,
    }


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def test_the_deployment_check_finds_nothing_to_warn_about_in_production():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PRINT_HTTPS_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE)"
)


def test_production_redirects_to_https_and_plain_http_test_runs_can_opt_out():
    assert _run(["-c", PRINT_HTTPS_SETTINGS], _production_env()).stdout.split() == ["True", "31536000", "True"]
    plain_http = _run(["-c", PRINT_HTTPS_SETTINGS], _production_env(SECURE_COOKIES="0")).stdout.split()
    assert plain_http == ["False", "31536000", "False"]


def test_production_redirects_plain_http_except_the_health_probe():
    code = (
        "import django; django.setup(); from django.test import Client; c = Client(); "
        "print(c.get('/').status_code, c.get('/healthz').status_code)"
    )
    home, health = _run(["-c", code], _production_env(ALLOWED_HOSTS="testserver")).stdout.split()
    assert home == "301"
    assert health in {"200", "503"}
