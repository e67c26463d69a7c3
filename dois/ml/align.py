"""Align one polyline to many: a trimmed iterative closest-point fit of a similarity.

:func:`align_edges` fits rotation, scale and shift, both ways, keeping only the best
``1 - trim`` share of point pairs, so that a splash, a missing tip or a different
waterline does not decide. The distance is the root mean square of the kept pairs, in
units of the gallery edge's tip-to-end length. Used for trailing edges, their upper part
and the fin's upper shape (:mod:`dois.ml.edges`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .outline import EDGE_POINTS, resample_polyline

__all__ = ["align_edges", "edge_array", "resample_by_index", "TRIM", "STRETCHES"]

TRIM = 0.1
MAX_ROTATION = math.radians(25)
STRETCHES = (0.85, 1.0, 1.15)  # starting parametrisations of the gallery edge
SCALE_RANGE = (0.6, 1.6)


def edge_array(edges: np.ndarray | Sequence[np.ndarray], n: int) -> np.ndarray:
    """Polylines as one ``N x n x 2`` float64 array (resampled where they differ)."""
    if isinstance(edges, np.ndarray) and edges.ndim == 3 and edges.shape[1] == n:
        return edges.astype(np.float64)
    return np.stack([resample_polyline(e, n) for e in edges]) if len(edges) else np.zeros(
        (0, n, 2))


def resample_by_index(polylines: np.ndarray, n_out: int, share: float = 1.0) -> np.ndarray:
    """``N x n x 2`` polylines resampled to ``n_out`` points over their first ``share``,
    by linear interpolation between neighbouring points at evenly spaced fractional
    indices (arc length, for points equally spaced by it; vectorised). A ``share`` above
    1 holds the last point. The result keeps the input's dtype."""
    e = np.asarray(polylines)
    n = e.shape[1]
    u = np.clip(np.linspace(0.0, (n - 1) * share, n_out), 0.0, n - 1)
    lo = np.minimum(np.floor(u).astype(int), n - 2)
    fr = (u - lo)[None, :, None].astype(e.dtype)
    return e[:, lo] * (1 - fr) + e[:, lo + 1] * fr


