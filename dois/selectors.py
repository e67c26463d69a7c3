"""Reads shared by pages, the API and exports, with the location rules applied.

Visitors and volunteers see coordinates rounded to about ``DOIS_PUBLIC_ROUNDING_KM``;
users with ``dois.view_exact_location`` (researchers) see exact values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber

from dois.models import (
    Decision,
    IdentificationJob,
    Individual,
    IndividualMerge,
    Photo,
    PhotoEdit,
    Sighting,
)

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


def user_sees_exact(*, user) -> bool:
    return bool(user and user.has_perm("dois.view_exact_location"))


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


# --- individuals ----------------------------------------------------------------------


def individual_list() -> QuerySet[Individual]:
    """The catalogue: individuals not merged away, with their reference photo counts."""
    gallery = Q(photos__state__in=[Photo.State.CONFIRMED, Photo.State.NEW_INDIVIDUAL])
    return (Individual.objects.listed()
            .annotate(photo_count=Count("photos", filter=gallery, distinct=True))
            .order_by("prefix", "number"))


def user_curates(*, user) -> bool:
    return bool(user and user.has_perm("dois.curate_catalogue"))


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
    """Reference photos ``user`` may see (:func:`photo_visibility`), best first (graded
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


# --- photos ---------------------------------------------------------------------------


def photo_visibility(*, user) -> Q:
    """THE rule of who may see a photo (and anything of it: renderings, its sighting, its
    identification jobs and their candidates), as a filter on ``Photo``.

    Researchers (``dois.view_exact_location``) see every photo, uploaders their own, and
    everyone else reference photos (confirmed or founding an individual) that the
    uploader let be public. Every page, the API and the file views go through this
    (:func:`photos_visible`, :func:`photo_visible_to`); no other code decides it.
    """
    if user_sees_exact(user=user):
        return Q()
    rule = Q(is_public=True, state__in=[Photo.State.CONFIRMED, Photo.State.NEW_INDIVIDUAL])
    if user is not None and user.is_authenticated:
        rule |= Q(uploaded_by=user)
    return rule


def photos_visible(*, user) -> QuerySet[Photo]:
    """The photos ``user`` may see (:func:`photo_visibility`)."""
    return Photo.objects.filter(photo_visibility(user=user))


def photo_visible_to(*, photo: Photo, user) -> bool:
    """Whether ``user`` may see ``photo`` (:func:`photo_visibility`, read fresh)."""
    return photos_visible(user=user).filter(pk=photo.pk).exists()


def photo_correctable_by(*, photo: Photo, user) -> bool:
    """Who may correct a photo's box, side and guess: researchers always, the volunteer
    who uploaded it until a researcher has decided it (a decision undone counts as
    none)."""
    if user is None or not user.is_authenticated:
        return False
    if user.has_perm("dois.review_photo"):
        return True
    return (photo.uploaded_by_id == user.pk and user.has_perm("dois.submit_photo")
            and photo.state in (Photo.State.SUBMITTED, Photo.State.IDENTIFIED))


def photo_edits(*, photo: Photo) -> list[PhotoEdit]:
    """The corrections of a photo, newest first (append-only history)."""
    return list(PhotoEdit.objects.filter(photo=photo)
                .select_related("edited_by", "guess_before", "guess_after", "job")
                .order_by("-edited_at", "-id"))


def photo_list_visible(*, user) -> QuerySet[Photo]:
    return photos_visible(user=user).select_related("sighting", "individual",
                                                    "proposed_individual")


def sighting_list_visible(*, user) -> QuerySet[Sighting]:
    """Sightings with at least one visible photo (researchers: all)."""
    if user_sees_exact(user=user):
        return Sighting.objects.all()
    return Sighting.objects.filter(
        pk__in=photo_list_visible(user=user).values("sighting_id")).order_by("-observed_at")


def photo_list_for_uploader(*, user) -> QuerySet[Photo]:
    """The user's photos, newest first, each with ``current_job_id`` (the job of its
    current revision: its candidates) and its decision in force (``decision_action``,
    ``decision_at``; the individual is ``photo.individual``). A constant number of
    queries whatever the page size."""
    jobs = (IdentificationJob.objects.filter(photo=OuterRef("pk"), revision=OuterRef("revision"))
            .order_by("-created_at", "-id"))
    decisions = (Decision.objects.filter(photo=OuterRef("pk"), undone_by__isnull=True)
                 .exclude(action=Decision.Action.UNDO).order_by("-decided_at", "-id"))
    return (Photo.objects.filter(uploaded_by=user)
            .select_related("sighting", "individual", "proposed_individual")
            .annotate(current_job_id=Subquery(jobs.values("pk")[:1]),
                      decision_action=Subquery(decisions.values("action")[:1]),
                      decision_at=Subquery(decisions.values("decided_at")[:1]))
            .order_by("-uploaded_at", "-id"))


@dataclass
class Agreement:
    submitted: int
    decided: int
    guessed: int
    agreed: int

    @property
    def rate(self) -> float | None:
        return self.agreed / self.guessed if self.guessed else None


def volunteer_agreement(*, user) -> Agreement:
    """How often researchers confirmed the individual the volunteer proposed."""
    photos = Photo.objects.filter(uploaded_by=user)
    decided = photos.filter(state__in=[Photo.State.CONFIRMED, Photo.State.NEW_INDIVIDUAL,
                                       Photo.State.UNUSABLE])
    guessed = decided.filter(proposed_individual__isnull=False).exclude(
        state=Photo.State.UNUSABLE)
    agreed = guessed.filter(individual=F("proposed_individual"))
    return Agreement(submitted=photos.count(), decided=decided.count(),
                     guessed=guessed.count(), agreed=agreed.count())
