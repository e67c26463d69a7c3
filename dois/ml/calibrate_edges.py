"""Fit the edge method's new-individual probability on real fins, with cross-validation.

``python -m dois.ml.calibrate_edges [--data DIR] [--out PATH]`` traces ``fins-smru``
(known: each photo is a query against the other 23, leave-one-out) and
``fins-naukma-unknown`` (new: each photo against all of fins-smru), fits a logistic
function of the log relative distance to the best individual (aligned distance over
that photo's local scale, see ``EdgeGallery.local_scale``), and reports how the
calibration does on folds it was not fitted on (5 folds; the known queries are split by
individual, so a fold's animals are never in its own fit). It writes the calibration
fitted on everything to ``dois/ml/shipped/fin-edge-v1.json`` (read by
:mod:`dois.ml.edges`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .edges import (
    EDGE_METHOD_VERSION,
    EDGE_SETTINGS_PATH,
    EdgeGallery,
    fit_new_individual_calibration,
    new_individual_probability,
)

__all__ = ["collect_examples", "cross_validate", "main"]


def collect_examples(*, root: Path, tracer: Any = None) -> dict[str, np.ndarray]:
    """The best candidate's relative distance (and that times the second's distance
    ratio) for known and unknown queries."""
    from .datasets import scan_dataset, scan_flat
    from .evaluate import trace_items

    known_items = scan_dataset(root / "fins-smru")
    unknown_items = scan_flat(root / "fins-naukma-unknown")
    known = trace_items(items=known_items, tracer=tracer)
    unknown = trace_items(items=unknown_items, tracer=tracer)
    use = [i for i, o in enumerate(known) if o.usable]
    gal = EdgeGallery([known[i].edge() for i in use], [known_items[i].individual for i in use])
    d1, d2, is_new, group = [], [], [], []
    def features(c: list) -> tuple[float, float]:
        rel = c[0].relative if c[0].relative is not None else c[0].distance
        ratio = c[1].distance / max(c[0].distance, 1e-9) if len(c) > 1 else 2.0
        return rel, rel * ratio

    for j, i in enumerate(use):
        a, b = features(gal.search(known[i].edge(), k=2, exclude=[j]))
        d1.append(a)
        d2.append(b)
        is_new.append(0)
        group.append(known_items[i].individual)
    for it, o in zip(unknown_items, unknown, strict=True):
        if not o.usable:
            continue
        a, b = features(gal.search(o.edge(), k=2))
        d1.append(a)
        d2.append(b)
        is_new.append(1)
        group.append(f"unknown:{it.path.name}")
    return {"d1": np.array(d1), "d2": np.array(d2), "is_new": np.array(is_new),
            "group": np.array(group)}


def cross_validate(ex: dict[str, np.ndarray], *, folds: int = 5, use_ratio: bool = False,
                   seed: int = 0) -> dict[str, Any]:
    """Out-of-fold probabilities: AUC, log loss and flagged shares at 0.5."""
    from .evaluate import roc_auc

    rng = np.random.default_rng(seed)
    groups = np.unique(ex["group"])
    fold_of = dict(zip(groups, rng.permutation(len(groups)) % folds, strict=True))
    fold = np.array([fold_of[g] for g in ex["group"]])
    p = np.zeros(len(fold))
    for f in range(folds):
        train, test = fold != f, fold == f
        cal = fit_new_individual_calibration(
            distance=ex["d1"][train], is_new=ex["is_new"][train],
            second=ex["d2"][train] if use_ratio else None)
        p[test] = new_individual_probability(distance=ex["d1"][test], second=ex["d2"][test],
                                             calibration=cal)
    y = ex["is_new"]
    eps = 1e-6
    # Log loss with known and new weighing the same (as the fit does).
    sw = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    return {
        "auc": roc_auc(positives=p[y == 1], negatives=p[y == 0]),
        "log_loss_balanced": float(-np.mean(sw * (y * np.log(p + eps)
                                                  + (1 - y) * np.log(1 - p + eps)))),
        "unknown_flagged": float(np.mean(p[y == 1] > 0.5)),
        "known_flagged": float(np.mean(p[y == 0] > 0.5)),
        "n_known": int((y == 0).sum()), "n_unknown": int((y == 1).sum()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Fit, cross-validate and write the calibration."""
    from .make_model import data_root
    from .outline import OutlineTracer

    ap = argparse.ArgumentParser(prog="python -m dois.ml.calibrate_edges")
    ap.add_argument("--data", default=None)
    ap.add_argument("--out", default=str(EDGE_SETTINGS_PATH))
    args = ap.parse_args(argv)
    root = Path(args.data) if args.data else data_root()
    tracer = OutlineTracer()
    ex = collect_examples(root=root, tracer=tracer)
    cv_one = cross_validate(ex, use_ratio=False)
    cv_two = cross_validate(ex, use_ratio=True)
    use_ratio = (cv_two["log_loss_balanced"] < cv_one["log_loss_balanced"] - 0.01
                 and (cv_two["auc"] or 0) > (cv_one["auc"] or 0))
    cal = fit_new_individual_calibration(distance=ex["d1"], is_new=ex["is_new"],
                                         second=ex["d2"] if use_ratio else None)
    out = Path(args.out)
    settings = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    settings.update({
        "method": EDGE_METHOD_VERSION, "calibration": cal, "new_individual_threshold": 0.5,
        "calibration_fitted": {
            "on": "fins-smru leave-one-out queries (known) vs fins-naukma-unknown (new)",
            "outline_method": tracer.version, "at": time.strftime("%Y-%m-%d"),
            "feature": "log relative distance to the best individual" + (
                " and log ratio to the second" if use_ratio else ""),
            "cross_validated": cv_two if use_ratio else cv_one,
            "cross_validated_other": cv_one if use_ratio else cv_two,
        }})
    out.write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(settings["calibration_fitted"]))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
