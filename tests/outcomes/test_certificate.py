"""The volunteer's certificate of hours: what counts (one rule), the period's bounds in Paris
time, the PDF in the volunteer's language, the signed reference and its public check."""

import datetime
import re
import zlib
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.urls import reverse

from missions.models import Visit, VisitReport
from missions.outcomes import certificates, hours
from tests import factories

from .conftest import D

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def _visit(volunteer, association, starts_at, *, minutes=None, happened=True, status=Visit.Status.DONE):
    beneficiary = factories.BeneficiaryFactory(association=association)
    match = factories.MatchFactory(volunteer=volunteer, mission=factories.MissionFactory(beneficiary=beneficiary))
    visit = factories.VisitFactory(
        match=match, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1), status=status
    )
    if minutes is not None or not happened:
        VisitReport.objects.create(visit=visit, happened=happened, duration_minutes=minutes if happened else None)
    return visit


@pytest.fixture
def worked(volunteer, association_a, association_b):
    """The volunteer's visits around the default period (19 November 2025 to 18 November 2026, Paris
    days), hand-counted: association A 2 visits and 105 minutes, B 1 visit and 120 minutes."""
    at = lambda *args: datetime.datetime(*args, tzinfo=PARIS)  # noqa: E731
    _visit(volunteer, association_a, at(2026, 10, 1, 15, 0), minutes=60)  # counted
    # 00:30 on the first day in Paris, still the 18th in UTC: counted.
    _visit(volunteer, association_a, at(2025, 11, 19, 0, 30), minutes=45)
    # 23:30 the evening before the first day in Paris: not counted.
    _visit(volunteer, association_a, at(2025, 11, 18, 23, 30), minutes=90)
    _visit(volunteer, association_b, at(2026, 11, 18, 8, 0), minutes=120)  # today: counted
    _visit(volunteer, association_a, at(2026, 9, 1, 15, 0), happened=False, status=Visit.Status.MISSED)
    _visit(volunteer, association_a, at(2026, 9, 8, 15, 0), status=Visit.Status.UNCONFIRMED)  # no report
    # Someone else's visit, for the same association.
    _visit(factories.VolunteerFactory(), association_a, at(2026, 10, 2, 15, 0), minutes=200)


def test_the_default_period_is_the_last_twelve_months():
    assert certificates.default_period(D(2026, 11, 18)) == (D(2025, 11, 19), D(2026, 11, 18))
    assert certificates.default_period(D(2028, 2, 29)) == (D(2027, 3, 1), D(2028, 2, 29))


def test_only_reported_visits_in_the_paris_days_of_the_period_count(volunteer, association_a, association_b, worked):
    rows = hours.volunteer_hours_by_association(volunteer=volunteer, start=D(2025, 11, 19), end=D(2026, 11, 18))
    assert [(r.association, r.visits, r.minutes) for r in rows] == [
        (association_b.name, 1, 120),  # "Entraide Guillotière" sorts before "Voisins..."
        (association_a.name, 2, 105),
    ]
    certificate = certificates.volunteer_certificate(volunteer=volunteer, start=D(2025, 11, 19), end=D(2026, 11, 18))
    assert (certificate.visits, certificate.minutes, certificate.hours) == (3, 225, 3.8)
    # Moving the start back a day takes in the visit of the evening before.
    earlier = hours.volunteer_hours_by_association(volunteer=volunteer, start=D(2025, 11, 18), end=D(2026, 11, 18))
    assert sum(r.minutes for r in earlier) == 315


def test_the_visits_page_total_follows_the_same_rule(volunteer_client, worked):
    page = volunteer_client.get(reverse("volunteers:visits")).content.decode()
    assert "5,3 h" in page  # 60 + 45 + 90 + 120 = 315 minutes, all periods: 5.25 h, halves up
    assert reverse("outcomes:certificate") in page


def _pdf_text(pdf: bytes) -> str:
    """The text drawn in a PDF made by fpdf2 (its page streams are deflated)."""
    text = []
    # The end-of-line before "endstream" is left on the stream: a deflated stream may itself end
    # in a byte that looks like one (\r), and the decompressor sets what follows its end aside.
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            text.append(zlib.decompressobj().decompress(stream).decode("latin-1"))
        except zlib.error:
            text.append(stream.decode("latin-1"))
    return "".join(text)


def test_the_volunteer_downloads_the_pdf_in_their_language(volunteer, volunteer_client, association_a, worked):
    page = volunteer_client.get(reverse("outcomes:certificate"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="certificate-visits">3<' in html and 'id="certificate-hours">3' in html
    response = volunteer_client.post(reverse("outcomes:certificate"), {"start": "2025-11-19", "end": "2026-11-18"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert "Attestation d'heures de b\xe9n\xe9volat" in text and "3 h 45" in text
    assert association_a.name.split()[0] in text
    volunteer.user.language = "en"
    volunteer.user.save(update_fields=["language"])
    period = {"start": "2025-11-19", "end": "2026-11-18"}
    english = _pdf_text(volunteer_client.post(reverse("outcomes:certificate"), period).content)
    assert "Certificate of volunteer hours" in english


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"start": "2026-01-01", "end": "2026-11-19"}, "end", "La période ne peut pas finir après aujourd'hui."),
        ({"start": "2026-06-01", "end": "2026-05-01"}, "start", "La période doit commencer avant sa fin"),
        ({"start": "pas une date", "end": "2026-05-01"}, "start", "Saisissez une date valide."),
    ],
)
def test_a_wrong_period_is_refused_next_to_its_field(volunteer_client, data, field, message):
    response = volunteer_client.post(reverse("outcomes:certificate"), data)
    assert response.status_code == 400
    assert message in response.context["form"].errors[field][0]
    assert response["Content-Type"].startswith("text/html")


