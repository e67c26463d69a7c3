"""A small 1-D network over the canonical trailing edge: a fast vector for shortlisting.

Trained only on synthetic notch patterns (:func:`dois.ml.synth.fin_shape`) seen as other
photos would show them (:func:`dois.ml.synth.view_edge`: view angle, waterline, torn
tip, splash, tracing noise), with a supervised contrastive loss over batches of P
individuals x K views. The edge carries no water or light, so what it learns should
transfer to real fins better than whole crops did.

``python -m dois.ml.edge_encoder [--out PATH] [--steps S]`` trains and exports it
(``.keras``, ``.tflite``, ``.json``; a few minutes on two cores).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DEFAULT_ENCODER_PATH", "edge_features", "build_encoder", "EdgeEncoder",
           "train_encoder", "main"]

DEFAULT_ENCODER_PATH = Path(__file__).resolve().parent / "shipped" / "fin-edge-encoder-v1.keras"
N_POINTS = 64
DIM = 64


def edge_features(edges: np.ndarray) -> np.ndarray:
    """``N x 64 x 2`` canonical edges -> ``N x 64 x 4``: centred x, y, turning, step."""
    e = np.asarray(edges, np.float32).reshape(-1, N_POINTS, 2)
    d = np.diff(e, axis=1, prepend=e[:, :1])
    d[:, 0] = d[:, 1]
    ang = np.arctan2(d[..., 1], d[..., 0])
    turn = np.diff(np.unwrap(ang, axis=1), axis=1, prepend=ang[:, :1])
    step = np.linalg.norm(d, axis=2)
    step = step / np.maximum(step.mean(axis=1, keepdims=True), 1e-9) - 1.0
    x = e[..., 0] - e[..., 0].mean(axis=1, keepdims=True)
    y = e[..., 1] - e[..., 1].mean(axis=1, keepdims=True)
    return np.stack([4 * x, 4 * y, 10 * turn, step], axis=2).astype(np.float32)


def build_encoder(*, dim: int = DIM, seed: int | None = None) -> Any:
    """Conv1D stack -> global pooling -> unit vector."""
    import keras
    from keras import layers

    if seed is not None:
        keras.utils.set_random_seed(seed)
    inp = keras.Input((N_POINTS, 4), name="edge")
    x = inp
    for i, ch in enumerate((32, 48, 64)):
        for j in range(2):
            x = layers.Conv1D(ch, 5, padding="same", use_bias=False, name=f"c{i}{j}")(x)
            x = layers.BatchNormalization(name=f"bn{i}{j}")(x)
            x = layers.ReLU(name=f"r{i}{j}")(x)
        if i < 2:
            x = layers.MaxPooling1D(2, name=f"p{i}")(x)
    x = layers.Concatenate(name="pool")([layers.GlobalAveragePooling1D(name="avg")(x),
                                         layers.GlobalMaxPooling1D(name="max")(x)])
    x = layers.Dense(dim, name="proj")(x)
    out = layers.UnitNormalization(name="unit")(x)
    return keras.Model(inp, out, name="edge_encoder")


class EdgeEncoder:
    """Serve the encoder (LiteRT, one thread); nothing loads until the first call."""

    def __init__(self, path: str | os.PathLike = DEFAULT_ENCODER_PATH) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._interp: Any = None
        self._batch = -1

    def _load(self) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self._interp = Interpreter(model_path=str(self.path.with_suffix(".tflite")),
                                   num_threads=1)
        self._batch = -1
        self._pid = os.getpid()

    def encode(self, edges: np.ndarray) -> np.ndarray:
        """``N x 64 x 2`` canonical edges -> ``N x D`` unit vectors."""
        x = edge_features(edges)
        with self._lock:
            if self._pid != os.getpid():
                self._load()
            out = []
            inp = self._interp.get_input_details()[0]
            for s in range(0, len(x), 512):
                part = np.ascontiguousarray(x[s:s + 512])
                if self._batch != len(part):
                    self._interp.resize_tensor_input(inp["index"], list(part.shape),
                                                     strict=False)
                    self._interp.allocate_tensors()
                    self._batch = len(part)
                self._interp.set_tensor(inp["index"], part)
                self._interp.invoke()
                out.append(np.array(self._interp.get_tensor(
                    self._interp.get_output_details()[0]["index"])))
        return np.concatenate(out) if out else np.zeros((0, DIM), np.float32)


def _views(seeds: Sequence[int], k: int, rng: np.random.Generator) -> np.ndarray:
    from .outline import normalise_edge
    from .synth import fin_shape, view_edge

    out = np.empty((len(seeds), k, N_POINTS, 2), np.float32)
    for i, s in enumerate(seeds):
        trail = fin_shape(individual_seed=int(s)).trailing
        for j in range(k):
            out[i, j] = normalise_edge(view_edge(trail, rng))
    return out


def train_encoder(*, out: Path, individuals: int = 6000, views: int = 6, steps: int = 3000,
                  p: int = 64, k: int = 4, seed: int = 0) -> dict[str, Any]:
    """Train on synthetic edges and export; returns the recipe and held-out figures."""
    import tensorflow as tf

    from .segment import save_segmenter

    rng = np.random.default_rng(seed)
    t0 = time.time()
    data = _views([seed * 7_000_003 + i for i in range(individuals)], views, rng)
    feats = edge_features(data.reshape(-1, N_POINTS, 2)).reshape(individuals, views, N_POINTS, 4)
    held = _views([900_000_000 + i for i in range(300)], 2, np.random.default_rng(99))
    render_s = time.time() - t0
    model = build_encoder(seed=seed)
    opt = tf.keras.optimizers.Adam(tf.keras.optimizers.schedules.CosineDecay(2e-3, steps))

    @tf.function
    def step(x: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            z = model(x, training=True)
            sim = tf.matmul(z, z, transpose_b=True) / 0.1
            n = tf.shape(z)[0]
            eye = tf.eye(n)
            sim = sim - 1e9 * eye
            same = tf.cast(tf.equal(y[:, None], y[None, :]), tf.float32) - eye
            logp = sim - tf.reduce_logsumexp(sim, axis=1, keepdims=True)
            loss = -tf.reduce_mean(tf.reduce_sum(same * logp, 1) / tf.reduce_sum(same, 1))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    losses = []
    t1 = time.time()
    for s in range(steps):
        ids = rng.choice(individuals, p, replace=False)
        vi = np.stack([rng.choice(views, k, replace=False) for _ in ids])
        x = feats[ids[:, None], vi].reshape(-1, N_POINTS, 4)
        y = np.repeat(np.arange(p), k)
        losses.append(float(step(x, y)))
        if (s + 1) % 500 == 0:
            print(f"[edge encoder] step {s + 1}/{steps} loss {np.mean(losses[-500:]):.3f}",
                  file=sys.stderr, flush=True)
    train_s = time.time() - t1
    z = model(edge_features(held.reshape(-1, N_POINTS, 2)), training=False).numpy()
    za, zb = z[0::2], z[1::2]
    top1 = float(np.mean(np.argmax(za @ zb.T, axis=1) == np.arange(len(za))))
    meta = {"name": "fin-edge-encoder", "version": "1", "dim": DIM,
            "trained_at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "recipe": {"individuals": individuals, "views": views, "steps": steps, "p": p,
                       "k": k, "seed": seed},
            "metrics": {"synthetic_unseen_top1_of_300": round(top1, 4),
                        "data_s": round(render_s), "train_s": round(train_s)}}
    save_segmenter(model, out, metadata=meta)
    return meta


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(prog="python -m dois.ml.edge_encoder")
    ap.add_argument("--out", default=str(DEFAULT_ENCODER_PATH))
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--individuals", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    meta = train_encoder(out=Path(args.out), steps=args.steps, individuals=args.individuals,
                         seed=args.seed)
    print(json.dumps(meta))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
