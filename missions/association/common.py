"""What the association-side writes share: the postcode rule, locating an address, a message
translated when rendered."""

import re

from django.utils.functional import lazy

from liens.geocoding import geocode

POSTCODE_RE = re.compile(r"^\d{5}$")


def later(message, **params):
    """A message translated when rendered, not now: notify() renders in the recipient's language."""
    return lazy(lambda: str(message) % params if params else str(message), str)()


def address_locate(*, address: str, postcode: str, city: str):
    """The point for an address, falling back to the postcode's centroid; None when unknown.

    A missing point never blocks a record: the coordinator can still follow the person, only
    distance-based suggestions need it, and the page says the address was not located.
    """
    return geocode(f"{address}, {postcode} {city}") or geocode(f"{postcode} {city}")
