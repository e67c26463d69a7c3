"""Reads of fin outlines (issue 13): a photo's current outline, drawing data, overlays.

A photo's current outline is its latest person-made outline on its current crop box,
else the machine's of the current edge method on that box (:func:`outlines_current`).
Points are stored in pixels of the crop as it was traced (``data["image_size"]``); the
pages draw them in an SVG whose view box is that size, laid over the crop rendering.

Who may see an outline: whoever may see its photo (:func:`dois.rules.photo_visibility`);
who may correct it: :func:`dois.rules.photo_correctable_by`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db.models import Q

from dois.models import Embedding, IdentificationJob, ModelVersion, Outline, Photo

# what a page may draw: the points it needs, nothing else
_DRAWN = ("image_size", "facing", "tip", "trailing", "trailing_end", "trailing_end_kind",
          "leading_end", "contour")


def edge_outline_method() -> str | None:
    """The tracing method of the edge method in force: the active version's if it is an
    edge version, else the newest edge version's (None without any)."""
    version = (ModelVersion.objects.filter(kind=ModelVersion.Kind.EDGE)
               .order_by("-is_active", "-created_at", "-id").only("name").first())
    return outline_method_of(version=version) if version is not None else None


def outline_method_of(*, version: ModelVersion) -> str:
    """The tracing part of an edge version's name (``edge-1/outline-1+seg-1`` ->
    ``outline-1+seg-1``)."""
    return version.name.split("/", 1)[1] if "/" in version.name else version.name


def outlines_current(*, photos: Iterable[tuple[int, tuple[int, int, int, int]]],
                     method: str | None, fallback: bool = False) -> dict[int, Outline]:
    """The current outline of each ``(photo id, (x, y, w, h) crop box)``, by photo id.

    The latest person-made outline on that box, else the machine's of ``method`` on it.
    With ``fallback`` (pages), a photo with neither shows its newest machine outline on
    the box (traced by an earlier method, until it is traced again). One query.
    """
    boxes = {int(pk): tuple(box) for pk, box in photos}
    if not boxes:
        return {}
    rows = Outline.objects.filter(photo_id__in=list(boxes))
    if not fallback:
        rows = rows.filter(Q(made_by=Outline.MadeBy.PERSON) | Q(method=method or ""))
    out: dict[int, Outline] = {}
    rank: dict[int, int] = {}
    for row in rows.order_by("-created_at", "-id"):
        if row.crop != boxes[row.photo_id]:
            continue
        if row.made_by == Outline.MadeBy.PERSON:
            level = 0
        elif row.method == method:
            level = 1
        else:
            level = 2
        if level < rank.get(row.photo_id, 3):
            out[row.photo_id], rank[row.photo_id] = row, level
    return out


def outline_current(*, photo: Photo, method: str | None = None,
                    fallback: bool = True) -> Outline | None:
    """:func:`outlines_current` of one photo (``method``: the one in force by default)."""
    method = method if method is not None else edge_outline_method()
    return outlines_current(photos=[(photo.pk, (photo.crop_x, photo.crop_y, photo.crop_w,
                                                photo.crop_h))],
                            method=method, fallback=fallback).get(photo.pk)


def photos_outlines(*, photos: Iterable[Photo]) -> dict[int, Outline]:
    """:func:`outline_current` of many photos (a page of the API), by photo id. Two
    queries."""
    return outlines_current(
        photos=[(p.pk, (p.crop_x, p.crop_y, p.crop_w, p.crop_h)) for p in photos],
        method=edge_outline_method(), fallback=True)


def outline_history(*, photo: Photo, limit: int = 20) -> list[Outline]:
    """A photo's outlines, newest first (who made each and when)."""
    return list(Outline.objects.filter(photo=photo).select_related("created_by")
                .order_by("-created_at", "-id")[:limit])


def _points(value) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in value or [])


@dataclass
class OutlineDrawing:
    """One outline as a page draws it: SVG view box and point lists (crop pixels)."""

    outline: Outline
    width: int
    height: int
    trailing: str  # "x,y x,y ..." for a polyline
    contour: str
    tip: tuple[float, float] | None
    trailing_end: tuple[float, float] | None
    leading_end: tuple[float, float] | None
    data: dict  # the drawn keys of Outline.data, for the editor's script
    stroke: float  # a handle's radius in view box units (about 6 px on a 640 px crop)

    @property
    def usable(self) -> bool:
        return bool(self.outline.ok and self.trailing)

    @property
    def reason_text(self) -> str:
        return outline_reason_text(reason=self.outline.reason)


