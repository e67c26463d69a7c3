"""Evaluate identification on a folder dataset: top-1, top-5, MAP@5 and open-set figures.

``python -m dois.ml.evaluate DATASET [--method edge|appearance|fused] [--unknown DIR]``
prints one JSON object as its last line. Without ``--method`` it evaluates what the
site serves: ``edge`` (the trailing edge of the fin's outline; see
:mod:`dois.ml.edges`). ``appearance`` is the whole-crop embedder (``--model``);
``fused`` adds the two methods' per-individual ranks (measured, not served;
leave-one-out folder datasets only, no ``--unknown`` figures).

Edge method: every photo is traced (:mod:`dois.ml.outline`); ``outline_found`` is the
share of the dataset's photos with a usable outline (``unknown_outline_found`` for
``--unknown``). A query without one counts as a miss (it goes to a person); photos
without one are left out of the gallery. ``unknown_auc`` compares the new-individual
probability of unknowns and known queries that both have an outline;
``unknown_auc_all`` counts a photo without an outline as flagged new (probability 1).
``top1_ci95`` is the 95 % (Wilson) interval of top-1 over the number of queries, and
``confusions`` counts the wrong first places as ``"true -> ranked first"``: on a small
set, what the figure can tell apart and which animals limit it.

DATASET holds one folder per individual. With ``gallery/`` and ``query/`` subfolders,
gallery images are enrolled and each query image (of an individual in the gallery)
is ranked against them; otherwise every image is queried against all the others
(leave-one-out; individuals with a single image stay in as distractors). When file
names say ``left`` or ``right``, an image is only compared with images of the same
side (images without a side only with each other).

``--unknown DIR``: images of individuals not in the gallery; adds ``unknown_auc``
(ROC AUC of the new-individual probability, unknowns vs known queries),
``unknown_flagged`` (share of unknowns above the model's threshold) and
``known_flagged`` (share of known queries above it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .datasets import Item, scan_dataset, scan_flat
from .gallery import Gallery, new_individual_probability
from .preprocess import load_images

__all__ = ["ranking_metrics", "proportion_interval", "confusions", "roc_auc", "embed_items",
           "evaluate_dataset", "evaluate_edges", "evaluate_fused", "trace_items", "main"]

METHODS = ("edge", "appearance", "fused")
SERVED_METHOD = "edge"


def ranking_metrics(*, ranked: Sequence[Sequence[Hashable]], truth: Sequence[Hashable]
                    ) -> dict[str, float]:
    """Top-1, top-5 and MAP@5 (1/rank of the first correct label in the top 5, else 0)."""
    if len(ranked) != len(truth):
        raise ValueError("one ranking per true label")
    if not truth:
        return {"top1": 0.0, "top5": 0.0, "map5": 0.0}
    top1 = top5 = ap = 0.0
    for labels, t in zip(ranked, truth, strict=True):
        head = list(labels[:5])
        if head and head[0] == t:
            top1 += 1
        if t in head:
            top5 += 1
            ap += 1.0 / (head.index(t) + 1)
    n = len(truth)
    return {"top1": top1 / n, "top5": top5 / n, "map5": ap / n}


def proportion_interval(*, successes: int, n: int, z: float = 1.96
                        ) -> tuple[float, float] | None:
    """Wilson score interval of a share (``successes`` of ``n``), 95 % by default.

    A top-1 of 18 in 24 is 0.75 with an interval of about 0.55 to 0.88: what a small
    real set can and cannot tell apart. None when ``n`` is 0.
    """
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError("successes must lie between 0 and n")
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def confusions(*, ranked: Sequence[Sequence[Hashable]], truth: Sequence[Hashable]
               ) -> dict[str, int]:
    """Wrong first places, counted as ``"true -> ranked first"`` (``"true -> none"``
    where nothing was ranked, e.g. no outline), most frequent first."""
    counts: dict[str, int] = {}
    for labels, t in zip(ranked, truth, strict=True):
        first = labels[0] if len(labels) else None
        if first != t:
            key = f"{t} -> {'none' if first is None else first}"
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def roc_auc(*, positives: np.ndarray, negatives: np.ndarray) -> float | None:
    """ROC AUC that a positive scores above a negative (ties count half)."""
    pos, neg = np.asarray(positives, float), np.asarray(negatives, float)
    if not len(pos) or not len(neg):
        return None
    allv = np.concatenate([pos, neg])
    order = np.argsort(allv, kind="mergesort")
    ranks = np.empty(len(allv))
    sorted_v = allv[order]
    i = 0
    while i < len(allv):  # average ranks over ties
        j = i
        while j + 1 < len(allv) and sorted_v[j + 1] == sorted_v[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    u = ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2.0
    return float(u / (len(pos) * len(neg)))


def embed_items(*, items: Sequence[Item], embedder: Any, batch: int = 64) -> np.ndarray:
    """Load, preprocess and embed images in batches."""
    size = embedder.input_size
    out = np.zeros((len(items), embedder.embedding_dim), np.float32)
    for s in range(0, len(items), batch):
        part = items[s:s + batch]
        out[s:s + len(part)] = embedder.embed(load_images([it.path for it in part], size=size))
    return out


def _side_groups(items: Sequence[Item]) -> dict[str | None, list[int]]:
    groups: dict[str | None, list[int]] = {}
    for i, it in enumerate(items):
        groups.setdefault(it.side, []).append(i)
    return groups


def evaluate_dataset(*, dataset: str | Path, embedder: Any = None,
                     model_path: str | Path | None = None,
                     unknown: str | Path | None = None, k: int = 5) -> dict[str, Any]:
    """Evaluate on ``dataset`` (see the module docstring); returns the metrics dict."""
    if embedder is None:
        from . import DEFAULT_MODEL_PATH
        from .model import Embedder

        embedder = Embedder(model_path or DEFAULT_MODEL_PATH)
    dataset = Path(dataset)
    split = (dataset / "gallery").is_dir() and (dataset / "query").is_dir()
    if split:
        gal_items, q_items = scan_dataset(dataset / "gallery"), scan_dataset(dataset / "query")
    else:
        gal_items, q_items = scan_dataset(dataset), []
    if not gal_items:
        raise ValueError(f"no images in {dataset}")
    gal_vecs = embed_items(items=gal_items, embedder=embedder)
    q_vecs = embed_items(items=q_items, embedder=embedder) if q_items else gal_vecs

    ranked: list[list[Hashable]] = []
    truth: list[Hashable] = []
    known_feats: list[list] = []
    galleries: dict[str | None, tuple[Gallery, list[int]]] = {}
    for side, idx in _side_groups(gal_items).items():
        galleries[side] = (Gallery(gal_vecs[idx], [gal_items[i].individual for i in idx]), idx)
    if split:
        for side, qidx in _side_groups(q_items).items():
            if side not in galleries:
                continue
            gal, _ = galleries[side]
            names = set(gal.names)
            qidx = [i for i in qidx if q_items[i].individual in names]
            for i, cands in zip(qidx, gal.search(q_vecs[qidx], k=k), strict=True):
                ranked.append([c.label for c in cands])
                truth.append(q_items[i].individual)
                known_feats.append(cands)
    else:
        for gal, _idx in galleries.values():
            counts: dict[str, int] = {}
            for lab in gal.labels:
                counts[lab] = counts.get(lab, 0) + 1
            local = [j for j, lab in enumerate(gal.labels) if counts[lab] >= 2]
            results = gal.search(gal.vectors[local], k=k, exclude=local)
            for j, cands in zip(local, results, strict=True):
                ranked.append([c.label for c in cands])
                truth.append(gal.labels[j])
                known_feats.append(cands)
    metrics: dict[str, Any] = ranking_metrics(ranked=ranked, truth=truth)
    individuals = {it.individual for it in gal_items} | {it.individual for it in q_items}
    metrics.update(n_queries=len(truth), n_individuals=len(individuals),
                   n_gallery=len(gal_items))
    if unknown is not None:
        meta = embedder.metadata
        u_items = scan_flat(unknown)
        u_vecs = embed_items(items=u_items, embedder=embedder)
        p_unknown = []
        for side, uidx in _side_groups(u_items).items():
            gal = galleries.get(side, galleries.get(None, next(iter(galleries.values()))))[0]
            for cands in gal.search(u_vecs[uidx], k=k):
                p_unknown.append(new_individual_probability(cands, calibration=meta.calibration))
        p_known = [new_individual_probability(c, calibration=meta.calibration)
                   for c in known_feats]
        thr = float(meta.new_individual_threshold)
        auc = roc_auc(positives=np.array(p_unknown), negatives=np.array(p_known))
        metrics.update(
            unknown_auc=auc, n_unknown=len(u_items),
            unknown_flagged=float(np.mean(np.array(p_unknown) > thr)) if p_unknown else None,
            known_flagged=float(np.mean(np.array(p_known) > thr)) if p_known else None)
    return metrics


def trace_items(*, items: Sequence[Item], tracer: Any = None) -> list[Any]:
    """Trace the outline of each item's whole image (a bad file gives ``bad_image``)."""
    from .outline import Outline, OutlineTracer
    from .preprocess import ImageDecodeError, decode_image

    tracer = tracer or OutlineTracer()
    out = []
    for it in items:
        try:
            img, _ = decode_image(it.path)
        except ImageDecodeError:
            out.append(Outline(ok=False, reason="bad_image", image_size=(0, 0)))
            continue
        out.append(tracer(np.asarray(img, np.uint8)))
    return out


