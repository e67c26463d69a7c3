"""The galleries searched by identification: a version's reference photos in memory,
cached per process (their embeddings are computed by :mod:`dois.services.identify`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max

from dois.models import Decision, Embedding, Individual, ModelVersion, Photo

logger = logging.getLogger(__name__)


GALLERY_STATES = (Photo.State.CONFIRMED, Photo.State.NEW_INDIVIDUAL)


@dataclass
class GalleryIndex:
    """A version's gallery in memory: the search index and what each row is."""

    key: tuple
    gallery: object
    photo_ids: list[int]
    individual_ids: list[int]
    row_of_photo: dict[int, int]
    checked_at: float = 0.0  # time.monotonic() of the last full key check
    seen_embedding: int = 0  # every embedding up to this id has been looked at


_gallery_cache: dict[int, GalleryIndex] = {}


def _gallery_rows(model_version: ModelVersion):
    rows = Embedding.objects.filter(
        model_version=model_version, photo__state__in=GALLERY_STATES,
        photo__individual__isnull=False)
    if model_version.kind == ModelVersion.Kind.EDGE:  # photos with a usable outline
        rows = rows.filter(edge__isnull=False)
    return rows


def gallery_key(*, model_version: ModelVersion) -> tuple:
    """Changes whenever the gallery may have changed: embeddings, decisions, merges."""
    emb = _gallery_rows(model_version).aggregate(n=Count("id"), top=Max("id"))
    dec = Decision.objects.aggregate(top=Max("id"))["top"]
    merged = Individual.objects.filter(status=Individual.Status.MERGED).count()
    return (emb["n"], emb["top"], dec, merged)


def gallery_changed(*, index: GalleryIndex, model_version: ModelVersion, full: bool) -> bool:
    """Whether the gallery may have changed since ``index`` was built.

    Always checked, with lookups whose cost does not grow with the catalogue: a decision,
    a merge, or a gallery embedding among those added since the last check. With
    ``full``, the whole key (:func:`gallery_key`), whose row count also notices rows
    removed outside the services and embeddings committed out of id order; its cost
    grows with the catalogue.
    """
    if full:
        return gallery_key(model_version=model_version) != index.key
    _count, _top, top_decision, merged = index.key
    states = ", ".join(["%s"] * len(GALLERY_STATES))  # placeholders only
    sql = ("SELECT (SELECT MAX(id) FROM dois_decision), "  # noqa: S608
           "(SELECT COUNT(*) FROM dois_individual WHERE status = %s), "
           "(SELECT MAX(id) FROM dois_embedding), "
           "EXISTS (SELECT 1 FROM dois_embedding e JOIN dois_photo p ON p.id = e.photo_id "
           "WHERE e.id > %s AND e.model_version_id = %s AND p.individual_id IS NOT NULL "
           f"AND p.state IN ({states}))")
    with connection.cursor() as cursor:  # one round trip: this runs for every batch
        cursor.execute(sql, [Individual.Status.MERGED, index.seen_embedding,
                             model_version.pk, *GALLERY_STATES])
        decision, merged_now, newest, new_rows = cursor.fetchone()
    if decision != top_decision or merged_now != merged or new_rows:
        return True
    index.seen_embedding = newest or 0
    return False


def gallery_get(*, model_version: ModelVersion) -> GalleryIndex:
    """The version's gallery, cached in this process until it changes.

    Every call notices new decisions, merges and gallery embeddings (a few index
    lookups); the full key is read at most once per ``DOIS_GALLERY_RECHECK_S`` seconds.
    """
    from dois.ml.gallery import Gallery

    cached = _gallery_cache.get(model_version.pk)
    now = time.monotonic()
    # an edge version's gallery also keeps each photo's local scale (the new-individual
    # probability's hubness correction), so it is rebuilt, not patched, when it changes
    if cached is not None:
        full = now - cached.checked_at >= float(settings.DOIS_GALLERY_RECHECK_S)
        if not gallery_changed(index=cached, model_version=model_version, full=full):
            if full:
                cached.checked_at = now
            return cached
    newest = Embedding.objects.aggregate(top=Max("id"))["top"] or 0
    key = gallery_key(model_version=model_version)
    edge = model_version.kind == ModelVersion.Kind.EDGE
    fields = ("photo_id", "photo__individual_id", "vector") + (("edge",) if edge else ())
    rows = list(_gallery_rows(model_version).order_by("id").values_list(*fields))
    dim = model_version.embedding_dim
    vectors = (np.stack([np.frombuffer(bytes(r[2]), np.float32) for r in rows])
               if rows else np.zeros((0, dim), np.float32))
    photo_ids = [r[0] for r in rows]
    individual_ids = [r[1] for r in rows]
    if edge:
        from dois.ml.edges import EdgeGallery
        from dois.ml.shape import stored_edges_unpack

        edges, shapes = stored_edges_unpack([r[3] for r in rows])
        gallery = EdgeGallery(edges, individual_ids, vectors=vectors, photo_ids=photo_ids,
                              shapes=shapes)
    else:
        gallery = Gallery(vectors, individual_ids)
    index = GalleryIndex(
        key=key, gallery=gallery, photo_ids=photo_ids, individual_ids=individual_ids,
        row_of_photo={p: n for n, p in enumerate(photo_ids)}, checked_at=now,
        seen_embedding=newest)
    _gallery_cache[model_version.pk] = index
    return index


def gallery_forget() -> None:
    """Drop this process's cached galleries."""
    _gallery_cache.clear()
