"""Where things were seen, as each user may see it.

Visitors and volunteers see coordinates rounded to about ``DOIS_PUBLIC_ROUNDING_KM``;
users with ``dois.view_exact_location`` (researchers) see exact values
(:func:`dois.rules.user_sees_exact`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings

from dois.models import (
    Photo,
    Sighting,
)
from dois.rules import user_sees_exact

KM_PER_DEGREE = 111.32


# --- locations ------------------------------------------------------------------------


def location_round(*, latitude: float, longitude: float,
                   km: float | None = None) -> tuple[float, float]:
    """Snap a point to a grid of about ``km`` kilometres (the centre of its cell)."""
    km = settings.DOIS_PUBLIC_ROUNDING_KM if km is None else km
    lat_step = km / KM_PER_DEGREE
    lat = (math.floor(latitude / lat_step) + 0.5) * lat_step
    lat = max(-90.0, min(90.0, lat))
    lon_step = km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    lon = (math.floor(longitude / lon_step) + 0.5) * lon_step
    return round(lat, 3), round(((lon + 180) % 360) - 180, 3)


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    exact: bool


def sighting_place(*, sighting: Sighting, user) -> Place:
    if user_sees_exact(user=user):
        return Place(sighting.latitude, sighting.longitude, True)
    lat, lon = location_round(latitude=sighting.latitude, longitude=sighting.longitude)
    return Place(lat, lon, False)


def photo_exif_place(*, photo: Photo, user) -> Place | None:
    if photo.exif_latitude is None or photo.exif_longitude is None:
        return None
    if user_sees_exact(user=user):
        return Place(photo.exif_latitude, photo.exif_longitude, True)
    lat, lon = location_round(latitude=photo.exif_latitude, longitude=photo.exif_longitude)
    return Place(lat, lon, False)
