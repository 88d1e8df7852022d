"""Turning a French address or postcode into a point: one function, pluggable backends.

`geocode(query)` answers a GeoPoint or None. settings.GEOCODER picks the backend:

- "offline" (default): a small table of postcodes and commune centroids shipped with the code
  (liens/data/postcodes_fr.csv). "12 rue Dumenge, 69004 Lyon" answers the 69004 centroid; an
  unknown postcode answers None. Good enough to match within a few kilometres, needs no network.
- "ban": the French national address API (Base Adresse Nationale). When the service cannot be
  reached, the offline table stands in, so a network hiccup does not block a sign-up.

Points are private data when they are someone's home: callers store them, never display them.
"""

import csv
import functools
import json
import logging
import re
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

DATA_FILE = Path(__file__).resolve().parent / "data" / "postcodes_fr.csv"

# Metropolitan departments 01-95 (Corsica's postcodes start with 20) and overseas 97x/98x.
FRENCH_POSTCODE_RE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-5]|97|98)\d{3}$")
_POSTCODE_IN_TEXT_RE = re.compile(r"(?<!\d)(\d{5})(?!\d)")

# BAN refuses queries shorter than 3 characters and longer than 200.
MIN_QUERY, MAX_QUERY = 3, 200
# Below this relevance score BAN's first answer is a guess rather than the address typed.
BAN_MIN_SCORE = 0.4


@dataclass(frozen=True)
class GeoPoint:
    latitude: float
    longitude: float
    label: str
    postcode: str
    city: str


def is_french_postcode(value: str) -> bool:
    """Whether `value` has the shape of a French postcode (five digits, a real department)."""
    return bool(FRENCH_POSTCODE_RE.match(value or ""))


def geocode(query: str) -> GeoPoint | None:
    """The point for a French address or postcode, or None when it cannot be found."""
    query = " ".join((query or "").split())
    if not MIN_QUERY <= len(query) <= MAX_QUERY:
        return None
    backend = getattr(settings, "GEOCODER", "offline")
    if backend == "offline":
        return _offline(query)
    if backend == "ban":
        return _ban(query)
    raise ImproperlyConfigured(f"Unknown GEOCODER {backend!r}: use 'offline' or 'ban'.")


# --- offline ---------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case without accents or punctuation, for comparing commune names."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@functools.cache
def _table() -> tuple[dict[str, GeoPoint], dict[str, GeoPoint]]:
    """Postcode → centroid, and folded commune name → its first postcode's centroid."""
    by_postcode: dict[str, GeoPoint] = {}
    by_city: dict[str, GeoPoint] = {}
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            point = GeoPoint(
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
                label=f"{row['postcode']} {row['city']}",
                postcode=row["postcode"],
                city=row["city"],
            )
            by_postcode[point.postcode] = point
            by_city.setdefault(_fold(point.city), point)
    return by_postcode, by_city


def _offline(query: str) -> GeoPoint | None:
    by_postcode, by_city = _table()
    match = _POSTCODE_IN_TEXT_RE.search(query)
    if match:
        point = by_postcode.get(match.group(1))
    else:
        # No postcode: accept a commune name at the end ("8 rue X, Villeurbanne").
        tail = _fold(query.rsplit(",", 1)[-1])
        point = by_city.get(tail)
    if point is None:
        return None
    street = query[: match.start()].strip(" ,") if match else query.rsplit(",", 1)[0].strip(" ,")
    label = f"{street}, {point.postcode} {point.city}" if street and street != query else point.label
    return GeoPoint(point.latitude, point.longitude, label, point.postcode, point.city)


# --- Base Adresse Nationale ------------------------------------------------------------------


def _http_get_json(url: str, *, timeout: float) -> dict:
    """GET `url` and decode its JSON body. The one call that leaves the machine."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"refusing to fetch {url!r}")
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "Liens/1.0"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
        return json.load(response)


def _ban(query: str) -> GeoPoint | None:
    base = getattr(settings, "GEOCODER_BAN_URL", "https://api-adresse.data.gouv.fr/search/")
    url = f"{base}?{urllib.parse.urlencode({'q': query, 'limit': 1})}"
    try:
        data = _http_get_json(url, timeout=getattr(settings, "GEOCODER_TIMEOUT", 3.0))
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        # Outage or garbage answer: fall back on the postcode table rather than refusing
        # the person; the point is a centroid either way for postcode-only queries.
        logger.warning("BAN geocoder unavailable (%s); using the offline table", exc)
        return _offline(query)
    try:
        feature = (data.get("features") or [None])[0]
        if not feature:
            return None
        props = feature.get("properties") or {}
        if float(props.get("score", 1)) < BAN_MIN_SCORE:
            return None
        longitude, latitude = feature["geometry"]["coordinates"][:2]
        return GeoPoint(
            latitude=float(latitude),
            longitude=float(longitude),
            label=str(props.get("label", query))[:200],
            postcode=str(props.get("postcode", ""))[:5],
            city=str(props.get("city", ""))[:100],
        )
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        logger.warning("BAN geocoder answered an unexpected shape for %r", query)
        return None
