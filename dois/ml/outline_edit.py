"""People's corrections of a traced outline, and an outline's mask (split out of
:mod:`dois.ml.outline`): what the site's correction tool and the outline export use."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from dois.ml.outline import EDGE_POINTS, Outline, resample_polyline

__all__ = ["outline_correct", "outline_mask"]


def outline_correct(outline: Outline, *, tip: Any = None, trailing_end: Any = None,
                    leading_end: Any = None, trailing: Any = None,
                    facing: str | None = None) -> Outline:
    """Rebuild an outline from a person's correction; ``made_by`` becomes ``person``.

    ``trailing``: a redrawn trailing edge (polyline from the tip down, crop pixels) that
    replaces the traced one; its first point becomes the tip and its last the trailing
    end unless those are given too. Otherwise a moved ``tip`` and/or ``trailing_end``
    cut the trailing edge out of the traced ``contour`` between the points nearest to
    them. ``facing`` overrides the detected side.
    """
    facing = facing or outline.facing
    if facing not in {"left", "right"}:
        raise ValueError("facing must be 'left' or 'right'")
    if trailing is not None:
        edge = np.asarray(trailing, np.float64).reshape(-1, 2)
        if len(edge) < 2:
            raise ValueError("a redrawn edge needs at least two points")
        edge = resample_polyline(edge, max(EDGE_POINTS, len(edge)))
        if tip is not None:
            edge[0] = tip
        if trailing_end is not None:
            edge[-1] = trailing_end
    else:
        contour = np.asarray(outline.contour, np.float64).reshape(-1, 2)
        new_tip = np.asarray(tip if tip is not None else outline.tip, np.float64)
        new_end = np.asarray(trailing_end if trailing_end is not None
                             else outline.trailing_end, np.float64)
        if new_tip is None or new_end is None or new_tip.shape != (2,) or new_end.shape != (2,):
            raise ValueError("tip and trailing end are needed")
        if len(contour) < 3:
            edge = np.stack([new_tip, new_end])
        else:
            dense = _densify_closed(contour, 2.0)
            i = int(np.argmin(np.linalg.norm(dense - new_tip, axis=1)))
            j = int(np.argmin(np.linalg.norm(dense - new_end, axis=1)))
            a = _closed_path(dense, i, j, 1)
            b = _closed_path(dense, i, j, -1)
            # The trailing side: the path on the trailing side of the tip.
            sign = 1 if facing == "left" else -1
            pick = a if sign * (a[:, 0].mean() - b[:, 0].mean()) > 0 else b
            edge = np.concatenate([[new_tip], pick[1:-1], [new_end]])
    edge = resample_polyline(edge, max(EDGE_POINTS, min(len(edge), 200)))
    ok = len(edge) >= 2 and float(np.linalg.norm(edge[-1] - edge[0])) > 2.0
    lead = leading_end if leading_end is not None else outline.leading_end
    return replace(outline, ok=ok, reason="ok" if ok else "edge_too_short", facing=facing,
                   tip=(float(edge[0, 0]), float(edge[0, 1])), trailing=edge.astype(np.float32),
                   trailing_end=(float(edge[-1, 0]), float(edge[-1, 1])),
                   trailing_end_kind="person",
                   leading_end=None if lead is None else (float(lead[0]), float(lead[1])),
                   confidence=1.0, made_by="person")


def _densify_closed(poly: np.ndarray, step: float) -> np.ndarray:
    closed = np.concatenate([poly, poly[:1]])
    seg = np.linalg.norm(np.diff(closed, axis=0), axis=1)
    total = float(seg.sum())
    return resample_polyline(closed, max(8, int(total / step)))[:-1]


def _closed_path(poly: np.ndarray, i: int, j: int, direction: int) -> np.ndarray:
    n = len(poly)
    idx = [i]
    k = i
    while k != j and len(idx) <= n:
        k = (k + direction) % n
        idx.append(k)
    return poly[idx]


def outline_mask(outline: Outline) -> np.ndarray:
    """The dolphin's mask (``H x W`` uint8, 255 = dolphin) of a checked outline, as
    ``make_segmenter --extra`` takes it: the traced ``contour`` with its trailing part
    (tip to trailing end, on the trailing side) replaced by ``outline.trailing`` (a
    person's moved or redrawn edge). Raises ``ValueError`` without a contour or edge."""
    import cv2

    width, height = (int(v) for v in outline.image_size)
    contour = np.asarray(outline.contour, np.float64).reshape(-1, 2)
    edge = np.asarray(outline.trailing, np.float64).reshape(-1, 2)
    if len(contour) < 3 or len(edge) < 2 or outline.facing not in ("left", "right"):
        raise ValueError("an outline with a contour, a trailing edge and a facing is needed")
    dense = _densify_closed(contour, 2.0)
    i = int(np.argmin(np.linalg.norm(dense - edge[0], axis=1)))
    j = int(np.argmin(np.linalg.norm(dense - edge[-1], axis=1)))
    a, b = _closed_path(dense, i, j, 1), _closed_path(dense, i, j, -1)
    sign = 1 if outline.facing == "left" else -1
    rest = b if sign * (a[:, 0].mean() - b[:, 0].mean()) > 0 else a  # the other way round
    polygon = np.concatenate([edge, rest[::-1][1:-1]])
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(polygon * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    return np.where(mask >= 128, 255, 0).astype(np.uint8)
