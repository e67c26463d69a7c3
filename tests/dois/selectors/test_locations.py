"""Places as each user may see them (dois.selectors.locations): rounded for visitors
and volunteers, exact for researchers."""

import pytest

from dois import selectors
from dois.selectors import location_round


def haversine_km(a, b):
    import math
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371 * math.asin(math.sqrt(h))


@pytest.mark.parametrize("point", [(22.2345, 113.7654), (22.0001, 113.5), (-33.9, 18.4),
                                   (60.1, -150.3)])
def test_rounding_moves_points_to_about_10km_grid(settings, point):
    settings.DOIS_PUBLIC_ROUNDING_KM = 10.0
    rounded = location_round(latitude=point[0], longitude=point[1])
    assert haversine_km(point, rounded) <= 10 * 0.75
    # nearby points share the same rounded place (a grid, not a shift)
    nudged = location_round(latitude=point[0] + 0.0001, longitude=point[1] + 0.0001)
    assert haversine_km(rounded, nudged) in (0, pytest.approx(10, rel=0.6))


def test_rounding_is_coarse(settings):
    settings.DOIS_PUBLIC_ROUNDING_KM = 10.0
    places = {location_round(latitude=22.2 + i * 0.001, longitude=113.7) for i in range(50)}
    assert len(places) <= 2


@pytest.mark.django_db
def test_exact_place_for_researchers_only(researcher, volunteer):
    from tests.dois.factories import SightingFactory
    sighting = SightingFactory(latitude=22.23456, longitude=113.76543)
    assert selectors.sighting_place(sighting=sighting, user=researcher).exact
    place = selectors.sighting_place(sighting=sighting, user=volunteer)
    assert not place.exact and place.latitude != 22.23456
