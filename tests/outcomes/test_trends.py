"""A person's scores over time on their page and through the API."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from liens.models import SensitiveAccess
from missions.models import Beneficiary
from tests import factories

from .conftest import D, assessed

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(association_a):
    person = factories.BeneficiaryFactory(association=association_a, first_name="Jeanne", last_name="Durand")
    assessed(person, D(2026, 3, 12), D(2026, 6, 15), scores=[7, 5])
    assessed(person, D(2026, 3, 12), D(2026, 6, 15), scale="lsns6", scores=[10, 9])
    return person


def _english(user):
    """The API answers in the account's language; pages follow the request's (EN below)."""
    user.language = "en"
    user.save(update_fields=["language"])


EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_the_page_draws_each_scale_with_its_change_in_words(person, coordinator_a, coordinator_a_client):
    _english(coordinator_a)
    page = coordinator_a_client.get(reverse("association:beneficiary", args=[person.pk]), **EN).content.decode()
    assert "From 7 to 5 on UCLA-3, less lonely." in page
    assert "From 10 to 9 on LSNS-6, a narrower network." in page
    start = page.index('<svg xmlns="http://www.w3.org/2000/svg" class="line-chart"')
    chart = ET.fromstring(page[start : page.index("</svg>", start) + 6])  # noqa: S314 - our own page
    desc = chart.find("{http://www.w3.org/2000/svg}desc").text
    assert "12 March 2026: 7; 15 June 2026: 5" in desc and "lonely from 6" in desc
    assert "higher = wider network" in page and "isolated below 12" in page
    # Next due: 6 months after 12 March, the 6-month assessment answered 3 months: 12 September, overdue.
    assert "Reassessment overdue since 12 September 2026." in page


def test_the_page_speaks_french(person, coordinator_a_client):
    page = coordinator_a_client.get(reverse("association:beneficiary", args=[person.pk])).content.decode()
    assert "De 7 à 5 sur UCLA-3, moins seul·e." in page
    assert "Réévaluation en retard depuis le 12 septembre 2026." in page


def test_a_paused_person_shows_no_reassessment(person, coordinator_a_client):
    Beneficiary.objects.filter(pk=person.pk).update(status=Beneficiary.Status.PAUSED, paused_until=D(2026, 12, 1))
    page = coordinator_a_client.get(reverse("association:beneficiary", args=[person.pk])).content.decode()
    assert 'id="reassessment"' not in page and "line-chart" in page


def test_the_person_s_page_costs_the_same_queries_with_2_or_12_scores(person, coordinator_a_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("association:beneficiary", args=[person.pk])
    with CaptureQueriesContext(connection) as few:
        coordinator_a_client.get(url)
    assessed(person, *[D(2025, month, 1) for month in range(1, 11)], scale="djg6", scores=list(range(10)))
    with CaptureQueriesContext(connection) as many:
        assert "DJG-6" in coordinator_a_client.get(url).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_api_gives_the_series_per_scale_and_logs_the_reading(person, coordinator_a, coordinator_a_client):
    _english(coordinator_a)
    response = coordinator_a_client.get(reverse("api-association-beneficiary-trend", args=[person.pk]), **EN)
    assert response.status_code == 200
    data = response.json()
    assert data["reassessment"] == {"state": "overdue", "next_due": "2026-09-12"}
    ucla, lsns = data["scales"]
    assert ucla["scale"] == "ucla3" and ucla["higher_is_worse"] and ucla["threshold"] == 6
    assert ucla["points"] == [
        {"taken_on": "2026-03-12", "score": 7, "flagged": True},
        {"taken_on": "2026-06-15", "score": 5, "flagged": False},
    ]
    assert (ucla["change"], ucla["direction"], ucla["summary"]) == (-2, "better", "From 7 to 5 on UCLA-3, less lonely.")
    assert (lsns["higher_is_worse"], lsns["direction"], lsns["points"][0]["flagged"]) == (False, "worse", True)
    logged = SensitiveAccess.objects.filter(subject=f"beneficiary:{person.pk}", user=coordinator_a)
    assert logged.filter(what="assessments").exists()


def test_another_association_s_staff_get_404_on_the_trend(person, coordinator_b_client):
    response = coordinator_b_client.get(reverse("api-association-beneficiary-trend", args=[person.pk]))
    assert response.status_code == 404