def evaluate_edges(*, dataset: str | Path, unknown: str | Path | None = None,
                   tracer: Any = None, k: int = 5, calibration: dict[str, float] | None = None,
                   outlines: dict[Path, Any] | None = None) -> dict[str, Any]:
    """Evaluate the edge method on ``dataset`` (see the module docstring).

    ``outlines``: an optional ``{path: Outline}`` cache, filled as images are traced.
    """
    from .edges import DEFAULT_CALIBRATION, EdgeGallery
    from .edges import new_individual_probability as p_new_edge
    from .shape import canonical_shape

    calibration = calibration or DEFAULT_CALIBRATION
    cache = outlines if outlines is not None else {}

    def traced(items: Sequence[Item]) -> list[Any]:
        todo = [it for it in items if it.path not in cache]
        for it, o in zip(todo, trace_items(items=todo, tracer=tracer), strict=True):
            cache[it.path] = o
        return [cache[it.path] for it in items]

    dataset = Path(dataset)
    split = (dataset / "gallery").is_dir() and (dataset / "query").is_dir()
    if split:
        gal_items, q_items = scan_dataset(dataset / "gallery"), scan_dataset(dataset / "query")
    else:
        gal_items, q_items = scan_dataset(dataset), []
    if not gal_items:
        raise ValueError(f"no images in {dataset}")
    gal_out = traced(gal_items)
    q_out = traced(q_items) if q_items else []
    usable = [i for i, o in enumerate(gal_out) if o.usable]
    gallery = EdgeGallery([gal_out[i].edge() for i in usable],
                          [gal_items[i].individual for i in usable], photo_ids=usable,
                          shapes=[canonical_shape(gal_out[i]) for i in usable])
    ranked: list[list[Hashable]] = []
    truth: list[Hashable] = []
    known_p: list[float] = []
    known_p_all: list[float] = []
    if split:
        enrolled = {g.individual for g in gal_items}
        queries = [(it, o, ()) for it, o in zip(q_items, q_out, strict=True)
                   if it.individual in enrolled]
    else:
        counts: dict[str, int] = {}
        for it in gal_items:
            counts[it.individual] = counts.get(it.individual, 0) + 1
        pos = {gi: j for j, gi in enumerate(usable)}
        queries = [(it, o, (pos[i],) if i in pos else ())
                   for i, (it, o) in enumerate(zip(gal_items, gal_out, strict=True))
                   if counts[it.individual] >= 2]
    for it, o, excl in queries:
        truth.append(it.individual)
        if not o.usable:
            ranked.append([])
            known_p_all.append(1.0)
            continue
        cands = gallery.search(o.edge(), k=k, exclude=excl, shape=canonical_shape(o))
        ranked.append([c.label for c in cands])
        p = float(p_new_edge(cands, calibration=calibration))
        known_p.append(p)
        known_p_all.append(p)
    metrics: dict[str, Any] = ranking_metrics(ranked=ranked, truth=truth)
    wrong = confusions(ranked=ranked, truth=truth)
    interval = proportion_interval(successes=len(truth) - sum(wrong.values()), n=len(truth))
    metrics.update(top1_ci95=None if interval is None else [round(x, 3) for x in interval],
                   confusions=wrong)
    all_out = gal_out + q_out
    individuals = {it.individual for it in gal_items} | {it.individual for it in q_items}
    metrics.update(n_queries=len(truth), n_individuals=len(individuals),
                   n_gallery=len(usable), method="edge",
                   outline_found=float(np.mean([o.usable for o in all_out])),
                   queries_with_outline=int(sum(o.usable for _, o, _ in queries)))
    if unknown is not None:
        u_items = scan_flat(unknown)
        u_out = traced(u_items)
        u_p, u_p_all = [], []
        for o in u_out:
            if not o.usable:
                u_p_all.append(1.0)
                continue
            p = float(p_new_edge(gallery.search(o.edge(), k=k), calibration=calibration))
            u_p.append(p)
            u_p_all.append(p)
        thr = 0.5
        metrics.update(
            unknown_auc=roc_auc(positives=np.array(u_p), negatives=np.array(known_p)),
            unknown_auc_all=roc_auc(positives=np.array(u_p_all), negatives=np.array(known_p_all)),
            n_unknown=len(u_items), unknown_outline_found=float(np.mean([o.usable for o in u_out]))
            if u_out else None,
            unknown_flagged=float(np.mean(np.array(u_p) > thr)) if u_p else None,
            known_flagged=float(np.mean(np.array(known_p) > thr)) if known_p else None)
    return metrics


