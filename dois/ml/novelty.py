"""The new-individual probability of the edge method, calibrated on real fins.

A logistic function of the log of the best candidate's relative distance (its aligned
trailing-edge distance over that gallery photo's local scale, see
``dois.ml.edges.EdgeGallery.local_scale``). Fitted by ``python -m
dois.ml.calibrate_edges`` (fins-smru known, fins-naukma-unknown new) and stored in
``shipped/fin-edge-v1.json``; :mod:`dois.ml.edges` re-exports these names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .edges import EdgeCandidate

__all__ = ["DEFAULT_CALIBRATION", "EDGE_SETTINGS_PATH", "new_individual_probability",
           "fit_new_individual_calibration"]

EDGE_SETTINGS_PATH = Path(__file__).resolve().parent / "shipped" / "fin-edge-v1.json"


def _shipped_calibration() -> dict[str, float]:
    """The calibration fitted on real fins (``python -m dois.ml.calibrate_edges``)."""
    try:
        data = json.loads(EDGE_SETTINGS_PATH.read_text(encoding="utf-8"))
        return {k: float(v) for k, v in data["calibration"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {"w_log_distance": 4.0, "w_log_ratio": 0.0, "bias": 0.0}


# Fitted on real fins (fins-smru known vs fins-naukma-unknown new); see README.
DEFAULT_CALIBRATION: dict[str, float] = _shipped_calibration()


def new_individual_probability(candidates: Sequence[EdgeCandidate] | None = None, *,
                               distance: float | np.ndarray | None = None,
                               second: float | np.ndarray | None = None,
                               calibration: Mapping[str, float] = DEFAULT_CALIBRATION
                               ) -> float | np.ndarray:
    """Probability that the query shows an individual not in the gallery.

    A logistic function of the log of the best candidate's ``relative`` distance (its
    aligned distance over its best photo's local scale; the plain distance when that is
    missing) and, if the calibration weighs it, of the log ratio of the second
    individual's distance to the best one's. No candidates: 1.0.
    """
    if candidates is not None:
        if not candidates:
            return 1.0
        top = candidates[0]
        distance = top.relative if top.relative is not None else top.distance
        ratio = (candidates[1].distance / max(top.distance, 1e-9) if len(candidates) > 1
                 else 2.0)
        second = float(distance) * ratio
    if distance is None:
        raise ValueError("give candidates or a distance")
    d1 = np.log(np.maximum(np.asarray(distance, np.float64), 1e-6))
    d2 = np.log(np.maximum(np.asarray(second if second is not None else distance, np.float64),
                           1e-6))
    z = (calibration["w_log_distance"] * d1 + calibration.get("w_log_ratio", 0.0) * (d2 - d1)
         + calibration["bias"])
    p = 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))
    return float(p) if np.ndim(p) == 0 else p


def fit_new_individual_calibration(*, distance: np.ndarray, is_new: np.ndarray,
                                   second: np.ndarray | None = None, l2: float = 1e-2,
                                   iterations: int = 60, balanced: bool = True
                                   ) -> dict[str, float]:
    """Fit the logistic calibration (Newton's method) on labelled examples.

    ``balanced``: known and new examples weigh the same in total, so the probability
    assumes even odds that a photo shows a new animal (and 0.5 is the even threshold).
    """
    d1 = np.log(np.maximum(np.asarray(distance, np.float64), 1e-6))
    cols = [d1]
    if second is not None:
        cols.append(np.log(np.maximum(np.asarray(second, np.float64), 1e-6)) - d1)
    x = np.column_stack([*cols, np.ones(len(d1))])
    y = np.asarray(is_new, np.float64)
    if len(np.unique(y)) < 2:
        raise ValueError("calibration needs both known and new examples")
    sw = np.ones(len(y))
    if balanced:
        sw = np.where(y > 0.5, 0.5 * len(y) / max(y.sum(), 1),
                      0.5 * len(y) / max((1 - y).sum(), 1))
    w = np.zeros(x.shape[1])
    reg = np.diag([l2] * (x.shape[1] - 1) + [0.0])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -60, 60)))
        grad = x.T @ (sw * (p - y)) + reg @ w
        hess = (x * (sw * p * (1 - p))[:, None]).T @ x + reg + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return {"w_log_distance": float(w[0]),
            "w_log_ratio": float(w[1]) if second is not None else 0.0, "bias": float(w[-1])}
