"""Benchmark the DoIs fin embedder: accuracy targets and speed, printed as ONE JSON line.

Run from the repository root: ``.venv/bin/python bench/bench_ml.py [--model PATH]``.
Data root: env ``PHOTOID_DATA`` (default ``../shared/data/photoid``). Takes a few
minutes on two CPU cores. Timings are medians over repeated runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from dois.ml import DEFAULT_MODEL_PATH, Gallery, load_image, load_images  # noqa: E402
from dois.ml.datasets import scan_dataset  # noqa: E402
from dois.ml.evaluate import embed_items, evaluate_dataset  # noqa: E402
from dois.ml.make_model import SYNTH_EVAL_SEED, data_root  # noqa: E402
from dois.ml.model import Embedder  # noqa: E402
from dois.ml.synth import write_dataset  # noqa: E402


def _median_time(fn: Callable[[], Any], *, repeat: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _accuracy(model: Path, root: Path) -> dict[str, Any]:
    emb = Embedder(model)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        write_dataset(root=tmp, n_individuals=100, photos_per_individual=5, seed=SYNTH_EVAL_SEED)
        out["synthetic_unseen"] = evaluate_dataset(dataset=tmp, embedder=emb)
    _log("synthetic done")
    if (root / "nyala" / "test").is_dir():
        out["nyala_test"] = evaluate_dataset(dataset=root / "nyala" / "test", embedder=emb)
    if (root / "fins-smru").is_dir():
        out["fins_smru"] = evaluate_dataset(dataset=root / "fins-smru", embedder=emb)
        unknown = root / "fins-naukma-unknown"
        if unknown.is_dir():
            out["fins_smru_vs_unknown"] = evaluate_dataset(dataset=root / "fins-smru",
                                                           embedder=emb, unknown=unknown)
    _log("real sets done")
    return out


def _network_speed(model: Path, size: int) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    one = rng.random((1, size, size, 3), dtype=np.float32)
    batch = rng.random((32, size, size, 3), dtype=np.float32)
    out: dict[str, Any] = {}
    for backend in ("tflite", "tf"):
        emb = Embedder(model, backend=backend)
        t1 = _median_time(lambda e=emb: e.embed(one), repeat=50)
        t32 = _median_time(lambda e=emb: e.embed(batch), repeat=10)
        out[backend] = {"batch1_photos_per_s": round(1 / t1, 1),
                        "batch1_ms": round(t1 * 1000, 2),
                        "batch32_photos_per_s": round(32 / t32, 1)}
    return out


def _same_ranking(model: Path, root: Path) -> dict[str, Any]:
    """Do the TFLite and tf.function paths rank nyala/test identically?"""
    folder = root / "nyala" / "test"
    if not folder.is_dir():
        folder = root / "fins-smru"
    items = scan_dataset(folder)[:200]
    vec = {b: embed_items(items=items, embedder=Embedder(model, backend=b))
           for b in ("tflite", "tf")}
    labels = [it.individual for it in items]
    tops = {}
    for b, v in vec.items():
        res = Gallery(v, labels).search(v, k=5, exclude=list(range(len(v))))
        tops[b] = [[c.label for c in r] for r in res]
    return {"photos": len(items),
            "max_abs_diff": float(np.abs(vec["tflite"] - vec["tf"]).max()),
            "top1_agree": float(np.mean([a[:1] == b[:1] for a, b in
                                         zip(tops["tflite"], tops["tf"], strict=True)])),
            "top5_agree": float(np.mean([a == b for a, b in
                                         zip(tops["tflite"], tops["tf"], strict=True)]))}


def _end_to_end(model: Path, root: Path) -> dict[str, Any]:
    """JPEG file -> preprocess -> embed -> ranked candidates from a 10k-photo gallery."""
    emb = Embedder(model).warm()
    size = emb.input_size
    folder = root / "fins-smru" if (root / "fins-smru").is_dir() else None
    with tempfile.TemporaryDirectory() as tmp:
        if folder is None:
            write_dataset(root=tmp, n_individuals=8, photos_per_individual=4, seed=7)
            folder = Path(tmp)
        paths = [it.path for it in scan_dataset(folder)][:32]
        rng = np.random.default_rng(1)
        gvec = rng.normal(size=(10_000, emb.embedding_dim)).astype(np.float32)
        gallery = Gallery(gvec, [i // 5 for i in range(10_000)])

        def single() -> None:
            for p in paths:
                v = emb.embed(load_image(p, size=size)[None])
                gallery.search(v, k=5)

        def batched() -> None:
            v = emb.embed(load_images(paths, size=size))
            gallery.search(v, k=5)

        t_single = _median_time(single, repeat=3, warmup=1)
        t_batch = _median_time(batched, repeat=3, warmup=1)
        t_decode = _median_time(lambda: [load_image(p, size=size) for p in paths], repeat=3)
    n = len(paths)
    return {"photos": n, "source": str(folder.name), "backend": emb.backend,
            "one_at_a_time_photos_per_s": round(n / t_single, 1),
            "batched_photos_per_s": round(n / t_batch, 1),
            "decode_preprocess_photos_per_s": round(n / t_decode, 1)}


def _gallery_speed(dim: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    rng = np.random.default_rng(2)
    for n in (10_000, 1_000_000):
        vecs = rng.standard_normal((n, dim), dtype=np.float32)
        gallery = Gallery(vecs, np.arange(n) // 5)
        del vecs
        q1 = rng.standard_normal((1, dim), dtype=np.float32)
        q64 = rng.standard_normal((64, dim), dtype=np.float32)
        t1 = _median_time(lambda g=gallery, q=q1: g.search(q, k=5), repeat=7 if n > 10_000 else 30)
        t64 = _median_time(lambda g=gallery, q=q64: g.search(q, k=5),
                           repeat=3 if n > 10_000 else 10)
        out[f"{n}"] = {"single_query_ms": round(t1 * 1000, 2),
                       "batch64_ms_per_query": round(t64 * 1000 / 64, 3)}
        del gallery
    return out


def main() -> int:
    """Run every measurement and print one JSON object."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(DEFAULT_MODEL_PATH))
    args = ap.parse_args()
    model = Path(args.model)
    root = data_root()
    t0 = time.time()
    emb = Embedder(model)
    result: dict[str, Any] = {"model": model.name, "version": emb.metadata.version,
                              "input_size": emb.input_size, "cpu_count": os.cpu_count()}
    result["accuracy"] = _accuracy(model, root)
    result["network_speed"] = _network_speed(model, emb.input_size)
    _log("network speed done")
    result["backend_agreement"] = _same_ranking(model, root)
    result["end_to_end"] = _end_to_end(model, root)
    _log("end to end done")
    result["gallery_search"] = _gallery_speed(emb.embedding_dim)
    acc = result["accuracy"]
    result["targets"] = {
        "synthetic_top1>=0.95": acc["synthetic_unseen"]["top1"] >= 0.95,
        "nyala_test_top1>=0.40": acc.get("nyala_test", {}).get("top1", 0.0) >= 0.40,
    }
    result["seconds"] = round(time.time() - t0, 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
