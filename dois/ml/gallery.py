"""Exact cosine search over a gallery of embeddings, ranked per individual.

Vectors are float32 and unit length, so cosine similarity is a dot product. The
search multiplies query blocks by gallery chunks (BLAS), keeps the best photos per
query with ``argpartition`` and then ranks individuals by their best photo. It is
exact: when the kept photos hold fewer than ``k`` individuals the query is redone
over the whole gallery. Memory stays bounded by ``chunk_size x query_block``.

The new-individual probability is a logistic function of the top-1 score and the
margin to the second individual, fitted on held-out individuals during training
(``fit_calibration``) and stored in the model's metadata.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Candidate",
    "Gallery",
    "rank_individuals",
    "top_features",
    "new_individual_probability",
    "fit_calibration",
]


@dataclass(frozen=True)
class Candidate:
    """One ranked individual for a query: its label, best score and best photo."""

    label: Hashable
    score: float
    photo_index: int


def _normalise(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float32)
    if v.ndim == 1:
        v = v[None]
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return np.ascontiguousarray(v / np.maximum(norms, 1e-12), dtype=np.float32)


def rank_individuals(scores: np.ndarray, codes: np.ndarray, *, k: int
                     ) -> list[list[tuple[int, float, int]]]:
    """Rank individuals per row of a full ``queries x photos`` score matrix.

    ``codes`` gives each photo's individual as an int. Returns, per row, up to ``k``
    tuples ``(code, best score, best photo index)``, best first. Photos scored
    ``-inf`` are ignored.
    """
    out: list[list[tuple[int, float, int]]] = []
    for row in np.asarray(scores, dtype=np.float32):
        order = np.argsort(-row, kind="stable")
        order = order[np.isfinite(row[order])]
        out.append(_first_distinct(order, row[order], codes, k))
    return out


def _first_distinct(order: np.ndarray, sorted_scores: np.ndarray, codes: np.ndarray,
                    k: int) -> list[tuple[int, float, int]]:
    seq = codes[order]
    _, first = np.unique(seq, return_index=True)
    first.sort()
    first = first[:k]
    return [(int(seq[i]), float(sorted_scores[i]), int(order[i])) for i in first]


class Gallery:
    """Confirmed photos' embeddings with their individuals' labels.

    ``vectors``: ``N x D`` (normalised on the way in); ``labels``: one hashable per
    vector (e.g. an individual's id). ``search`` returns, per query, the ``k`` best
    individuals as ``Candidate`` objects.
    """

    def __init__(self, vectors: np.ndarray, labels: Sequence[Hashable], *,
                 chunk_size: int = 65536, query_block: int = 256,
                 normalise: bool = True) -> None:
        vecs = _normalise(vectors) if normalise else np.ascontiguousarray(vectors, np.float32)
        if len(vecs) and vecs.ndim != 2:
            raise ValueError("vectors must be N x D")
        if len(labels) != len(vecs):
            raise ValueError(f"{len(vecs)} vectors but {len(labels)} labels")
        self.vectors = vecs
        self.labels = list(labels)
        uniq: dict[Hashable, int] = {}
        self.codes = np.fromiter((uniq.setdefault(lab, len(uniq)) for lab in self.labels),
                                 dtype=np.int64, count=len(self.labels))
        self.names = list(uniq)
        self.chunk_size = int(chunk_size)
        self.query_block = int(query_block)

    def __len__(self) -> int:
        return len(self.vectors)

    @property
    def n_individuals(self) -> int:
        """Number of distinct labels."""
        return len(self.names)

    def search(self, queries: np.ndarray, *, k: int = 5,
               exclude: Sequence[int | None] | None = None) -> list[list[Candidate]]:
        """Rank the ``k`` best individuals for each query vector.

        ``exclude`` optionally names one gallery photo index per query to skip
        (leave-one-out evaluation).
        """
        q = _normalise(queries)
        if len(self) == 0:
            return [[] for _ in range(len(q))]
        if exclude is not None and len(exclude) != len(q):
            raise ValueError("exclude must have one entry per query")
        ex = np.array([-1 if e is None else int(e) for e in exclude], np.int64) \
            if exclude is not None else np.full(len(q), -1, np.int64)
        results: list[list[Candidate]] = []
        keep = min(len(self), max(8 * k, 64))
        for start in range(0, len(q), self.query_block):
            block, block_ex = q[start:start + self.query_block], ex[start:start + self.query_block]
            idx, sc = self._top_photos(block, block_ex, keep)
            for row in range(len(block)):
                ok = np.isfinite(sc[row])  # excluded photos score -inf
                ranked = _first_distinct(idx[row][ok], sc[row][ok], self.codes, k)
                if len(ranked) < k and keep < len(self) and len(ranked) < self.n_individuals:
                    ranked = self._full_row(block[row], int(block_ex[row]), k)
                results.append([Candidate(self.names[c], s, i) for c, s, i in ranked])
        return results

    def _top_photos(self, block: np.ndarray, block_ex: np.ndarray, keep: int
                    ) -> tuple[np.ndarray, np.ndarray]:
        """Best ``keep`` photo indices and scores per query, sorted descending."""
        rows = np.arange(len(block))
        best_idx = np.empty((len(block), 0), np.int64)
        best_sc = np.empty((len(block), 0), np.float32)
        for c0 in range(0, len(self), self.chunk_size):
            chunk = self.vectors[c0:c0 + self.chunk_size]
            s = block @ chunk.T
            hit = (block_ex >= c0) & (block_ex < c0 + len(chunk))
            if hit.any():
                s[rows[hit], block_ex[hit] - c0] = -np.inf
            m = min(keep, s.shape[1])
            part = np.argpartition(-s, m - 1, axis=1)[:, :m] if m < s.shape[1] else \
                np.broadcast_to(np.arange(s.shape[1]), s.shape)
            best_idx = np.concatenate([best_idx, part + c0], axis=1)
            best_sc = np.concatenate([best_sc, np.take_along_axis(s, part, axis=1)], axis=1)
            if best_idx.shape[1] > keep:
                sel = np.argpartition(-best_sc, keep - 1, axis=1)[:, :keep]
                best_idx = np.take_along_axis(best_idx, sel, axis=1)
                best_sc = np.take_along_axis(best_sc, sel, axis=1)
        order = np.argsort(-best_sc, axis=1, kind="stable")
        best_idx = np.take_along_axis(best_idx, order, axis=1)
        best_sc = np.take_along_axis(best_sc, order, axis=1)
        return best_idx, best_sc

    def _full_row(self, query: np.ndarray, exclude: int, k: int) -> list[tuple[int, float, int]]:
        scores = self.vectors @ query
        if exclude >= 0:
            scores[exclude] = -np.inf
        return rank_individuals(scores[None], self.codes, k=k)[0]


def top_features(candidates: Sequence[Candidate]) -> tuple[float, float]:
    """Top-1 score and margin to the second individual (second taken as 0 if absent)."""
    if not candidates:
        return -1.0, 0.0
    top1 = float(candidates[0].score)
    second = float(candidates[1].score) if len(candidates) > 1 else 0.0
    return top1, top1 - second


def new_individual_probability(
    candidates: Sequence[Candidate] | None = None, *, top1: float | np.ndarray | None = None,
    margin: float | np.ndarray | None = None, calibration: Mapping[str, float]
) -> float | np.ndarray:
    """Calibrated probability that the query shows an individual not in the gallery.

    Pass the query's ranked ``candidates`` or the raw ``top1``/``margin`` features
    (scalars or arrays). ``calibration`` holds ``w_score``, ``w_margin`` and ``bias``
    (from the model metadata). An empty candidate list gives 1.0.
    """
    if candidates is not None:
        if not candidates:
            return 1.0
        top1, margin = top_features(candidates)
    if top1 is None or margin is None:
        raise ValueError("give candidates or both top1 and margin")
    z = (calibration["w_score"] * np.asarray(top1, np.float64)
         + calibration["w_margin"] * np.asarray(margin, np.float64) + calibration["bias"])
    p = 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))
    return float(p) if np.ndim(p) == 0 else p


def fit_calibration(*, top1: np.ndarray, margin: np.ndarray, is_new: np.ndarray,
                    l2: float = 1e-3, iterations: int = 50) -> dict[str, float]:
    """Fit the logistic new-individual calibration by Newton's method."""
    x = np.column_stack([np.asarray(top1, np.float64), np.asarray(margin, np.float64),
                         np.ones(len(top1))])
    y = np.asarray(is_new, np.float64)
    if len(np.unique(y)) < 2:
        raise ValueError("calibration needs both known and new examples")
    w = np.zeros(3)
    reg = np.diag([l2, l2, 0.0])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -60, 60)))
        grad = x.T @ (p - y) + reg @ w
        hess = (x * (p * (1 - p))[:, None]).T @ x + reg + 1e-9 * np.eye(3)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return {"w_score": float(w[0]), "w_margin": float(w[1]), "bias": float(w[2])}