def evaluate_fused(*, dataset: str | Path, model_path: str | Path | None = None,
                   tracer: Any = None, k: int = 5) -> dict[str, Any]:
    """Leave-one-out ranking that fuses the edge and appearance rankings (folder datasets).

    Each individual's rank by edge (best photo's aligned distance) and by appearance
    (best photo's cosine) are added; the smaller sum ranks first (ties: edge distance).
    No weight is fitted. A query without an outline is ranked by appearance alone.
    Measured only: the site does not serve it (see dois/ml/README.md).
    """
    from . import DEFAULT_MODEL_PATH
    from .edges import align_edges
    from .model import Embedder

    items = scan_dataset(dataset)
    outlines = trace_items(items=items, tracer=tracer)
    emb = Embedder(model_path or DEFAULT_MODEL_PATH)
    vecs = embed_items(items=items, embedder=emb)
    labels = [it.individual for it in items]
    names = sorted(set(labels))
    counts = {n: labels.count(n) for n in names}
    edges = [o.edge() for o in outlines]
    ranked, truth = [], []
    for i, it in enumerate(items):
        if counts[it.individual] < 2:
            continue
        others = [j for j in range(len(items)) if j != i]
        cos = vecs[others] @ vecs[i]
        app = {n: max(float(c) for c, j in zip(cos, others, strict=True) if labels[j] == n)
               for n in names if any(labels[j] == n for j in others)}
        order_app = sorted(app, key=lambda n: -app[n])
        r_app = {n: r for r, n in enumerate(order_app)}
        r_edge: dict[str, int] = {}
        d_edge: dict[str, float] = {}
        with_edge = [j for j in others if edges[j] is not None]
        if edges[i] is not None and with_edge:
            d = align_edges(edges[i], np.stack([edges[j] for j in with_edge]))
            for dist, j in zip(d, with_edge, strict=True):
                n = labels[j]
                d_edge[n] = min(d_edge.get(n, np.inf), float(dist))
            for r, n in enumerate(sorted(d_edge, key=d_edge.get)):
                r_edge[n] = r
        worst = len(names)
        order = sorted(app, key=lambda n: (r_app[n] + r_edge.get(n, worst if r_edge else 0),
                                           d_edge.get(n, np.inf)))
        ranked.append(order[:k])
        truth.append(it.individual)
    metrics: dict[str, Any] = ranking_metrics(ranked=ranked, truth=truth)
    metrics.update(n_queries=len(truth), n_individuals=len(names), method="fused",
                   outline_found=float(np.mean([o.usable for o in outlines])))
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point: prints the metrics as one JSON line."""
    ap = argparse.ArgumentParser(prog="python -m dois.ml.evaluate")
    ap.add_argument("dataset")
    ap.add_argument("--method", default=SERVED_METHOD, choices=METHODS,
                    help=f"default: what the site serves ({SERVED_METHOD})")
    ap.add_argument("--model", default=None, help="appearance model .keras (default: shipped)")
    ap.add_argument("--unknown", default=None, help="folder of images not in the gallery")
    ap.add_argument("--backend", default="auto", choices=["auto", "tflite", "tf"])
    ap.add_argument("--segmentation", default="network", choices=["network", "classical"],
                    help="edge method: how the fin is segmented (default: network)")
    args = ap.parse_args(argv)
    if args.method == "edge":
        from .edges import EDGE_METHOD_VERSION
        from .outline import OutlineTracer

        tracer = OutlineTracer(method=args.segmentation)
        metrics = evaluate_edges(dataset=args.dataset, unknown=args.unknown, tracer=tracer)
        metrics.update(edge_method=EDGE_METHOD_VERSION, outline_method=tracer.version)
        print(json.dumps(metrics))
        return 0
    if args.method == "fused":
        metrics = evaluate_fused(dataset=args.dataset, model_path=args.model)
        print(json.dumps(metrics))
        return 0
    from . import DEFAULT_MODEL_PATH
    from .model import Embedder

    model = Path(args.model) if args.model else DEFAULT_MODEL_PATH
    embedder = Embedder(model, backend=args.backend)
    metrics = evaluate_dataset(dataset=args.dataset, embedder=embedder, unknown=args.unknown)
    metrics.update(model=str(model), backend=embedder.backend, method="appearance")
    print(json.dumps(metrics))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
