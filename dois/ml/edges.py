"""Compare trailing edges: alignment distance, a fast vector, an edge gallery.

Edges are canonical (:func:`dois.ml.outline.canonical_edge`): ``n x 2`` points from the
tip (0, 0) to the trailing end (0, 1), x towards the trailing side.

- :func:`align_edges` (:mod:`dois.ml.align`) aligns a query edge to many gallery edges
  at once by a trimmed similarity fit.
- :func:`edge_vectors` gives a fixed-length unit vector per edge for shortlisting: the
  shipped 1-D network (:mod:`dois.ml.edge_encoder`), or a fixed descriptor of the
  edge's shape.
- :class:`EdgeGallery` shortlists by vector, re-ranks the shortlist by alignment (the
  trailing edge plus ``SHAPE_WEIGHT`` times the aligned distance of the fin's upper shape,
  :mod:`dois.ml.shape`), corrects the best few for hubness (a fin close to many others
  is near every query, ``HUB_TOP``), ranks individuals by their best photo and gives a
  calibrated new-individual probability (from the trailing edge alone).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .align import align_edges, edge_array, resample_by_index
from .novelty import (
    DEFAULT_CALIBRATION,
    EDGE_SETTINGS_PATH,
    fit_new_individual_calibration,
    new_individual_probability,
)
from .outline import EDGE_POINTS, EDGE_SHARE, resample_polyline
from .shape import SHAPE_POINTS, canonical_shape, edge_pack

__all__ = [
    "EDGE_METHOD_VERSION",
    "EDGE_SETTINGS_PATH",
    "DEFAULT_CALIBRATION",
    "EdgeCandidate",
    "FinEdge",
    "describe_fin",
    "method_version",
    "align_edges",
    "edge_descriptor",
    "edge_vectors",
    "default_encoder",
    "EdgeGallery",
    "distance_to_score",
    "rank_distance",
    "novelty_edges",
    "new_individual_probability",
    "fit_new_individual_calibration",
]

EDGE_METHOD_VERSION = "edge-3"  # matching, compared share, shape, hubness, vectors (encoder v1)
SCORE_SCALE = 0.02  # score = exp(-distance / SCORE_SCALE)
LOCAL_K = 3  # neighbours that set a gallery photo's local scale
# Weight of the shape's distance in the ranking (about 5 times the edge's on fins-smru,
# so 2:1); without a shape on either side, SHAPE_FALLBACK times the edge distance.
SHAPE_WEIGHT = 0.1
SHAPE_FALLBACK = 5.0
RANK_NORM = 1.0 + SHAPE_WEIGHT * SHAPE_FALLBACK
# The new-individual probability compares only the upper part of the compared edge
# (this share of the traced edge, from the tip): lower down, fins are smooth curves that
# unknown animals share, which makes them look familiar (fins-smru vs
# fins-naukma-unknown, cross-validated AUC 0.95 with 0.4, 0.88 with the whole 0.6).
NOVELTY_SHARE = 0.4
# Hubness correction of the ranking (a form of CSLS): a smooth, average fin lies close to
# every fin, so it would be ranked near the top for every query. Each of the best
# HUB_TOP shortlisted photos has its ranking distance multiplied by
# (HUB_SCALE / s) ** HUB_POWER, clipped to HUB_CLIP, where s is its mean ranking distance
# to its LOCAL_K nearest other photos among the best HUB_POOL of the query's shortlist
# (10, 15, 20 and 30 all gave the same rankings on the real sets). The rest of the shortlist
# gets the largest factor of those, so it is never lifted above them. HUB_SCALE is the
# median s on real fins (so a typical photo keeps its distance). On fins-smru leave-one-
# out it lifted top-1 from 0.58 to 0.75, with the same result for powers 0.3 to 0.7 and
# LOCAL_K 1 to 5, and left fins-naukma at 0.98 (bench/bench_outline.py).
HUB_TOP = 5
HUB_POWER = 0.5
HUB_SCALE = 0.0023
HUB_CLIP = (0.5, 2.0)
HUB_SHAPE_POINTS = 24
HUB_POOL = 15
# Points the upper edge and the shape are aligned with (fewer than they are stored with:
# alignment time grows with the square of the points, and these parts are smooth).
NOVELTY_POINTS = 32
SHAPE_ALIGN_POINTS = 48
# The quick alignment of the shortlist's first pass and of the hubness pairs: one start,
# 4 iterations (edges at every other point, 32).
COARSE_ALIGN: dict[str, Any] = {"iterations": 4, "stretches": (1.0,)}


@dataclass(frozen=True)
class EdgeCandidate:
    """One ranked individual: label, aligned distance and score of its best photo."""

    label: Hashable
    score: float  # exp(-distance / SCORE_SCALE): 1 for identical edges
    distance: float
    photo_index: int  # index of the best photo in the gallery
    photo_id: Any = None  # its id, when the gallery was given photo_ids
    relative: float | None = None  # distance / the best photo's local scale (top one only)


def novelty_edges(edges: np.ndarray) -> np.ndarray:
    """The upper ``NOVELTY_SHARE`` of canonical edges (``N x n x 2``, equally spaced by
    arc length), as ``NOVELTY_POINTS`` points: what the new-individual probability
    compares."""
    return resample_by_index(np.asarray(edges, np.float32), NOVELTY_POINTS,
                             min(NOVELTY_SHARE / EDGE_SHARE, 1.0))


def rank_distance(edge: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """What ranks a photo against another, on the trailing edge's own scale: the edge
    distance plus ``SHAPE_WEIGHT`` times the shape distance (``SHAPE_FALLBACK`` times the
    edge distance where ``shape`` is NaN: either photo has no shape), over
    ``RANK_NORM`` (so that it is the plain edge distance without a shape)."""
    edge = np.asarray(edge, np.float64)
    other = np.where(np.isnan(shape), SHAPE_FALLBACK * edge, shape)
    return (edge + SHAPE_WEIGHT * other) / RANK_NORM


def distance_to_score(distance: float | np.ndarray) -> float | np.ndarray:
    """Similarity in (0, 1] from an aligned distance (monotone, for display and storage)."""
    return np.exp(-np.asarray(distance, np.float64) / SCORE_SCALE)


# ------------------------------------------------------------------------ vectors
def edge_descriptor(edges: np.ndarray, *, n_out: int = 48) -> np.ndarray:
    """Fixed descriptor: the edge's offset from its chord and its turning, unit length.

    Robust enough to shortlist; the alignment decides. ``edges``: ``N x n x 2``.
    """
    e = np.asarray(edges, np.float64)
    if e.ndim == 2:
        e = e[None]
    out = np.zeros((len(e), 2 * n_out), np.float32)
    for i, edge in enumerate(e):
        p = resample_polyline(edge, n_out + 2)
        x = p[1:-1, 0]
        d = np.diff(p, axis=0)
        ang = np.unwrap(np.arctan2(d[:, 1], d[:, 0]))
        turn = np.diff(ang)
        v = np.concatenate([(x - x.mean()) * 4.0, turn - turn.mean()])
        out[i] = v / max(np.linalg.norm(v), 1e-9)
    return out


_ENCODER: list[Any] = []


def default_encoder() -> Any:
    """The shipped 1-D edge encoder (loaded lazily, per process), or None if absent."""
    if not _ENCODER:
        from .edge_encoder import DEFAULT_ENCODER_PATH, EdgeEncoder

        path = DEFAULT_ENCODER_PATH
        _ENCODER.append(EdgeEncoder(path) if path.with_suffix(".tflite").is_file() else None)
    return _ENCODER[0]


def edge_vectors(edges: np.ndarray | Sequence[np.ndarray], *, encoder: Any = None
                 ) -> np.ndarray:
    """Unit vectors for shortlisting.

    ``encoder``: None for the shipped 1-D encoder (the fixed descriptor when it is not
    shipped), ``"descriptor"`` for the fixed descriptor, or any object with
    ``encode(edges)``. Gallery and queries must use the same one.
    """
    e = edge_array(edges, EDGE_POINTS).astype(np.float32)
    if isinstance(encoder, str):
        if encoder != "descriptor":
            raise ValueError(f"unknown encoder {encoder!r}")
        return edge_descriptor(e)
    encoder = encoder if encoder is not None else default_encoder()
    if encoder is not None:
        return encoder.encode(e)
    return edge_descriptor(e)


@dataclass(frozen=True)
class FinEdge:
    """What the identify worker stores per photo: outline, canonical edge, vector, version."""

    outline: Any  # dois.ml.outline.Outline
    edge: np.ndarray | None  # EDGE_POINTS x 2 canonical edge, None without a usable outline
    vector: np.ndarray | None  # unit vector for shortlisting
    method: str  # "<EDGE_METHOD_VERSION>/<outline method>": re-process when it changes
    shape: np.ndarray | None = None  # SHAPE_POINTS x 2 upper outline (dois.ml.shape)

    @property
    def stored(self) -> np.ndarray | None:
        """The edge and shape packed as one float32 array to store (``edge_pack``)."""
        return None if self.edge is None else edge_pack(self.edge, self.shape)


def method_version(tracer: Any = None) -> str:
    """The full method version (edge matching and outline tracing) for stored results."""
    from .outline import OutlineTracer

    tracer = tracer or OutlineTracer()
    return f"{EDGE_METHOD_VERSION}/{tracer.version}"


def describe_fin(image: np.ndarray | None = None, *, outline: Any = None, tracer: Any = None,
                 encoder: Any = None) -> FinEdge:
    """Trace ``image`` (RGB ``H x W x 3`` uint8) or take a given (e.g. corrected) ``outline``.

    Never raises for a bad photo: without a usable outline, ``edge`` and ``vector`` are
    None and ``outline.reason`` says why.
    """
    tracer = tracer or _default_tracer()
    if outline is None:
        if image is None:
            raise ValueError("give an image or an outline")
        outline = tracer(image)
    edge = outline.edge()
    vector = None if edge is None else edge_vectors(edge[None], encoder=encoder)[0]
    return FinEdge(outline=outline, edge=edge, vector=vector,
                   method=f"{EDGE_METHOD_VERSION}/{outline.method}",
                   shape=None if edge is None else canonical_shape(outline))


_TRACER: list[Any] = []


def _default_tracer() -> Any:
    from .outline import OutlineTracer

    if not _TRACER:
        _TRACER.append(OutlineTracer())
    return _TRACER[0]


# ------------------------------------------------------------------------- gallery
class EdgeGallery:
    """Confirmed photos' canonical edges, their vectors and labels; search ranks individuals.

    ``edges``: ``N x n x 2`` canonical edges; ``labels``: one per photo; ``vectors``:
    ``N x D`` unit vectors (computed with :func:`edge_vectors` when omitted);
    ``photo_ids``: optional ids returned with the candidates' ``photo_index``;
    ``shapes``: optional upper shapes (``SHAPE_POINTS x 2`` or None per photo; a stored
    array splits with :func:`dois.ml.shape.edge_unpack`).
    A search takes the ``shortlist`` photos whose vectors are nearest, aligns them
    coarsely (32 points, 4 iterations, one start), re-ranks the best ``rerank`` of those
    by the full alignment (trailing edge plus ``SHAPE_WEIGHT`` times the shape's),
    corrects those distances for hubness (:meth:`hub_factors`) and ranks individuals by
    their best photo.
    """

    def __init__(self, edges: np.ndarray | Sequence[np.ndarray], labels: Sequence[Hashable], *,
                 vectors: np.ndarray | None = None, photo_ids: Sequence[Any] | None = None,
                 encoder: Any = None, shortlist: int = 200, rerank: int = 30,
                 shapes: Sequence[np.ndarray | None] | None = None) -> None:
        self.edges = edge_array(edges, EDGE_POINTS).astype(np.float32)
        self.labels = list(labels)
        if len(self.labels) != len(self.edges):
            raise ValueError("one label per edge")
        shapes = list(shapes) if shapes is not None else [None] * len(self.edges)
        if len(shapes) != len(self.edges):
            raise ValueError("one shape (or None) per edge")
        self.has_shape = np.array([x is not None for x in shapes], bool)
        self.shapes = np.zeros((len(shapes), SHAPE_POINTS, 2), np.float32)
        for i, x in enumerate(shapes):
            if x is not None:
                self.shapes[i] = resample_polyline(np.asarray(x, np.float64), SHAPE_POINTS)
        self.encoder = encoder
        self.vectors = (np.asarray(vectors, np.float32) if vectors is not None
                        else edge_vectors(self.edges, encoder=encoder))
        if len(self.vectors) != len(self.edges):
            raise ValueError("one vector per edge")
        self.photo_ids = list(photo_ids) if photo_ids is not None else None
        self.shortlist = int(shortlist)
        self.rerank = int(rerank)
        self._coarse = self.edges[:, ::2].copy()  # 32 points for the first alignment pass
        self._novelty = novelty_edges(self.edges)
        self._shapes_aligned = resample_by_index(self.shapes, SHAPE_ALIGN_POINTS)
        self._shapes_coarse = resample_by_index(self.shapes, HUB_SHAPE_POINTS)
        self._scales: dict[int, float] = {}
        names = sorted(set(self.labels), key=str)
        self._code = {lab: i for i, lab in enumerate(names)}
        self.codes = np.array([self._code[lab] for lab in self.labels], np.int64)

    def __len__(self) -> int:
        return len(self.edges)

    def photo_distances(self, edge: np.ndarray, *, vector: np.ndarray | None = None,
                        exclude: Sequence[int] = ()) -> tuple[np.ndarray, np.ndarray]:
        """Aligned distances to the re-ranked shortlist: ``(photo indices, distances)``."""
        if len(self) == 0:
            return np.zeros(0, np.int64), np.zeros(0)
        q = resample_polyline(np.asarray(edge, np.float64), EDGE_POINTS)
        if vector is None:
            vector = edge_vectors(q[None], encoder=self.encoder)[0]
        sims = self.vectors @ np.asarray(vector, np.float32)
        if len(exclude):
            sims[np.asarray(list(exclude), int)] = -np.inf
        m = min(self.shortlist, int(np.isfinite(sims).sum()))
        if m <= 0:
            return np.zeros(0, np.int64), np.zeros(0)
        short = np.argpartition(-sims, m - 1)[:m] if m < len(sims) else np.nonzero(
            np.isfinite(sims))[0]
        if len(short) > self.rerank:  # a quick coarse alignment narrows the shortlist
            coarse = align_edges(q[::2], self._coarse[short], n=EDGE_POINTS // 2,
                                 **COARSE_ALIGN)
            short = short[np.argsort(coarse, kind="stable")[: self.rerank]]
        return short, align_edges(q, self.edges[short])

    def local_scale(self, index: int, *, exclude: Sequence[int] = ()) -> float:
        """How close gallery photo ``index`` is to its own nearest gallery photos.

        The mean aligned distance of the upper edges (:func:`novelty_edges`) to its
        ``LOCAL_K`` nearest other photos (of any individual; ``exclude`` left out) among
        its shortlist. A query's distance divided by it says
        whether the query is as close as that photo's usual neighbours are: a smooth,
        average fin is near everything, a marked one near little (the hubness
        correction of the new-individual probability). Cached when nothing is excluded.
        """
        key = int(index)
        if not len(exclude) and key in self._scales:
            return self._scales[key]
        short, _ = self.photo_distances(self.edges[key], vector=self.vectors[key],
                                        exclude=[key, *exclude])
        d = (align_edges(self._novelty[key], self._novelty[short], n=NOVELTY_POINTS)
             if len(short) else short)
        value = float(np.mean(np.sort(d)[:LOCAL_K])) if len(d) else float("nan")
        if not len(exclude):
            self._scales[key] = value
        return value

    def rank_distances(self, short: np.ndarray, dist: np.ndarray,
                       shape: np.ndarray | None) -> np.ndarray:
        """What ranks the shortlist (:func:`rank_distance`), with the query's ``shape``
        aligned to each photo's."""
        other = np.full(len(short), np.nan)
        if shape is not None and len(short):
            has = self.has_shape[short]
            if has.any():
                other[has] = align_edges(shape, self._shapes_aligned[short[has]],
                                         n=SHAPE_ALIGN_POINTS)
        return rank_distance(dist, other)

    def hub_factors(self, short: np.ndarray, ranked: np.ndarray) -> np.ndarray:
        """The hubness correction's factor for each shortlisted photo (see ``HUB_TOP``).

        ``short``: the shortlist's photo indices; ``ranked``: their ranking distances.
        The photo-to-photo distances are aligned coarsely, as the shortlist's first pass
        is (``COARSE_ALIGN``; 32 edge points, ``HUB_SHAPE_POINTS`` shape points),
        all pairs in one call: on the real sets this gave the same rankings as the full
        alignment in a fraction of the time.
        """
        factors = np.ones(len(short))
        if len(short) < 2:
            return factors
        order = np.argsort(ranked, kind="stable")
        top = order[:HUB_TOP]
        pool = order[:HUB_POOL]
        # every checked photo against every other photo of the pool, as flat pairs
        first = np.repeat(short[top], len(pool) - 1)
        second = np.concatenate([short[pool[pool != t]] for t in top])
        dist = align_edges(self._coarse[first], self._coarse[second], n=EDGE_POINTS // 2,
                           **COARSE_ALIGN)
        other = np.full(len(first), np.nan)
        both = self.has_shape[first] & self.has_shape[second]
        if both.any():
            other[both] = align_edges(self._shapes_coarse[first[both]],
                                      self._shapes_coarse[second[both]],
                                      n=HUB_SHAPE_POINTS, **COARSE_ALIGN)
        near = np.sort(rank_distance(dist, other).reshape(len(top), -1), axis=1)[:, :LOCAL_K]
        scale = near.mean(axis=1)
        ok = np.isfinite(scale)
        factors[top[ok]] = np.clip((HUB_SCALE / np.maximum(scale[ok], 1e-12)) ** HUB_POWER,
                                   *HUB_CLIP)
        factors[order[HUB_TOP:]] = factors[top].max()
        return factors

    def search(self, edge: np.ndarray, *, k: int = 5, vector: np.ndarray | None = None,
               exclude: Sequence[int] = (), shape: np.ndarray | None = None
               ) -> list[EdgeCandidate]:
        """Rank individuals for one canonical query edge (best first, up to ``k``).

        ``shape``: the query's upper shape (:func:`dois.ml.shape.canonical_shape`), or
        None to rank by the trailing edge alone. Each candidate's ``distance`` is what
        ranked its best photo (:meth:`rank_distances` times its :meth:`hub_factors`) and
        ``score`` follows it, so scores fall with the rank. The first candidate also
        carries ``relative``: the query's nearest upper edge's (:func:`novelty_edges`)
        distance over that photo's :meth:`local_scale`, among the shortlist (what the
        new-individual probability uses; the shape and the lower edge are left out of
        it, as they make unknown fins look familiar).
        """
        short, dist = self.photo_distances(edge, vector=vector, exclude=exclude)
        if not len(short):
            return []
        ranked = self.rank_distances(short, dist, shape)
        ranked = ranked * self.hub_factors(short, ranked)
        order = np.argsort(ranked, kind="stable")
        q = resample_polyline(np.asarray(edge, np.float64), EDGE_POINTS)
        upper = align_edges(novelty_edges(q[None])[0], self._novelty[short], n=NOVELTY_POINTS)
        nearest = int(np.argmin(upper))
        scale = self.local_scale(int(short[nearest]), exclude=exclude)
        relative = float(upper[nearest] / scale) if scale > 0 else None
        out: list[EdgeCandidate] = []
        seen: set[int] = set()
        for j in order:
            idx = int(short[j])
            code = int(self.codes[idx])
            if code in seen:
                continue
            seen.add(code)
            out.append(EdgeCandidate(
                label=self.labels[idx], distance=float(ranked[j]),
                score=float(distance_to_score(ranked[j])), photo_index=idx,
                photo_id=self.photo_ids[idx] if self.photo_ids is not None else None,
                relative=relative if not out else None))
            if len(out) >= k:
                break
        return out