def _similarity(src: np.ndarray, dst: np.ndarray, w: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted 2-D similarity (batched): returns scale, 2x2 rotation, shift."""
    ws = w.sum(axis=1, keepdims=True) + 1e-12
    ms = (src * w[..., None]).sum(axis=1) / ws
    md = (dst * w[..., None]).sum(axis=1) / ws
    a, b = src - ms[:, None], dst - md[:, None]
    dot = (w * (a * b).sum(-1)).sum(1)
    cross = (w * (a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0])).sum(1)
    theta = np.clip(np.arctan2(cross, dot), -MAX_ROTATION, MAX_ROTATION)
    c, s = np.cos(theta), np.sin(theta)
    proj = c * dot + s * cross
    scale = np.clip(proj / ((w * (a**2).sum(-1)).sum(1) + 1e-12), *SCALE_RANGE)
    rot = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)
    shift = md - scale[:, None] * np.einsum("kij,kj->ki", rot, ms)
    return scale, rot, shift


def _trim_weights(d2: np.ndarray, keep: int) -> np.ndarray:
    thr = np.partition(d2, keep - 1, axis=1)[:, keep - 1:keep]
    return (d2 <= thr).astype(np.float64)


def _foot(p: np.ndarray, poly: np.ndarray, j: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Closest points on the polyline segments next to vertex ``j`` (batched).

    ``p``: K x A x 2 points; ``poly``: K x B x 2; ``j``: K x A nearest vertices.
    Returns squared distances, segment start indices, parameters t in [0, 1], feet.
    """
    b = poly.shape[1]
    best_d = best_a = best_t = best_f = None
    for lo in (j - 1, j):
        lo = np.clip(lo, 0, b - 2)
        pa = np.take_along_axis(poly, lo[..., None], 1)
        pb = np.take_along_axis(poly, (lo + 1)[..., None], 1)
        ab = pb - pa
        t = np.clip(((p - pa) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0.0, 1.0)
        f = pa + t[..., None] * ab
        d = ((p - f) ** 2).sum(-1)
        if best_d is None:
            best_d, best_a, best_t, best_f = d, lo, t, f
        else:
            m = d < best_d
            best_d = np.where(m, d, best_d)
            best_a = np.where(m, lo, best_a)
            best_t = np.where(m, t, best_t)
            best_f = np.where(m[..., None], f, best_f)
    return best_d, best_a, best_t, best_f


def align_edges(query: np.ndarray, gallery: np.ndarray | Sequence[np.ndarray], *,
                trim: float = TRIM, iterations: int = 8, n: int = EDGE_POINTS,
                return_transform: bool = False,
                stretches: Sequence[float] = STRETCHES) -> Any:
    """Aligned distance of one query edge to each gallery edge (lower is more alike).

    ``query``: ``n x 2``, or ``K x n x 2`` for one query per gallery edge (many pairs
    in one call); ``gallery``: ``K x n x 2`` (or a list of polylines). Point
    pairs are each point and its closest point on the other polyline (both ways); the
    worst ``trim`` share of each way is left out of the fit and of the distance.
    Returns a ``K`` float64 array, or ``(distances, scale, rotation, shift)`` with
    ``return_transform`` (``scale * rotation @ q + shift`` maps the query onto each
    gallery edge).
    """
    g = edge_array(gallery, n)
    k = len(g)
    paired = np.ndim(query) == 3
    if paired and len(query) != k:
        raise ValueError("one query per gallery edge")
    # queries are resampled by arc length, as a single query is (gallery edges are taken
    # as they are when they have n points)
    q = (np.stack([resample_polyline(x, n) for x in np.asarray(query, np.float64)])
         if paired else resample_polyline(np.asarray(query, np.float64), n))
    if k == 0:
        empty = np.zeros(0)
        return (empty, empty, np.zeros((0, 2, 2)), np.zeros((0, 2))) if return_transform \
            else empty
    keep = max(3, int(round(n * (1 - trim))))
    # Start from a fit of point i to point i (both edges run from the tip down), with
    # the gallery edge's parametrisation stretched a little either way, then refine by
    # closest points. Every start is run; the best end wins.
    starts = [resample_by_index(g, n, stretch) for stretch in stretches]
    m = len(stretches)
    gg = np.concatenate([g] * m)
    kk = k * m
    qb = np.concatenate([q] * m) if paired else np.broadcast_to(q, (kk, n, 2))
    scale, rot, shift = _similarity(qb, np.concatenate(starts), np.ones((kk, n)))
    best = np.full(kk, np.inf)
    best_t = (scale, rot, shift)
    gx, gy = gg[..., 0], gg[..., 1]
    for it in range(iterations + 1):
        tq = (scale[:, None, None] * (np.einsum("kij,knj->kni", rot, qb) if paired
                                      else np.einsum("kij,nj->kni", rot, q)) + shift[:, None])
        dx = tq[:, :, None, 0] - gx[:, None, :]
        dy = tq[:, :, None, 1] - gy[:, None, :]
        d = dx * dx + dy * dy  # K x n(query) x n(gallery)
        dq, _, _, fq = _foot(tq, gg, d.argmin(axis=2))  # query points -> gallery polyline
        dg, ga, gt, _ = _foot(gg, tq, d.argmin(axis=1))  # gallery points -> query polyline
        wq, wg = _trim_weights(dq, keep), _trim_weights(dg, keep)
        dist = np.sqrt(0.5 * ((dq * wq).sum(1) + (dg * wg).sum(1)) / keep)
        better = dist < best
        if better.any():
            best = np.where(better, dist, best)
            best_t = (np.where(better, scale, best_t[0]),
                      np.where(better[:, None, None], rot, best_t[1]),
                      np.where(better[:, None], shift, best_t[2]))
        if it == iterations:
            break
        qa = np.take_along_axis(qb, ga[..., None], 1)
        qn = np.take_along_axis(qb, (ga + 1)[..., None], 1)
        src = np.concatenate([qb, qa + gt[..., None] * (qn - qa)], axis=1)
        dst = np.concatenate([fq, gg], axis=1)
        scale, rot, shift = _similarity(src, dst, np.concatenate([wq, wg], axis=1))
    pick = best.reshape(m, k).argmin(axis=0) * k + np.arange(k)
    best = best[pick]
    best_t = (best_t[0][pick], best_t[1][pick], best_t[2][pick])
    if return_transform:
        return best, *best_t
    return best
