"""Reads of the catalogue: individuals, their best photos, merges, galleries, sightings
and map points (places follow :mod:`dois.selectors.locations`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from dois.models import (
    Individual,
    IndividualMerge,
    Photo,
    Sighting,
)
from dois.rules import user_curates
from dois.selectors.locations import Place, sighting_place
from dois.selectors.photos import photos_visible

# --- individuals ----------------------------------------------------------------------


def individual_list() -> QuerySet[Individual]:
    """The catalogue: individuals not merged away, with their reference photo counts."""
    gallery = Q(photos__state__in=[Photo.State.CONFIRMED, Photo.State.NEW_INDIVIDUAL])
    return (Individual.objects.listed()
            .annotate(photo_count=Count("photos", filter=gallery, distinct=True))
            .order_by("prefix", "number"))


def individual_get(*, code: str, user=None) -> Individual | None:
    """The individual with ``code``; a withdrawn one only for curators (researchers)."""
    individual = Individual.objects.filter(code=code).select_related("merged_into").first()
    if (individual is not None and individual.status == Individual.Status.WITHDRAWN
            and not user_curates(user=user)):
        return None
    return individual


BEST_FIRST = (F("quality").desc(nulls_last=True), F("sighting__observed_at").desc(),
              F("id").desc())


def individual_best_photos(*, individual: Individual, user=None,
                           limit: int = 6) -> list[Photo]:
    """Reference photos ``user`` may see (:func:`dois.rules.photo_visibility`), best first (graded
    best, then the most recent)."""
    photos = photos_visible(user=user).gallery().filter(individual=individual)
    return list(photos.select_related("sighting").order_by(*BEST_FIRST)[:limit])


def individuals_best_photos(*, individual_ids: Iterable[int], user=None,
                            limit: int = 6) -> dict[int, list[Photo]]:
    """:func:`individual_best_photos` of many individuals in one query, by id."""
    ids = list(individual_ids)
    out: dict[int, list[Photo]] = {pk: [] for pk in ids}
    if not ids:
        return out
    photos = (photos_visible(user=user).gallery().filter(individual_id__in=ids)
              .annotate(best_rank=Window(RowNumber(), partition_by=[F("individual_id")],
                                         order_by=list(BEST_FIRST)))
              .filter(best_rank__lte=limit).select_related("sighting")
              .order_by("individual_id", "best_rank"))
    for photo in photos:
        out[photo.individual_id].append(photo)
    return out


@dataclass
class MergeSide:
    individual: Individual
    photos: list[Photo]
    photo_count: int


def merge_preview(*, source: Individual, target: Individual, user,
                  merge: IndividualMerge | None = None, limit: int = 4) -> list[MergeSide]:
    """Both sides of a merge to confirm (or of a ``merge`` to split): each individual's
    best photos that ``user`` may see and how many reference photos it has (for a
    split: the photos that would go back, and those that stay)."""
    visible = photos_visible(user=user).gallery().select_related("sighting")
    if merge is None:
        return [MergeSide(ind, individual_best_photos(individual=ind, user=user, limit=limit),
                          Photo.objects.gallery().filter(individual=ind).count())
                for ind in (source, target)]
    back = Photo.objects.gallery().filter(individual=target, pk__in=merge.photos)
    stay = Photo.objects.gallery().filter(individual=target).exclude(pk__in=merge.photos)
    return [
        MergeSide(source, list(visible.filter(pk__in=back).order_by(*BEST_FIRST)[:limit]),
                  back.count()),
        MergeSide(target, list(visible.filter(pk__in=stay).order_by(*BEST_FIRST)[:limit]),
                  stay.count()),
    ]


def individual_merges_into(*, individual: Individual) -> list[IndividualMerge]:
    """The merges into ``individual`` that are in force (each can be split), newest first."""
    return list(IndividualMerge.objects.filter(
        target=individual, action=IndividualMerge.Action.MERGE, undone_by__isnull=True,
        source__merged_into=individual).select_related("source", "done_by")
        .order_by("-done_at", "-id"))


def individual_gallery(*, individual: Individual) -> QuerySet[Photo]:
    """Every reference photo of ``individual`` (the gallery the model searches)."""
    return Photo.objects.gallery().filter(individual=individual).order_by("id")


def gallery_photos() -> QuerySet[Photo]:
    """All reference photos of the catalogue, with their individuals."""
    return Photo.objects.gallery().select_related("individual", "sighting").order_by("id")


@dataclass
class SightingRow:
    sighting: Sighting
    place: Place
    photo_count: int


def individual_sightings(*, individual: Individual, user) -> list[SightingRow]:
    """The sightings of the individual's reference photos that ``user`` may see, oldest
    first, with locations as ``user`` may see them."""
    counts: dict[int, int] = {}
    for photo in (photos_visible(user=user).gallery().filter(individual=individual)
                  .only("sighting_id")):
        counts[photo.sighting_id] = counts.get(photo.sighting_id, 0) + 1
    sightings = Sighting.objects.filter(pk__in=counts).order_by("observed_at")
    return [SightingRow(s, sighting_place(sighting=s, user=user), counts[s.pk])
            for s in sightings]


def map_points(*, rows: list[SightingRow], width: int = 480,
               height: int = 320, pad: int = 24) -> list[dict]:
    """SVG coordinates of sighting places (equirectangular, fitted to the box)."""
    if not rows:
        return []
    lats = [r.place.latitude for r in rows]
    lons = [r.place.longitude for r in rows]
    span = max(max(lats) - min(lats), max(lons) - min(lons), 0.2)
    mid_lat, mid_lon = (max(lats) + min(lats)) / 2, (max(lons) + min(lons)) / 2
    scale = min(width, height) - 2 * pad
    points = {}
    for row in rows:
        x = width / 2 + (row.place.longitude - mid_lon) / span * scale
        y = height / 2 - (row.place.latitude - mid_lat) / span * scale
        key = (round(x, 1), round(y, 1))
        point = points.setdefault(key, {"x": key[0], "y": key[1], "count": 0,
                                        "latitude": row.place.latitude,
                                        "longitude": row.place.longitude,
                                        "areas": set()})
        point["count"] += 1
        if row.sighting.area:
            point["areas"].add(row.sighting.area)
    out = []
    for point in points.values():
        point["areas"] = ", ".join(sorted(point["areas"]))
        point["r"] = 5 + min(point["count"], 10)
        out.append(point)
    return out
