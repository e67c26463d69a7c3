"""Polyline geometry shared by the outline, the canonical edge and the fin's upper shape.

The canonical frame of a fin is its trailing edge's (:func:`edge_frame`): the compared
edge (``dois.ml.outline.normalise_edge``) and the upper shape (``dois.ml.shape``) are
both drawn in it, so they must be made by this one function.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["resample_polyline", "to_canonical", "edge_frame", "upper_share"]


def resample_polyline(poly: np.ndarray, n: int) -> np.ndarray:
    """``n`` points equally spaced by arc length along an open polyline."""
    poly = np.asarray(poly, np.float64).reshape(-1, 2)
    if len(poly) == 0:
        return np.zeros((n, 2))
    seg = np.linalg.norm(np.diff(poly, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] <= 1e-9:
        return np.repeat(poly[:1], n, axis=0)
    u = np.linspace(0.0, s[-1], n)
    return np.stack([np.interp(u, s, poly[:, 0]), np.interp(u, s, poly[:, 1])], axis=1)


def to_canonical(points: np.ndarray, facing: str | None, width: int) -> np.ndarray:
    """Crop-pixel points mirrored so the fin faces left (a float64 copy)."""
    p = np.asarray(points, np.float64).reshape(-1, 2).copy()
    if facing == "right":
        p[:, 0] = (width - 1) - p[:, 0]
    return p


def edge_frame(edge: np.ndarray) -> Callable[[np.ndarray], np.ndarray] | None:
    """The canonical frame of a trailing edge (tip first, facing left), as a function
    that maps points into it: the tip to (0, 0), the edge's lower end to (0, 1), x
    growing towards the trailing side. None for an edge of no length."""
    p = np.asarray(edge, np.float64).reshape(-1, 2)
    chord = p[-1] - p[0]
    length = float(np.hypot(*chord))
    if length < 1e-9:
        return None
    # Rotate so the chord points down (+y), scale it to 1.
    c, s = chord[1] / length, chord[0] / length
    rot = np.array([[c, -s], [s, c]])
    origin = p[0].copy()
    return lambda points: (np.asarray(points, np.float64) - origin) @ rot.T / length


def upper_share(points: np.ndarray, share: float) -> np.ndarray:
    """The part of a polyline within ``share`` of its length from its first point."""
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    return points[arc <= share * arc[-1] + 1e-9]
