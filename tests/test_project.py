"""The project's wiring: migrations, settings, Celery schedule, pages, API schema."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def test_the_migrations_are_complete():
    # Raises SystemExit(1) if a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_secret_key_is_required_outside_local_use():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "liens.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_every_periodic_job_has_an_expiry_shorter_than_its_interval():
    assert settings.CELERY_BEAT_SCHEDULE
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        expires = entry["options"]["expires"]
        interval = entry["schedule"].total_seconds() if hasattr(entry["schedule"], "total_seconds") else None
        assert expires > 0, name
        if interval is not None:
            assert expires <= interval, name


def test_time_and_language_defaults():
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "fr"
    assert "en" in dict(settings.LANGUAGES)


def test_the_home_page_speaks_french_by_default(anonymous_client):
    response = anonymous_client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert 'name="viewport"' in html
    assert "Devenir bénévole" in html


def test_the_home_page_speaks_english_on_request(anonymous_client):
    response = anonymous_client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Become a volunteer" in html


def test_the_language_switch_remembers_the_choice(anonymous_client):
    response = anonymous_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in anonymous_client.get("/").content.decode()


@pytest.mark.parametrize(
    ("persona", "expected", "absent"),
    [
        ("anonymous_client", "Se connecter", "Se déconnecter"),
        ("volunteer_client", "Mes missions", "Mon association"),
        ("coordinator_a_client", "Mon association", "Mes missions"),
        ("admin_client_", "Administration", "Mes missions"),
    ],
)
def test_each_role_gets_its_navigation(request, persona, expected, absent):
    html = request.getfixturevalue(persona).get("/").content.decode()
    assert expected in html
    assert absent not in html


def test_the_login_page_uses_the_site_layout(anonymous_client):
    response = anonymous_client.get("/accounts/login/")
    assert response.status_code == 200
    assert "site.css" in response.content.decode()


def test_the_openapi_schema_and_docs_are_served_without_a_cdn(anonymous_client):
    schema = anonymous_client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi" in schema.content
    docs = anonymous_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn.jsdelivr" not in docs.content
    assert b"/static/drf_spectacular_sidecar/" in docs.content


def test_the_admin_lists_every_domain_model(admin_client_):
    for path in [
        reverse("admin:liens_notification_changelist"),
        reverse("admin:volunteers_volunteer_changelist"),
        reverse("admin:missions_beneficiary_changelist"),
        reverse("admin:missions_isolationalert_changelist"),
        reverse("admin:missions_visit_changelist"),
        reverse("admin:missions_contact_changelist"),
    ]:
        assert admin_client_.get(path).status_code == 200, path


def test_no_template_comment_spans_lines():
    """Django's {# #} comment ends at its line: one left open shows its text on the page."""
    templates = [p for p in ROOT.glob("**/templates/**/*.html") if ".venv" not in p.parts]
    assert templates
    open_comments = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in templates
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\{#(?!.*#\})", line)
    ]
    assert open_comments == []