def outline_drawing(*, outline: Outline | None) -> OutlineDrawing | None:
    """What the overlay template draws of ``outline`` (None draws nothing)."""
    if outline is None:
        return None
    data = outline.data or {}
    width, height = (int(v) for v in (data.get("image_size") or [outline.crop_w,
                                                                  outline.crop_h]))
    width, height = max(width, 1), max(height, 1)

    def point(key):
        value = data.get(key)
        return (float(value[0]), float(value[1])) if value else None

    return OutlineDrawing(
        outline=outline, width=width, height=height, trailing=_points(data.get("trailing")),
        contour=_points(data.get("contour")), tip=point("tip"),
        trailing_end=point("trailing_end"), leading_end=point("leading_end"),
        data={k: data.get(k) for k in _DRAWN}, stroke=round(max(width, height) / 100, 2))


def outline_reason_text(*, reason: str) -> str:
    """The translated reason of an outline or a job's ``outline_reason``."""
    try:
        return str(Outline.Reason(reason).label)
    except ValueError:
        return str(Outline.Reason.LOW_CONFIDENCE.label)


def outline_data(*, outline: Outline, user=None) -> dict:
    """An outline as the API shows it (points in pixels of ``image_size``)."""
    data = outline.data or {}
    return {
        "id": outline.pk,
        "photo": outline.photo_id,
        "crop": {"x": outline.crop_x, "y": outline.crop_y, "w": outline.crop_w,
                 "h": outline.crop_h},
        "made_by": outline.made_by,
        "action": outline.action,
        "created_at": outline.created_at.isoformat(),
        "method": outline.method,
        "confidence": outline.confidence,
        "ok": outline.ok,
        "reason": outline.reason,
        "reason_text": outline_reason_text(reason=outline.reason),
        **{k: data.get(k) for k in _DRAWN},
    }


# --- the review overlay: the query's edge on each candidate's ------------------------


@dataclass
class EdgeOverlay:
    """Two canonical edges in one SVG frame: the candidate's, and the query's aligned
    onto it (``scale * rotation @ query + shift``, :func:`dois.ml.edges.align_edges`)."""

    query: str
    candidate: str
    view_box: str
    distance: float
    stroke: float


def _canonical(*, outline: Outline | None, stored: bytes | None) -> np.ndarray | None:
    if stored:
        from dois.ml.shape import edge_unpack

        return edge_unpack(np.frombuffer(bytes(stored), np.float32))[0]
    if outline is None:
        return None
    from dois.ml.outline import Outline as Traced

    return Traced.from_dict(outline.data).edge()


def edge_overlays(*, job: IdentificationJob | None, candidate_photo_ids: list[int]
                  ) -> dict[int, EdgeOverlay]:
    """For an edge-method job: each candidate's best photo's canonical trailing edge with
    the query's aligned onto it, by photo id (two queries). Empty for other jobs."""
    if (job is None or job.model_version.kind != ModelVersion.Kind.EDGE
            or job.outline_id is None or not candidate_photo_ids):
        return {}
    query = _canonical(outline=job.outline, stored=None)
    if query is None:
        return {}
    rows = dict(Embedding.objects.filter(
        photo_id__in=candidate_photo_ids, model_version_id=job.model_version_id,
        edge__isnull=False).values_list("photo_id", "edge"))
    from dois.ml.edges import align_edges

    out = {}
    for pk in candidate_photo_ids:
        if pk not in rows:
            continue
        gallery = _canonical(outline=None, stored=rows[pk])
        dist, scale, rot, shift = align_edges(query, gallery[None], return_transform=True)
        moved = float(scale[0]) * (query.astype(np.float64) @ rot[0].T) + shift[0]
        both = np.concatenate([moved, gallery])
        lo, hi = both.min(axis=0), both.max(axis=0)
        pad = 0.08 * float(max(hi - lo))
        side = float(max(hi - lo)) + 2 * pad
        cx, cy = (lo + hi) / 2
        out[pk] = EdgeOverlay(
            query=" ".join(f"{x:.4f},{y:.4f}" for x, y in moved),
            candidate=" ".join(f"{x:.4f},{y:.4f}" for x, y in gallery),
            view_box=f"{cx - side / 2:.4f} {cy - side / 2:.4f} {side:.4f} {side:.4f}",
            distance=float(dist[0]), stroke=round(side / 120, 5))
    return out


def jobs_outline_flags(*, jobs: Iterable[IdentificationJob]) -> dict[int, str]:
    """Translated "no usable outline" reasons of finished jobs, by job id."""
    return {j.pk: outline_reason_text(reason=j.outline_reason) for j in jobs
            if j.status == IdentificationJob.Status.DONE and j.outline_reason}