def test_the_reference_checks_out_and_shows_only_the_certificate(volunteer, anonymous_client, worked):
    certificate = certificates.volunteer_certificate(volunteer=volunteer, start=D(2025, 11, 19), end=D(2026, 11, 18))
    assert certificate.verify_url.endswith(reverse("outcomes:certificate-verify", args=[certificate.reference]))
    page = anonymous_client.get(reverse("outcomes:certificate-verify", args=[certificate.reference]))
    assert page.status_code == 200
    html = page.content.decode()
    assert volunteer.user.get_full_name() in html and 'id="verified-hours">3,8<' in html
    assert volunteer.user.email not in html and volunteer.postcode not in html


def test_a_tampered_reference_is_refused(volunteer, anonymous_client, worked):
    certificate = certificates.volunteer_certificate(volunteer=volunteer, start=D(2025, 11, 19), end=D(2026, 11, 18))
    payload = signing.loads(certificate.reference, salt=certificates.SALT)
    forged = signing.dumps(payload | {"m": 6000}, salt="another-salt", compress=True)
    flipped = certificate.reference[:-3] + ("AAA" if not certificate.reference.endswith("AAA") else "BBB")
    for reference in (forged, flipped, "nothing-signed"):
        response = anonymous_client.get(reverse("outcomes:certificate-verify", args=[reference]))
        assert response.status_code == 404
        assert "ne correspond à aucune attestation" in response.content.decode()


def test_a_volunteer_gets_only_their_own_hours(volunteer, worked):
    other = factories.VolunteerFactory()
    from django.test import Client

    client = Client()
    client.force_login(other.user)
    page = client.get(reverse("outcomes:certificate")).content.decode()
    assert "Aucune visite rapportée sur cette période." in page
    data = client.get(reverse("api-volunteer-certificate")).json()
    assert (data["visits"], data["minutes"]) == (0, 0)


def test_staff_and_visitors_without_a_volunteer_profile_get_no_certificate(coordinator_a_client, anonymous_client):
    assert coordinator_a_client.get(reverse("outcomes:certificate")).status_code == 404
    assert coordinator_a_client.get(reverse("api-volunteer-certificate")).status_code == 404
    assert anonymous_client.get(reverse("outcomes:certificate")).status_code == 302
    assert anonymous_client.get(reverse("api-volunteer-certificate")).status_code in (401, 403)


def test_the_api_gives_the_figures_and_the_pdf(volunteer_client, association_a, worked):
    data = volunteer_client.get(reverse("api-volunteer-certificate")).json()
    assert (data["start"], data["end"], data["visits"], data["minutes"], data["hours"]) == (
        "2025-11-19",
        "2026-11-18",
        3,
        225,
        3.8,
    )
    assert [row["visits"] for row in data["associations"]] == [1, 2]
    assert certificates.certificate_verify(data["reference"]).hours == 3.8
    one_day = volunteer_client.get(reverse("api-volunteer-certificate"), {"start": "2025-11-19", "end": "2025-11-19"})
    assert one_day.json()["minutes"] == 45
    pdf = volunteer_client.get(reverse("api-volunteer-certificate-pdf"), HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_api_refuses_a_wrong_period_with_a_400(volunteer_client):
    response = volunteer_client.get(reverse("api-volunteer-certificate"), {"start": "2026-06-01", "end": "2026-05-01"})
    assert response.status_code == 400 and "start" in response.json()
    response = volunteer_client.get(reverse("api-volunteer-certificate-pdf"), {"end": "2027-01-01"})
    assert response.status_code == 400 and "end" in response.json()


@pytest.mark.parametrize(("minutes", "expected"), [(0, 0.0), (225, 3.8), (675, 11.3), (315, 5.3), (61, 1.0)])
def test_hours_are_rounded_to_a_tenth_halves_up(minutes, expected):
    assert hours.hours_from_minutes(minutes) == expected


def test_the_certificate_page_costs_the_same_queries_for_1_or_12_visits(volunteer, volunteer_client, association_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start = datetime.datetime(2026, 6, 1, 15, tzinfo=PARIS)
    _visit(volunteer, association_a, start, minutes=60)
    with CaptureQueriesContext(connection) as few:
        assert volunteer_client.get(reverse("outcomes:certificate")).status_code == 200
    for day in range(1, 12):
        _visit(volunteer, factories.AssociationFactory(), start + datetime.timedelta(days=day), minutes=30)
    with CaptureQueriesContext(connection) as many:
        assert 'id="certificate-visits">12<' in volunteer_client.get(reverse("outcomes:certificate")).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
