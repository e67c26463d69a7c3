"""The leaderboard's figures from embeddings, with :mod:`dois.ml.evaluate`'s own code.

``python -m dois.ml.evaluate DATASET --unknown DIR`` queries every image of a folder
dataset against all the others (leave-one-out; individuals with a single image stay in
as distractors; an image is compared only with images of the same side), and scores
images of individuals outside the gallery for the open-set AUC. The board does the same
on the catalogue, from embeddings the sandbox computed:

* the gallery is every reference photo of the individuals not held out, grouped by side
  as ``evaluate_dataset`` groups them;
* the queries are the photos of the frozen evaluation split (``split=eval``), each
  ranked against the rest of its side's gallery with itself left out;
* the unknowns are the evaluation-split photos of the held-out individuals, which are
  in no gallery;
* top-1, top-5 and MAP@5 are :func:`dois.ml.evaluate.ranking_metrics`; the unknown AUC
  is :func:`dois.ml.evaluate.roc_auc` of :func:`dois.ml.gallery.new_individual_probability`
  (unknowns against known queries).

A submitted model carries no calibration of its own, so every row of the board,
the active model's included, scores "new individual" by the top-1 similarity alone
(:data:`BOARD_CALIBRATION`, a monotone function of it): rows are then compared on the
same footing. The calibration fitted here (``calibration``) is what a promoted
submission serves with.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dois.ml.evaluate import ranking_metrics, roc_auc
from dois.ml.gallery import Gallery, fit_calibration, new_individual_probability, top_features

# p(new) = sigmoid(-top1): ranks queries by their top-1 similarity only
BOARD_CALIBRATION = {"w_score": -1.0, "w_margin": 0.0, "bias": 0.0}


@dataclass(frozen=True)
class EvalItem:
    """One reference photo of the evaluation set."""

    label: Hashable  # the individual
    side: str | None  # "left", "right" or None (unknown: compared only with each other)
    query: bool  # in the frozen evaluation split
    held_out: bool  # its individual is kept out of every gallery (an unknown)


def _side_groups(indices: Sequence[int], items: Sequence[EvalItem]) -> dict:
    groups: dict[str | None, list[int]] = {}
    for i in indices:
        groups.setdefault(items[i].side, []).append(i)
    return groups


def board_metrics(*, vectors: np.ndarray, items: Sequence[EvalItem], k: int = 5
                  ) -> dict[str, Any]:
    """Top-1, top-5, MAP@5, unknown AUC and counts of ``vectors`` (one per item)."""
    if len(vectors) != len(items):
        raise ValueError("one vector per item")
    known = [i for i, it in enumerate(items) if not it.held_out]
    unknown = [i for i, it in enumerate(items) if it.held_out and it.query]
    galleries: dict[str | None, Gallery] = {}
    ranked: list[list[Hashable]] = []
    truth: list[Hashable] = []
    known_feats: list[list] = []
    for side, idx in _side_groups(known, items).items():
        gal = Gallery(vectors[idx], [items[i].label for i in idx])
        galleries[side] = gal
        counts: dict[Hashable, int] = {}
        for lab in gal.labels:
            counts[lab] = counts.get(lab, 0) + 1
        local = [j for j, lab in enumerate(gal.labels)
                 if counts[lab] >= 2 and items[idx[j]].query]
        if not local:
            continue
        for j, cands in zip(local, gal.search(gal.vectors[local], k=k, exclude=local),
                            strict=True):
            ranked.append([c.label for c in cands])
            truth.append(gal.labels[j])
            known_feats.append(cands)
    metrics: dict[str, Any] = ranking_metrics(ranked=ranked, truth=truth)
    metrics.update(n_queries=len(truth), n_gallery=len(known),
                   n_individuals=len({it.label for it in items}))
    p_unknown, unknown_feats = [], []
    if galleries:
        for side, uidx in _side_groups(unknown, items).items():
            gal = galleries.get(side, galleries.get(None, next(iter(galleries.values()))))
            for cands in gal.search(vectors[uidx], k=k):
                unknown_feats.append(cands)
                p_unknown.append(new_individual_probability(cands,
                                                            calibration=BOARD_CALIBRATION))
    p_known = [new_individual_probability(c, calibration=BOARD_CALIBRATION)
               for c in known_feats]
    metrics["unknown_auc"] = roc_auc(positives=np.array(p_unknown), negatives=np.array(p_known))
    metrics["n_unknown"] = len(p_unknown)
    metrics["calibration"] = _calibration(known_feats, unknown_feats)
    return metrics


def _calibration(known: list, unknown: list) -> dict[str, float] | None:
    """The new-individual calibration fitted on this evaluation (None without both kinds)."""
    if not known or not unknown:
        return None
    feats = [top_features(c) for c in known + unknown]
    try:
        return fit_calibration(top1=np.array([f[0] for f in feats]),
                               margin=np.array([f[1] for f in feats]),
                               is_new=np.array([0] * len(known) + [1] * len(unknown)))
    except (ValueError, np.linalg.LinAlgError):
        return None
