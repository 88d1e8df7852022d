"""Distance and the prefilter box."""

import math

from hypothesis import given
from hypothesis import strategies as st

from liens.lib.geo import bounding_box, haversine_km


def test_haversine_matches_a_known_distance():
    # Lyon (Bellecour) to Paris (Notre-Dame): about 392 km as the crow flies.
    assert math.isclose(haversine_km(45.7578, 4.8320, 48.8530, 2.3499), 392, abs_tol=3)


def test_haversine_is_zero_for_the_same_point():
    assert haversine_km(45.76, 4.83, 45.76, 4.83) == 0


@given(
    lat=st.floats(min_value=-70, max_value=70),
    lon=st.floats(min_value=-170, max_value=170),
    radius=st.floats(min_value=0.1, max_value=50),
    bearing=st.floats(min_value=0, max_value=2 * math.pi),
    fraction=st.floats(min_value=0, max_value=0.999),
)
def test_every_point_within_the_radius_lies_in_the_box(lat, lon, radius, bearing, fraction):
    # Walk `fraction * radius` km from the centre along `bearing` (small-distance approximation,
    # kept well inside the radius), and check the box holds the point.
    distance = fraction * radius
    dlat = distance * math.cos(bearing) / 111.195
    dlon = distance * math.sin(bearing) / (111.195 * math.cos(math.radians(lat)))
    point = (lat + dlat, lon + dlon)
    if haversine_km(lat, lon, *point) <= radius:
        assert bounding_box(lat, lon, radius).contains(*point)
