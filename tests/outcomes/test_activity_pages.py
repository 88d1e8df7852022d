"""The activity report's page, exports and the platform admins' territory report: who may see
them, the period form, the figures shown, the files read back, a constant number of queries."""

import csv
import io
import shutil
import subprocess

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from missions.models import Membership
from tests import factories

from .activity_world import WORLD_OCTOBER, _match, _visit, at, build_world

pytestmark = pytest.mark.django_db

PAGE = reverse("outcomes:activity")
TERRITORY = reverse("outcomes:territory-activity")


@pytest.fixture
def world(association_a, association_b, coordinator_a, fixed_clock):
    # The default period is the last full month: pin today at 18 November 2026 (Paris), so
    # October's hand count is the default whenever the suite runs.
    fixed_clock.move_to(at(2026, 11, 18, 10))
    return build_world(association_a, association_b, coordinator_a)


def _export(client, fmt, **query):
    return client.get(reverse("outcomes:activity-export", args=[fmt]), query)


def test_the_coordinator_sees_last_month_by_default(world, coordinator_a_client):
    response = coordinator_a_client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="figure-people">6<' in page
    assert 'id="figure-volunteer-hours">4,8<' in page or 'id="figure-volunteer-hours">4.8<' in page
    assert 'id="figure-lien-social-hours">1,5<' in page or 'id="figure-lien-social-hours">1.5<' in page
    assert 'value="2026-10-01"' in page and 'value="2026-10-31"' in page
    # Charts drawn on the server, each with a title and a description, the numbers in tables too.
    assert page.count('class="bar-chart"') == 4 and '<desc id="chart-visits-desc">' in page
    assert 'id="table-alerts"' in page


def test_the_association_home_links_to_the_report(world, coordinator_a_client):
    assert PAGE in coordinator_a_client.get(reverse("association:home")).content.decode()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "La période doit commencer avant sa fin, ou le même jour."),
        ("en", "The period must start on or before its end."),
    ],
)
def test_a_period_refused_says_why_in_the_users_language_and_keeps_what_was_typed(
    world, coordinator_a, language, message
):
    coordinator_a.language = language
    coordinator_a.save()
    client = Client()
    client.force_login(coordinator_a)
    response = client.get(PAGE, {"start": "2026-10-20", "end": "2026-10-01"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'value="2026-10-20"' in page and 'value="2026-10-01"' in page
    bad = client.get(PAGE, {"start": "not a date", "end": "2026-10-01"})
    assert bad.status_code == 400 and 'value="not a date"' in bad.content.decode()
    future = client.get(PAGE, {"start": "2026-11-01", "end": "2026-12-31"})
    assert future.status_code == 400


def test_a_chosen_period_shows_its_own_figures(world, coordinator_a_client):
    page = coordinator_a_client.get(PAGE, {"start": "2026-11-01", "end": "2026-11-01"}).content.decode()
    # Deux's visit at 00:30 Paris on 1 November (still 31 October in UTC).
    assert 'id="figure-visits">1<' in page


def test_staff_of_another_association_and_others_get_404(world, association_a, coordinator_b_client, volunteer_client):
    for url in (PAGE, reverse("outcomes:activity-export", args=["csv"])):
        assert coordinator_b_client.get(url, {"association": association_a.pk}).status_code == 404
        assert volunteer_client.get(url).status_code == 404
    assert coordinator_b_client.get(TERRITORY).status_code == 404
    assert coordinator_b_client.get(reverse("outcomes:territory-activity-export", args=["csv"])).status_code == 404


def test_a_home_care_professional_gets_404(world, association_a):
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, association=association_a, role=Membership.Role.PROFESSIONAL)
    client = Client()
    client.force_login(user)
    assert client.get(PAGE).status_code == 404


def test_the_csv_reads_back_the_same_figures(world, coordinator_a_client):
    response = _export(coordinator_a_client, "csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "2026-10-01-2026-10-31.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    values = {row[1]: row[2] for row in rows[2:]}
    # In the coordinator's language (French here), numbers as numbers.
    assert values["Heures bénévoles"] == "4.8" and values["Heures de lien social (aide à domicile)"] == "1.5"
    assert values["Personnes suivies pendant la période"] == "6"
    assert values["Issue\u00a0: La personne est suivie par l’association"] == "1"


def test_the_xlsx_opens_with_the_same_figures(world, coordinator_a, coordinator_a_client):
    response = _export(coordinator_a_client, "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1:] == ("2026-10-01", "2026-10-31")
    numbers = [row[2] for row in rows[2:]]
    assert WORLD_OCTOBER["people_followed"] == numbers[0]
    assert 4.8 in numbers and 1.5 in numbers and 285 not in numbers


def test_the_pdf_is_a_pdf_with_the_figures(world, coordinator_a_client, tmp_path):
    response = _export(coordinator_a_client, "pdf")
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "report.pdf"
        path.write_bytes(response.content)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
        assert "Voisins de la Croix-Rousse" in text
        assert "4,8" in text or "4.8" in text


def test_an_unknown_export_is_404(world, coordinator_a_client):
    assert _export(coordinator_a_client, "docx").status_code == 404


def test_a_platform_admin_sees_a_territory(world, admin_client_, association_a, association_b):
    response = admin_client_.get(TERRITORY)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Métropole de Lyon" in page
    # A's six people and B's one, in the same territory.
    assert 'id="figure-people">7<' in page
    other = admin_client_.get(TERRITORY, {"territory": "Nowhere", "start": "2026-10-01", "end": "2026-10-31"})
    assert other.status_code == 400
    csv_file = admin_client_.get(
        reverse("outcomes:territory-activity-export", args=["csv"]),
        {"territory": "Métropole de Lyon", "start": "2026-10-01", "end": "2026-10-31"},
    )
    assert csv_file.status_code == 200 and "territory-metropole-de-lyon" in csv_file["Content-Disposition"]


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(PAGE).status_code == 200
    return len(captured.captured_queries)


def test_the_page_reads_a_constant_number_of_queries(world, association_a, coordinator_a_client):
    before = _page_queries(coordinator_a_client)
    volunteer = factories.VolunteerFactory()
    for _ in range(10):
        person = factories.BeneficiaryFactory(association=association_a, followed_since=at(2026, 9, 1, 10))
        _visit(_match(volunteer, person), at(2026, 10, 7, 15), minutes=60)
    assert _page_queries(coordinator_a_client) == before


API = reverse("api-association-activity")


def test_the_api_answers_the_same_figures_as_json(world, coordinator_a_client):
    data = coordinator_a_client.get(API).json()
    for name, expected in WORLD_OCTOBER.items():
        assert data[name] == expected, name
    chosen = coordinator_a_client.get(API, {"start": "2026-11-01", "end": "2026-11-01"}).json()
    assert chosen["visits_by_status"] == {"done": 1}


def test_the_api_refuses_a_bad_period_with_400_and_outsiders_with_404(
    world, association_a, coordinator_a_client, coordinator_b_client, volunteer_client
):
    reversed_period = coordinator_a_client.get(API, {"start": "2026-10-20", "end": "2026-10-01"})
    assert reversed_period.status_code == 400 and "start" in reversed_period.json()
    assert coordinator_a_client.get(API, {"start": "2026-10-20"}).status_code == 400
    assert coordinator_a_client.get(API, {"start": "20 octobre", "end": "2026-10-21"}).status_code == 400
    assert coordinator_b_client.get(API, {"association": association_a.pk}).status_code == 404
    assert volunteer_client.get(API).status_code == 404
