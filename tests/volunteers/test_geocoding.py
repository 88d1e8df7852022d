"""The geocoder: offline postcode table, and the national address API behind a fake server."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from liens import geocoding
from liens.geocoding import geocode, is_french_postcode


@pytest.fixture
def offline(settings):
    settings.GEOCODER = "offline"


@pytest.mark.parametrize("postcode", [f"6900{n}" for n in range(1, 10)] + ["69100"])
def test_every_lyon_arrondissement_and_villeurbanne_is_known_offline(offline, postcode):
    point = geocode(postcode)
    assert point is not None and point.postcode == postcode
    assert 45.6 < point.latitude < 45.9 and 4.7 < point.longitude < 5.0


def test_a_street_address_falls_back_on_its_postcode_centroid(offline):
    point = geocode("12 rue Dumenge, 69004 Lyon")
    assert (point.latitude, point.longitude) == (geocode("69004").latitude, geocode("69004").longitude)
    assert point.city == "Lyon"
    assert point.label == "12 rue Dumenge, 69004 Lyon"


def test_a_commune_name_without_postcode_is_found(offline):
    assert geocode("8 cours Émile Zola, villeurbanne").postcode == "69100"
    assert geocode("Saint-Etienne").city == "Saint-Étienne"


@pytest.mark.parametrize("query", ["", "  ", "ab", "1 rue de Nulle Part, 99999 Ailleurs", "Atlantis", "x" * 201])
def test_what_cannot_be_found_answers_none(offline, query):
    assert geocode(query) is None


def test_postcode_shape():
    assert is_french_postcode("69004") and is_french_postcode("06000") and is_french_postcode("97400")
    assert not any(is_french_postcode(v) for v in ["6900", "690040", "00100", "96000", "ABCDE", ""])


class _FakeBAN(BaseHTTPRequestHandler):
    answers: dict = {}
    queries: list = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        query = parse_qs(urlparse(self.path).query)
        type(self).queries.append(query)
        body = json.dumps(self.answers.get(query["q"][0], {"type": "FeatureCollection", "features": []}))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_ban(settings):
    server = HTTPServer(("127.0.0.1", 0), _FakeBAN)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeBAN.queries = []
    settings.GEOCODER = "ban"
    settings.GEOCODER_BAN_URL = f"http://127.0.0.1:{server.server_port}/search/"
    yield _FakeBAN
    server.shutdown()
    server.server_close()


def _feature(lon, lat, score, **props):
    return {
        "features": [
            {"geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {"score": score, **props}}
        ]
    }


def test_the_ban_backend_reads_the_first_feature(fake_ban):
    fake_ban.answers = {
        "5 rue Dumenge 69004 Lyon": _feature(
            4.8311, 45.7793, 0.97, label="5 Rue Dumenge 69004 Lyon", postcode="69004", city="Lyon"
        )
    }
    point = geocode("5 rue Dumenge 69004 Lyon")
    assert point == geocoding.GeoPoint(45.7793, 4.8311, "5 Rue Dumenge 69004 Lyon", "69004", "Lyon")
    assert fake_ban.queries == [{"q": ["5 rue Dumenge 69004 Lyon"], "limit": ["1"]}]


def test_the_ban_backend_refuses_a_weak_guess_and_an_empty_answer(fake_ban):
    fake_ban.answers = {"zzzz qqqq": _feature(2.0, 48.0, 0.2, label="Somewhere", postcode="75001", city="Paris")}
    assert geocode("zzzz qqqq") is None
    assert geocode("nothing at all") is None


def test_the_ban_backend_falls_back_on_the_table_when_the_service_is_down(settings):
    settings.GEOCODER = "ban"
    settings.GEOCODER_BAN_URL = "http://127.0.0.1:9/search/"  # discard port: connection refused
    settings.GEOCODER_TIMEOUT = 0.5
    assert geocode("3 place Bellecour, 69002 Lyon").postcode == "69002"


def test_an_unknown_backend_is_a_configuration_error(settings):
    settings.GEOCODER = "carrier-pigeon"
    with pytest.raises(geocoding.ImproperlyConfigured):
        geocode("69004")
